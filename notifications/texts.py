"""What a notification says, in the reader's language.

The stored subject and body are the record of what was sent, in Russian (the seed's
audience; notifications.services.render). A reader who asked for another language sees the
same notification rendered from its payload with that language's template
(templates/notifications/<language>/<kind>.txt); a kind without one shows the record.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import translation

from core.reasons import reason_text

from .models import Notification


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


def payload_context(payload: dict) -> dict:
    """What a notification template is rendered with: the payload, and its reason code
    rendered in the active language (core.reasons)."""
    return {
        "p": payload,
        "reason": reason_text(payload.get("reason"), payload.get("reason_params")),
    }


def notification_text(notification: Notification, language: str | None = None) -> Text:
    language = (language or translation.get_language() or "ru").split("-")[0]
    cached = getattr(notification, "_text", None)
    if cached is not None and cached[0] == language:
        return cached[1]
    text = Text(notification.subject, notification.body)
    if language != "ru":
        try:
            template = get_template(f"notifications/{language}/{notification.kind}.txt")
        except TemplateDoesNotExist:
            template = None
        if template is not None:
            payload = notification.payload or {}
            with translation.override(language):
                rendered = template.render(payload_context(payload)).strip()
            subject, _sep, body = rendered.partition("\n")
            text = Text(subject.strip(), body.strip())
    notification._text = (language, text)  # type: ignore[attr-defined]
    return text
