"""The documents' lists as files (config.exports): invoices, acts and the bank statement
lines. A client's files name no other client; the reseller's name the client."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from config.exports import Column, Kind, Table, register

_INVOICE = (
    Column(gettext_lazy("Год"), "year", Kind.INT),
    Column(gettext_lazy("Номер"), "number", Kind.INT),
    Column(gettext_lazy("Дата"), "date", Kind.DATE),
)
_INVOICE_TAIL = (
    Column(gettext_lazy("Сумма"), "total", Kind.MONEY),
    Column(gettext_lazy("В т.ч. НДС"), "vat_amount", Kind.MONEY),
    Column(gettext_lazy("Назначение"), "get_purpose_display"),
    Column(gettext_lazy("Статус"), "get_status_display"),
)
INVOICES = register(
    Table(
        name="invoices",
        title=gettext_lazy("Счета на оплату"),
        columns=(*_INVOICE, Column(gettext_lazy("Клиент"), "client.name"), *_INVOICE_TAIL),
    )
)
CLIENT_INVOICES = register(
    Table(
        name="my-invoices",
        title=gettext_lazy("Счета на оплату"),
        columns=(*_INVOICE, *_INVOICE_TAIL),
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
