"""The audit trail in words (DESIGN.md §3): each event's before → after as rows of
(what, was, became), values rendered for people (money as `1 234,50 ₽`, statuses and
reasons by their labels, dates as `20.12.2026`). Shared by the panel's page, its CSV
export and the operator's admin, so the three read the same."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.formats import format_day, format_rub
from core.reasons import reason_text
from documents.models import InvoiceStatus, StatementLineStatus
from orders.models import OrderStatus, SeatChangeStatus, SubscriptionStatus
from plans.models import ResellerPlan

from .models import AuditEvent, VatMode

LABELS = {
    "balance": gettext_lazy("баланс"),
    "amount": gettext_lazy("сумма"),
    "reason": gettext_lazy("причина"),
    "order": gettext_lazy("заказ"),
    "status": gettext_lazy("статус"),
    "is_published": gettext_lazy("публикация"),
    "seat_price": gettext_lazy("абонентская плата"),
    "seats": gettext_lazy("рабочих мест"),
    "effective_on": gettext_lazy("вступает в силу"),
    "auto_renew": gettext_lazy("автопродление"),
    "last_day": gettext_lazy("последний оплаченный день"),
    "freed": gettext_lazy("освобождено из резерва"),
    "amount_due": gettext_lazy("к оплате"),
    "name": gettext_lazy("название"),
    "email": gettext_lazy("e-mail"),
    "inn": gettext_lazy("ИНН"),
    "address_state": gettext_lazy("регион"),
    "address_city": gettext_lazy("город"),
    "address_street": gettext_lazy("улица, дом"),
    "address_zip": gettext_lazy("индекс"),
    "role": gettext_lazy("роль"),
    "reminder_days": gettext_lazy("напоминания, дней до окончания периода"),
    "legal_name": gettext_lazy("полное наименование"),
    "kpp": gettext_lazy("КПП"),
    "ogrn": gettext_lazy("ОГРН"),
    "legal_address": gettext_lazy("юридический адрес"),
    "bank_name": gettext_lazy("банк"),
    "bik": gettext_lazy("БИК"),
    "corr_account": gettext_lazy("корреспондентский счёт"),
    "account": gettext_lazy("расчётный счёт"),
    "signatory_name": gettext_lazy("подписант"),
    "signatory_position": gettext_lazy("должность подписанта"),
    "vat_mode": gettext_lazy("НДС"),
    "number": gettext_lazy("номер"),
    "file": gettext_lazy("файл"),
    "lines": gettext_lazy("новых строк"),
    "duplicates": gettext_lazy("уже загруженных строк"),
    "matched": gettext_lazy("сопоставлено"),
    "unmatched": gettext_lazy("ждут разбора"),
    "reference": gettext_lazy("основание"),
    "invoice": gettext_lazy("счёт"),
}
MONEY = {"balance", "amount", "seat_price", "freed", "amount_due"}
DAYS = {"effective_on", "last_day"}
# A status is read by the kind of object it belongs to.
STATUSES: dict[str, Any] = {
    "subscription": SubscriptionStatus,
    "order": OrderStatus,
    "seatchange": SeatChangeStatus,
    "resellerplan": ResellerPlan.Status,
    "invoice": InvoiceStatus,
    "statementline": StatementLineStatus,
}
OBJECTS = {
    "payment": gettext_lazy("платёж"),
    "balanceentry": gettext_lazy("запись баланса"),
    "subscription": gettext_lazy("подписка"),
    "order": gettext_lazy("заказ"),
    "seatchange": gettext_lazy("изменение числа мест"),
    "resellerplan": gettext_lazy("тарифный план"),
    "client": gettext_lazy("клиент"),
    "user": gettext_lazy("пользователь"),
    "reseller": gettext_lazy("реселлер"),
    "requisites": gettext_lazy("реквизиты"),
    "invoice": gettext_lazy("счёт на оплату"),
    "bankstatement": gettext_lazy("банковская выписка"),
    "statementline": gettext_lazy("строка выписки"),
}


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


def value_text(key: str, value: Any, *, object_type: str = "") -> str:
    if value is None or value == "":
        return _("не задана") if key == "seat_price" else "—"
    if key in MONEY:
        try:
            return format_rub(Decimal(str(value)))
        except InvalidOperation:
            return str(value)
    if key in DAYS:
        return format_day(value)
    if key == "reason":
        return reason_text(value)
    if key == "order":
        return _("№%(id)s") % {"id": value}
    if key == "is_published":
        return _("опубликован") if value else _("не опубликован")
    if key == "auto_renew":
        return _("включено") if value else _("выключено")
    if key == "vat_mode":
        try:
            return str(VatMode(value).label)
        except ValueError:
            return str(value)
    if key == "status" and object_type in STATUSES:
        try:
            return str(STATUSES[object_type](value).label)
        except ValueError:
            return str(value)
    if isinstance(value, bool):
        return _("да") if value else _("нет")
    return str(value)


def changes_of(event: AuditEvent) -> list[Change]:
    before, after = event.before or {}, event.after or {}
    keys = [*before, *(k for k in after if k not in before)]
    rows = [
        Change(
            label=str(LABELS.get(key, key)),
            before=value_text(key, before[key], object_type=event.object_type)
            if key in before
            else "—",
            after=value_text(key, after[key], object_type=event.object_type)
            if key in after
            else "—",
        )
        for key in keys
    ]
    # What stayed as it was (a client created without an INN) says nothing.
    return [row for row in rows if row.before != row.after]


def changes_line(event: AuditEvent) -> str:
    """One line for a CSV cell or an admin column: `баланс: 1 300,00 ₽ → 1 000,00 ₽; …`."""
    return "; ".join(f"{c.label}: {c.before} → {c.after}" for c in changes_of(event))


def object_text(event: AuditEvent) -> str:
    kind = OBJECTS.get(event.object_type, event.object_type)
    return f"{kind} №{event.object_id}" if event.object_id else str(kind)
