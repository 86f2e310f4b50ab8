"""The seat-day differences with ESET as a file (config.exports)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from config.exports import Column, Kind, Table, register

from .models import UsageDifference


def _client(row: UsageDifference) -> str:
    return row.client.name if row.client is not None else row.company_id


USAGE_DIFFERENCES = register(
    Table(
        name="eset-usage",
        title=gettext_lazy("Сверка место-дней с ESET"),
        columns=(
            Column(gettext_lazy("Месяц"), "month", Kind.DATE),
            Column(gettext_lazy("Клиент"), _client),
            Column(gettext_lazy("Продукт"), lambda r: r.product_name or str(r.product_code)),
            Column(gettext_lazy("Место-дней у ESET"), "eset_seat_days", Kind.INT),
            Column(gettext_lazy("Место-дней списано"), "platform_seat_days", Kind.INT),
            Column(gettext_lazy("Разница"), "difference", Kind.INT),
            Column(gettext_lazy("По закупочной цене"), "purchase_value", Kind.MONEY),
        ),
    )
)
