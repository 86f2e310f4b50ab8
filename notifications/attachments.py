"""Files an e-mail carries beside its text (an act's or an invoice's PDF). The apps that
own the documents register a function per notification kind at start-up (AppConfig.ready):
notifications sits below them (DESIGN.md §2) and knows neither acts nor invoices; it asks
the registry when it sends, so a PDF is rendered by the worker that sends the e-mail, after
commit, never inside the transaction that wrote the notification."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .models import Notification


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


Renderer = Callable[[Notification], list[Attachment]]
_RENDERERS: dict[str, Renderer] = {}


def attachments_register(*, kind: str, render: Renderer) -> None:
    _RENDERERS[kind] = render


def attachments_for(notification: Notification) -> list[Attachment]:
    render = _RENDERERS.get(notification.kind)
    return render(notification) if render is not None else []
