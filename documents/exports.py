"""The documents' lists as files (config.exports): the invoices, the panel's (with the
client) and the portal's (the client's own), and the bank statements uploaded."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.exports import Column, Kind, Table, register

from .models import BankStatement, Invoice


def _purpose(invoice: Invoice) -> str:
    """What the invoice pays, as its page says it: the order or subscription by number."""
    if invoice.order_id:
        return _("оплата заказа №%(n)s") % {"n": invoice.order_id}
    if invoice.subscription_id:
        return _("продление подписки №%(n)s") % {"n": invoice.subscription_id}
    return str(invoice.get_purpose_display())


def _uploaded_by(statement: BankStatement) -> str:
    return statement.uploaded_by.get_username() if statement.uploaded_by else ""


INVOICE_COLUMNS = (
    Column(gettext_lazy("Счёт"), "number", Kind.INT),
    Column(gettext_lazy("Дата"), "date", Kind.DATE),
    Column(gettext_lazy("Назначение"), _purpose),
    Column(gettext_lazy("Сумма"), "total", Kind.MONEY),
    Column(gettext_lazy("Статус"), "get_status_display"),
)
INVOICES = register(
    Table(
        name="invoices",
        title=gettext_lazy("Счета на оплату"),
        columns=(
            *INVOICE_COLUMNS[:2],
            Column(gettext_lazy("Клиент"), "client.name"),
            *INVOICE_COLUMNS[2:],
        ),
    )
)
CLIENT_INVOICES = register(
    Table(name="my-invoices", title=gettext_lazy("Счета на оплату"), columns=INVOICE_COLUMNS)
)

STATEMENTS = register(
    Table(
        name="statements",
        title=gettext_lazy("Банковские выписки"),
        columns=(
            Column(gettext_lazy("Загружена (МСК)"), "at", Kind.DATETIME),
            Column(gettext_lazy("Файл"), "filename"),
            Column(gettext_lazy("Кто загрузил"), _uploaded_by),
            Column(gettext_lazy("Поступлений"), "incoming", Kind.INT),
            Column(gettext_lazy("Новых"), "new_lines", Kind.INT),
            Column(gettext_lazy("Сопоставлено"), "matched", Kind.INT),
            Column(gettext_lazy("Ждали разбора"), "unmatched", Kind.INT),
            Column(gettext_lazy("Зачислено"), "amount_matched", Kind.MONEY),
        ),
    )
)
_ACT = (
    Column(gettext_lazy("Год"), "year", Kind.INT),
    Column(gettext_lazy("Номер"), "number", Kind.INT),
    Column(gettext_lazy("Дата"), "date", Kind.DATE),
    Column(gettext_lazy("Месяц"), "month", Kind.MONTH),
)
_ACT_TAIL = (
    Column(gettext_lazy("Сумма"), "total", Kind.MONEY),
    Column(gettext_lazy("В т.ч. НДС"), "vat_amount", Kind.MONEY),
)
ACTS = register(
    Table(
        name="acts",
        title=gettext_lazy("Акты"),
        columns=(*_ACT, Column(gettext_lazy("Клиент"), "client.name"), *_ACT_TAIL),
    )
)
CLIENT_ACTS = register(
    Table(name="my-acts", title=gettext_lazy("Акты"), columns=(*_ACT, *_ACT_TAIL))
)

STATEMENT_LINES = register(
    Table(
        name="statement-lines",
        title=gettext_lazy("Строки выписки"),
        columns=(
            Column(gettext_lazy("Номер п/п"), "number"),
            Column(gettext_lazy("Дата п/п"), "date", Kind.DATE),
            Column(gettext_lazy("Сумма"), "amount", Kind.MONEY),
            Column(gettext_lazy("ИНН плательщика"), "payer_inn"),
            Column(gettext_lazy("Плательщик"), "payer_name"),
            Column(gettext_lazy("Назначение платежа"), "purpose"),
            Column(gettext_lazy("Итог"), "get_status_display"),
            Column(gettext_lazy("Клиент"), "client.name"),
            Column(gettext_lazy("Платёж"), "payment_id", Kind.INT),
        ),
    )
)
