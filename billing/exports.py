"""The money lists as files (config.exports): payments, charges, corrections, and the
distributor's statement. A charge's purchase cost is the reseller's business: the
client's files never carry it."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.exports import Column, Kind, Table, register

from .models import BalanceEntry, Payment


def _reversed(payment: Payment) -> str:
    return _("Да") if hasattr(payment, "reversal_entry") else _("Нет")


def _operation(entry: BalanceEntry) -> str:
    return str(entry.get_kind_display()).capitalize()


PAYMENT_COLUMNS = (
    Column(gettext_lazy("Платёж"), "pk", Kind.INT),
    Column(gettext_lazy("Дата (МСК)"), "paid_at", Kind.DATETIME),
    Column(gettext_lazy("Сумма"), "amount", Kind.MONEY),
    Column(gettext_lazy("Способ"), "get_method_display"),
    Column(gettext_lazy("Основание"), "reference"),
    Column(gettext_lazy("Заказ"), "order_id", Kind.INT),
    Column(gettext_lazy("Сторнирован"), _reversed),
)
PAYMENTS = register(
    Table(
        name="payments",
        title=gettext_lazy("Платежи"),
        columns=(
            *PAYMENT_COLUMNS[:2],
            Column(gettext_lazy("Клиент"), "client.name"),
            *PAYMENT_COLUMNS[2:],
        ),
    )
)
CLIENT_PAYMENTS = register(
    Table(name="my-payments", title=gettext_lazy("Платежи"), columns=PAYMENT_COLUMNS)
)

CHARGES = register(
    Table(
        name="charges",
        title=gettext_lazy("Списания"),
        columns=(
            Column(gettext_lazy("Подписка"), "subscription_id", Kind.INT),
            Column(gettext_lazy("Тарифный план"), "subscription.reseller_plan.vendor_plan.name"),
            Column(gettext_lazy("Период с"), "date_from", Kind.DATE),
            Column(gettext_lazy("Период по"), "date_to", Kind.DATE),
            Column(gettext_lazy("Место-дней"), "seat_days", Kind.INT),
            Column(gettext_lazy("Сумма"), "amount", Kind.MONEY),
            Column(gettext_lazy("Дата списания"), "closes_on", Kind.DATE),
            Column(gettext_lazy("Статус"), "get_status_display"),
            Column(gettext_lazy("Закрыто"), "closed_on", Kind.DATE),
        ),
    )
)

CORRECTIONS = register(
    Table(
        name="corrections",
        title=gettext_lazy("Исправления"),
        columns=(
            Column(gettext_lazy("Дата (МСК)"), "created_at", Kind.DATETIME),
            Column(gettext_lazy("Операция"), _operation),
            Column(gettext_lazy("Платёж"), "reversed_payment_id", Kind.INT),
            Column(gettext_lazy("Сумма"), "amount", Kind.MONEY),
            Column(gettext_lazy("Баланс после"), "balance_after", Kind.MONEY),
            Column(gettext_lazy("Причина"), "get_reason_display"),
            Column(gettext_lazy("Основание"), "reference"),
        ),
    )
)

STATEMENT = register(
    Table(
        name="distributor-statement",
        title=gettext_lazy("Ведомость дистрибьютора"),
        columns=(
            Column(gettext_lazy("Реселлер"), "reseller_name"),
            Column(gettext_lazy("ИНН"), "reseller_inn"),
            Column(gettext_lazy("Месяц"), "month", Kind.MONTH),
            Column(gettext_lazy("Закрыто списаний"), "charges", Kind.INT),
            Column(gettext_lazy("Себестоимость"), "cost", Kind.MONEY),
            Column(gettext_lazy("Выручка"), "revenue", Kind.MONEY),
            Column(gettext_lazy("Маржа"), "margin", Kind.MONEY),
        ),
    )
)
