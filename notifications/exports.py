"""The notification journal as a file (config.exports): the panel's (with the client) and
the portal's. Subjects read in the reader's language, as the page shows them."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.exports import Column, Kind, Table, register

from .models import Notification
from .texts import notification_text


def _subject(notification: Notification) -> str:
    return notification_text(notification).subject


def _whom(notification: Notification) -> str:
    client = notification.client
    return client.name if client is not None else _("реселлеру")


JOURNAL_COLUMNS = (
    Column(gettext_lazy("Дата (МСК)"), "created_at", Kind.DATETIME),
    Column(gettext_lazy("Тип"), "get_kind_display"),
    Column(gettext_lazy("Тема"), _subject),
    Column(gettext_lazy("Прочитано (МСК)"), "read_at", Kind.DATETIME),
)
NOTIFICATIONS = register(
    Table(
        name="notifications",
        title=gettext_lazy("Журнал уведомлений"),
        columns=(*JOURNAL_COLUMNS[:3], Column(gettext_lazy("Клиент"), _whom), JOURNAL_COLUMNS[3]),
    )
)
CLIENT_NOTIFICATIONS = register(
    Table(
        name="my-notifications", title=gettext_lazy("Журнал уведомлений"), columns=JOURNAL_COLUMNS
    )
)
