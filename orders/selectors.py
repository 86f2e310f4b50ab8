"""Reads of orders and subscriptions, scoped by the tenant the caller passes in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import Client, Reseller
from billing.models import Charge, ServicePeriod
from billing.selectors import client_available_balance
from billing.services import ZERO, period_quote
from config.errors import NotFound
from eset_gateway.models import EsetLicense
from eset_gateway.selectors import license_waits_on_eset
from plans.models import ResellerPlan

from .models import (
    Order,
    OrderStatus,
    SeatChange,
    SeatChangeStatus,
    Subscription,
    SubscriptionStatus,
)

SEAT_CHANGE_ROWS = 10


def client_subscriptions(*, client: Client, status: str | None = None) -> QuerySet[Subscription]:
    subscriptions = Subscription.objects.filter(client=client)
    if status in SubscriptionStatus.values:
        subscriptions = subscriptions.filter(status=status)
    return subscriptions.select_related("reseller_plan__vendor_plan").order_by("-created_at", "-id")


# --------------------------------------------------------------------------- the panel

ORDER_STATUS_FILTERS = tuple(OrderStatus.values)
SUBSCRIPTION_STATUS_FILTERS = tuple(SubscriptionStatus.values)


def orderable_plans(*, reseller: Reseller) -> QuerySet[ResellerPlan]:
    """S5: the reseller's active plans that the catalogue still offers."""
    return (
        ResellerPlan.objects.filter(
            reseller=reseller,
            status=ResellerPlan.Status.ACTIVE,
            vendor_plan__is_available=True,
        )
        .select_related("vendor_plan")
        .order_by("vendor_plan__name", "id")
    )


def _tenant(*, reseller: Reseller | None = None, client: Client | None = None) -> dict:
    """The filter that scopes a row to the caller's tenant: a reseller sees its clients'
    rows, a client its own."""
    return {"client": client} if client is not None else {"client__reseller": reseller}


def order_list(
    *, reseller: Reseller | None = None, client: Client | None = None, status: str | None = None
) -> QuerySet[Order]:
    """The orders of a reseller's clients, or of one client (the portal)."""
    orders = Order.objects.filter(**_tenant(reseller=reseller, client=client)).select_related(
        "client", "reseller_plan__vendor_plan", "subscription"
    )
    if status in ORDER_STATUS_FILTERS:
        orders = orders.filter(status=status)
    return orders.order_by("-created_at", "-id")


def order_get(
    *, order_id: int, reseller: Reseller | None = None, client: Client | None = None
) -> Order:
    """Another tenant's order is not found: its existence stays hidden."""
    order = (
        Order.objects.filter(pk=order_id, **_tenant(reseller=reseller, client=client))
        .select_related("client", "reseller_plan__vendor_plan", "subscription")
        .first()
    )
    if order is None:
        raise NotFound(_("Заказ не найден."), field="order")
    return order


def subscription_list(*, reseller: Reseller, status: str | None = None) -> QuerySet[Subscription]:
    subscriptions = Subscription.objects.filter(client__reseller=reseller).select_related(
        "client", "reseller_plan__vendor_plan"
    )
    if status in SUBSCRIPTION_STATUS_FILTERS:
        subscriptions = subscriptions.filter(status=status)
    return subscriptions.order_by("-created_at", "-id")


def subscription_get(
    *, subscription_id: int, reseller: Reseller | None = None, client: Client | None = None
) -> Subscription:
    """Another tenant's subscription is not found: its existence stays hidden."""
    subscription = (
        Subscription.objects.filter(pk=subscription_id, **_tenant(reseller=reseller, client=client))
        .select_related("client", "reseller_plan__vendor_plan", "order")
        .first()
    )
    if subscription is None:
        raise NotFound(_("Подписка не найдена."), field="subscription")
    return subscription


@dataclass(frozen=True)
class PeriodRow:
    period: ServicePeriod
    last_day: date  # expires_on is exclusive; people read the last day of service


@dataclass(frozen=True)
class ChargeRow:
    charge: Charge
    days: int


@dataclass(frozen=True)
class SubscriptionDetail:
    subscription: Subscription
    periods: list[PeriodRow]
    charges: list[ChargeRow]
    pending_change: SeatChange | None
    seat_changes: list[SeatChange]
    license: EsetLicense | None
    # No licence yet and its order failed at ESET, retried automatically (issue 10, item 8).
    license_waits_on_eset: bool = False


def subscription_detail(*, reseller: Reseller, subscription_id: int) -> SubscriptionDetail:
    """A subscription with its periods, charges, seat changes and ESET licence, in a fixed
    number of queries whatever their count."""
    subscription = subscription_get(reseller=reseller, subscription_id=subscription_id)
    periods = [
        PeriodRow(period=p, last_day=p.expires_on - timedelta(days=1))
        for p in ServicePeriod.objects.filter(subscription=subscription).order_by("starts_on")
    ]
    charges = [
        ChargeRow(charge=c, days=(c.date_to - c.date_from).days + 1)
        for c in Charge.objects.filter(subscription=subscription).order_by("date_from", "id")
    ]
    seat_changes = list(
        SeatChange.objects.filter(subscription=subscription).order_by("-requested_at", "-id")[
            :SEAT_CHANGE_ROWS
        ]
    )
    pending = next((c for c in seat_changes if c.status == SeatChangeStatus.PENDING), None)
    lic = EsetLicense.objects.filter(subscription=subscription).first()
    return SubscriptionDetail(
        subscription=subscription,
        periods=periods,
        charges=charges,
        pending_change=pending,
        seat_changes=seat_changes,
        license=lic,
        license_waits_on_eset=lic is None
        and license_waits_on_eset(subscription_id=subscription.pk),
    )


# --------------------------------------------------------------------------- the portal


def portal_plans(*, client: Client, q: str | None = None) -> QuerySet[ResellerPlan]:
    """S5: what the client may order itself: its reseller's active plans that are published
    for the portal and still offered by the catalogue; `q` searches the plan's name."""
    plans = ResellerPlan.objects.filter(
        reseller_id=client.reseller_id,
        status=ResellerPlan.Status.ACTIVE,
        is_published=True,
        vendor_plan__is_available=True,
    )
    if q and q.strip():
        plans = plans.filter(vendor_plan__name__icontains=q.strip())
    return plans.select_related("vendor_plan").order_by("vendor_plan__name", "id")


def portal_plan_get(*, client: Client, plan_id: int) -> ResellerPlan:
    """An unpublished plan, an inactive one or another reseller's is not found."""
    plan = portal_plans(client=client).filter(pk=plan_id).first()
    if plan is None:
        raise NotFound(_("Тарифный план не найден."), field="reseller_plan")
    return plan


def client_order_get(*, client: Client, order_id: int) -> Order:
    return order_get(client=client, order_id=order_id)


def client_subscription_get(*, client: Client, subscription_id: int) -> Subscription:
    return subscription_get(client=client, subscription_id=subscription_id)


def client_subscription_detail(*, client: Client, subscription_id: int) -> SubscriptionDetail:
    """The client's own subscription with its periods, charges, seat changes and licence;
    another client's is not found."""
    client_subscription_get(client=client, subscription_id=subscription_id)
    return subscription_detail(reseller=client.reseller, subscription_id=subscription_id)


# --------------------------------------------------------------------------- payment status


@dataclass(frozen=True)
class OrderPaymentStatus:
    """What a confirmed order awaiting payment takes to activate on `day`, as activation
    computes it (billing's serving of a client, §4.4). The panel, the portal, the payment
    pages and the API all show these figures; none computes its own."""

    day: date
    amount_due: Decimal  # the first period's charges from `day`, at the reseller's price today
    available: Decimal  # the client's balance less its open charges
    resumed_first: Decimal  # what suspended subscriptions served before it would take
    still_due: Decimal  # the least payment for this order that activates it; 0: covered


def _first_period_total(subscription: Subscription, day: date) -> Decimal:
    # The quote activation takes: the subscription's seats and plan, the period anchored on
    # the payment day, the reseller's current price (not the one frozen at confirmation).
    return period_quote(
        reseller_plan=subscription.reseller_plan,
        seats=subscription.seats,
        starts_on=day,
        anchor_day=day.day,
    ).total


def order_payment_status(*, order: Order, day: date) -> OrderPaymentStatus | None:
    """The payment status of an order on `day`; None when the order does not await payment.

    Serving spends the available balance on suspended subscriptions first (oldest first,
    each only when it fits), then on the pending order a payment names. So the least
    balance that activates this order is its amount due plus what those resumptions take
    at that balance: walking them from the newest, one is left unserved only when it costs
    more than the amount due plus what the later ones take, and leaving every such one out
    gives the least sum. The figure assumes the payment names the order (a payment without
    one serves older pending orders first)."""
    subscription = getattr(order, "subscription", None)
    if (
        order.status != OrderStatus.CONFIRMED
        or subscription is None
        or subscription.status != SubscriptionStatus.PENDING_PAYMENT
    ):
        return None
    amount_due = _first_period_total(subscription, day)
    suspended = (
        Subscription.objects.filter(client_id=order.client_id, status=SubscriptionStatus.SUSPENDED)
        .select_related("reseller_plan__vendor_plan")
        .order_by("created_at", "id")
    )
    resumed_first = ZERO
    for other in reversed(list(suspended)):
        cost = _first_period_total(other, day)
        if cost <= amount_due + resumed_first:
            resumed_first += cost
    available = client_available_balance(client=order.client)
    return OrderPaymentStatus(
        day=day,
        amount_due=amount_due,
        available=available,
        resumed_first=resumed_first,
        still_due=max(amount_due + resumed_first - available, ZERO),
    )
