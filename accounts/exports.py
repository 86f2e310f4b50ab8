"""The accounts lists as files (config.exports): clients, people, the audit trail."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.exports import Column, Kind, Table, register

from .audit_text import changes_line, object_text
from .models import AuditEvent


def yes_no(value: object) -> str:
    return _("Да") if value else _("Нет")


CLIENTS = register(
    Table(
        name="clients",
        title=gettext_lazy("Клиенты"),
        columns=(
            Column(gettext_lazy("№"), "pk", Kind.INT),
            Column(gettext_lazy("Название"), "name"),
            Column(gettext_lazy("ИНН"), "inn"),
            Column(gettext_lazy("E-mail"), "email"),
            Column(gettext_lazy("Баланс"), "balance", Kind.MONEY),
            Column(gettext_lazy("Создан"), "created_at", Kind.DATE),
        ),
    )
)

PEOPLE_COLUMNS = (
    Column(gettext_lazy("E-mail"), lambda m: m.user.email or m.user.get_username()),
    Column(gettext_lazy("Роль"), "get_role_display"),
    Column(gettext_lazy("Пароль задан"), lambda m: yes_no(m.user.has_usable_password())),
    Column(gettext_lazy("Последний вход (МСК)"), "user.last_login", Kind.DATETIME),
)
STAFF = register(Table(name="staff", title=gettext_lazy("Сотрудники"), columns=PEOPLE_COLUMNS))
PEOPLE = register(Table(name="people", title=gettext_lazy("Пользователи"), columns=PEOPLE_COLUMNS))


def _actor(event: AuditEvent) -> str:
    return event.actor.get_username() if event.actor else _("система")


AUDIT = register(
    Table(
        name="audit",
        title=gettext_lazy("Журнал аудита"),
        columns=(
            Column(gettext_lazy("Когда (МСК)"), "at", Kind.DATETIME),
            Column(gettext_lazy("Кто"), _actor),
            Column(gettext_lazy("Действие"), "get_action_display"),
            Column(gettext_lazy("Клиент"), "client.name"),
            Column(gettext_lazy("Объект"), object_text),
            Column(gettext_lazy("Изменения"), changes_line),
        ),
    )
)
