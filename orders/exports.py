"""The orders and subscriptions lists as files (config.exports), the panel's (with the
client) and the portal's (the client's own)."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.exports import Column, Kind, Table, register

from .models import Order, OrderStatus, Subscription


def _amount_due(order: Order):
    # A draft has no amount yet (the page shows «—»).
    return None if order.status == OrderStatus.DRAFT else order.amount_due


def _paid_through(subscription: Subscription):
    """The last day paid for, inclusive (expires_on is exclusive, DESIGN.md §8)."""
    return subscription.expires_on - timedelta(days=1) if subscription.expires_on else None


def _yes_no(value: object) -> str:
    return _("Да") if value else _("Нет")


CLIENT = Column(gettext_lazy("Клиент"), "client.name")

ORDER_COLUMNS = (
    Column(gettext_lazy("Заказ"), "pk", Kind.INT),
    Column(gettext_lazy("Тарифный план"), "reseller_plan.vendor_plan.name"),
    Column(gettext_lazy("Рабочих мест"), "seats", Kind.INT),
    Column(gettext_lazy("Сумма к оплате"), _amount_due, Kind.MONEY),
    Column(gettext_lazy("Статус"), "get_status_display"),
    Column(gettext_lazy("Создан (МСК)"), "created_at", Kind.DATETIME),
)
ORDERS = register(
    Table(
        name="orders",
        title=gettext_lazy("Заказы"),
        columns=(ORDER_COLUMNS[0], CLIENT, *ORDER_COLUMNS[1:]),
    )
)
CLIENT_ORDERS = register(
    Table(name="my-orders", title=gettext_lazy("Заказы"), columns=ORDER_COLUMNS)
)

SUBSCRIPTION_COLUMNS = (
    Column(gettext_lazy("Подписка"), "pk", Kind.INT),
    Column(gettext_lazy("Тарифный план"), "reseller_plan.vendor_plan.name"),
    Column(gettext_lazy("Рабочих мест"), "seats", Kind.INT),
    Column(gettext_lazy("Статус"), "get_status_display"),
    Column(gettext_lazy("Последний оплаченный день"), _paid_through, Kind.DATE),
    Column(gettext_lazy("Автопродление"), lambda s: _yes_no(s.auto_renew)),
)
SUBSCRIPTIONS = register(
    Table(
        name="subscriptions",
        title=gettext_lazy("Подписки"),
        columns=(SUBSCRIPTION_COLUMNS[0], CLIENT, *SUBSCRIPTION_COLUMNS[1:]),
    )
)
CLIENT_SUBSCRIPTIONS = register(
    Table(name="my-subscriptions", title=gettext_lazy("Подписки"), columns=SUBSCRIPTION_COLUMNS)
)
