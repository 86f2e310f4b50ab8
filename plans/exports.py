"""The plan lists as files (config.exports): the panel's catalogue (plan_catalogue rows:
VendorPlan with the reseller's `rp_*` annotations) and the portal's published plans."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.exports import Column, Kind, Table, register

from .models import ResellerPlan


def _status(plan) -> str:
    return _("Активен") if plan.rp_status == ResellerPlan.Status.ACTIVE else _("Неактивен")


def _published(plan) -> str:
    return _("Да") if plan.rp_is_published else _("Нет")


PLANS = register(
    Table(
        name="plans",
        title=gettext_lazy("Тарифные планы"),
        columns=(
            Column(gettext_lazy("Тарифный план"), "name"),
            Column(gettext_lazy("Код продукта"), "product_code"),
            Column(gettext_lazy("Статус"), _status),
            Column(gettext_lazy("Мин. рабочих мест"), "min_seats", Kind.INT),
            Column(gettext_lazy("Макс. рабочих мест"), "max_seats", Kind.INT),
            Column(gettext_lazy("Закупочная цена"), "purchase_price", Kind.MONEY),
            Column(gettext_lazy("Абонентская плата/ежемесячно"), "rp_seat_price", Kind.MONEY),
            Column(gettext_lazy("Опубликован"), _published),
        ),
    )
)

PORTAL_PLANS = register(
    Table(
        name="my-plans",
        title=gettext_lazy("Тарифные планы"),
        columns=(
            Column(gettext_lazy("Тарифный план"), "vendor_plan.name"),
            Column(gettext_lazy("Мин. рабочих мест"), "vendor_plan.min_seats", Kind.INT),
            Column(gettext_lazy("Макс. рабочих мест"), "vendor_plan.max_seats", Kind.INT),
            Column(
                gettext_lazy("Абонентская плата/ежемесячно"), "effective_seat_price", Kind.MONEY
            ),
        ),
    )
)
