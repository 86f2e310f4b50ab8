"""What a notification says, in the reader's language.

The stored subject and body are the record of what was sent, in Russian (the seed's
audience; notifications.services.render). A reader who asked for another language sees the
same notification rendered from its payload with that language's template
(templates/notifications/<language>/<kind>.txt); a kind without one shows the record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from .models import Notification

# The reasons the engine writes into payloads (orders.services, billing.services), listed
# here so that makemessages puts them in the catalogue.
REASONS = (
    gettext_noop("подписка не активна"),
    gettext_noop("недостаточно средств на балансе"),
    gettext_noop("автопродление выключено"),
    gettext_noop("подписка отменена"),
)
_GRACE = re.compile(r"^не оплачена в течение (\d+) дней$")


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


def reason_text(reason: str) -> str:
    """A payload's reason in the active language."""
    grace = _GRACE.match(reason or "")
    if grace:
        return gettext("не оплачена в течение %(days)s дней") % {"days": grace.group(1)}
    return gettext(reason) if reason else ""


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
                rendered = template.render(
                    {"p": payload, "reason": reason_text(str(payload.get("reason", "")))}
                ).strip()
            subject, _sep, body = rendered.partition("\n")
            text = Text(subject.strip(), body.strip())
    notification._text = (language, text)  # type: ignore[attr-defined]
    return text
