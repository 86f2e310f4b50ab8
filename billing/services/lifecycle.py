"""The subscription lifecycle (§4.4-4.6, §4.9): billing owns every change of a
subscription's status. Statuses move only through `subscriptions_move`, which checks the
table next to the statuses (orders.models) and writes the event rows.

orders hands billing what people ask for (a confirmed order, a cancelled one); billing
tells orders that a subscription was activated through `subscriptions_activated`, so
that completing the order stays the orders app's business and billing imports no
service above it (DESIGN.md §2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Client
from config.db import bulk_insert
from config.errors import Conflict
from core.clock import financial_day, require_aware
from core.reasons import Reason
from core.transitions import transition
from eset_gateway.models import CommandKind
from eset_gateway.outbox import CommandSpec, commands_enqueue
from notifications.models import NotificationKind
from notifications.services import NotificationSpec, notify, owner_spec, reseller_spec
from orders.models import (
    SEAT_CHANGE_TRANSITIONS,
    SUBSCRIPTION_TRANSITIONS,
    Order,
    SeatChange,
    SeatChangeStatus,
    Subscription,
    SubscriptionEvent,
    SubscriptionStatus,
)

from ..models import Charge, ChargeStatus, ServicePeriod
from .ledger import clients_available, clients_lock
from .quotes import PeriodQuote, period_quote

# Sent inside the activating transaction with `subscription_ids` and `at`; orders
# completes the orders of those subscriptions (orders.apps).
subscriptions_activated = Signal()


# --------------------------------------------------------------------------- moves


def subscriptions_move(
    subs: Sequence[Subscription],
    *,
    source: str,
    target: str,
    day: date,
    reason: str,
    fields: Sequence[str] = (),
    params: dict | None = None,
) -> list[Subscription]:
    """The one way a subscription's status changes: compare-and-set from `source`, checked
    against SUBSCRIPTION_TRANSITIONS, one event row each (reason as a code)."""
    return transition(
        subs,
        table=SUBSCRIPTION_TRANSITIONS,
        source=source,
        target=target,
        fields=fields,
        events=lambda sub: SubscriptionEvent(
            subscription_id=sub.pk,
            from_status=source,
            to_status=target,
            day=day,
            reason=reason,
            reason_params=params or {},
        ),
    )


def seat_changes_move(
    changes: Sequence[SeatChange],
    *,
    target: str,
    day: date,
    reason: str = "",
    params: dict | None = None,
) -> list[SeatChange]:
    """Decides pending seat changes (applied, rejected, cancelled) by compare-and-set."""
    for change in changes:
        change.decided_on = day
        if reason:
            change.reason, change.reason_params = reason, params or {}
    return transition(
        changes,
        table=SEAT_CHANGE_TRANSITIONS,
        source=SeatChangeStatus.PENDING,
        target=target,
        fields=["decided_on", "reason", "reason_params"],
    )


def seat_changes_cancel_pending(*, subscription_ids: Sequence[int], day: date, reason: str) -> int:
    pending = list(
        SeatChange.objects.filter(
            subscription_id__in=list(subscription_ids), status=SeatChangeStatus.PENDING
        )
    )
    seat_changes_move(pending, target=SeatChangeStatus.CANCELLED, day=day, reason=reason)
    return len(pending)


# --------------------------------------------------------------------------- payloads


def subscription_payload(sub: Subscription, **extra) -> dict:
    """The structured part of a notification about a subscription (JSON-safe)."""
    payload = {
        "subscription_id": sub.pk,
        "product": sub.reseller_plan.vendor_plan.name,
        "client": sub.client.name,
        "seats": sub.seats,
        "expires_on": sub.expires_on.isoformat() if sub.expires_on else None,
    }
    for key, value in extra.items():
        payload[key] = (
            str(value)
            if isinstance(value, Decimal)
            else value.isoformat()
            if isinstance(value, date)
            else value
        )
    return payload


def with_subscription_related(qs: QuerySet[Subscription]) -> QuerySet[Subscription]:
    return qs.select_related("reseller_plan__vendor_plan", "client__owner", "client__reseller")


def both_sides_specs(
    sub: Subscription, kind: str, key: str, payload: dict
) -> list[NotificationSpec]:
    """The owner and the reseller are both told (renewal failed, cancelled, rejected)."""
    return [
        owner_spec(subscription=sub, kind=kind, key=f"{key}:owner", payload=payload),
        reseller_spec(
            reseller=sub.client.reseller,
            kind=kind,
            key=f"{key}:reseller",
            payload=payload,
            client_id=sub.client_id,
            subscription_id=sub.pk,
        ),
    ]


def suspend_command(sub: Subscription, day: date) -> CommandSpec:
    """The licence stops at ESET when the service stops (suspended or ended) on `day`."""
    return CommandSpec(
        subscription_id=sub.pk, kind=CommandKind.SUSPEND, key=f"suspend:sub:{sub.pk}:{day}"
    )


def create_command(sub: Subscription) -> CommandSpec:
    return CommandSpec(
        subscription_id=sub.pk,
        kind=CommandKind.CREATE,
        key=f"create:sub:{sub.pk}",
        payload={
            "product_code": sub.reseller_plan.vendor_plan.product_code,
            "eset_product_code": sub.reseller_plan.vendor_plan.eset_product_code,
            "quantity": sub.seats,
            "company_name": sub.client.name,
        },
    )


# --------------------------------------------------------------------------- periods

# The columns a new charge is written with (closed_on stays empty until it closes).
CHARGE_FIELDS = (
    "subscription",
    "period",
    "client",
    "date_from",
    "date_to",
    "closes_on",
    "seat_days",
    "amount",
    "cost",
    "status",
    "created_at",
)


def periods_create(items: Sequence[tuple[Subscription, PeriodQuote]]) -> None:
    """Writes periods and their charges in two bulk inserts. The unique (subscription,
    starts_on) and (subscription, date_from) constraints refuse a period formed twice."""
    if not items:
        return
    periods = ServicePeriod.objects.bulk_create(
        [
            ServicePeriod(
                subscription_id=sub.pk,
                starts_on=q.starts_on,
                expires_on=q.expires_on,
                seat_price=q.seat_price,
                purchase_price=q.purchase_price,
            )
            for sub, q in items
        ],
        batch_size=1000,
    )
    # A renewal forms about three charges per period: written as plain rows, not objects.
    now = timezone.now()
    rows = [
        (
            sub.pk,
            period.pk,
            sub.client_id,
            c.date_from,
            c.date_to,
            c.closes_on,
            c.seat_days,
            c.amount,
            c.cost,
            ChargeStatus.OPEN,
            now,
        )
        for (sub, q), period in zip(items, periods, strict=True)
        for c in q.charges
    ]
    bulk_insert(Charge, CHARGE_FIELDS, rows)


# --------------------------------------------------------------------------- serving


@dataclass
class ServeResult:
    activated: list[int] = field(default_factory=list)
    resumed: list[int] = field(default_factory=list)


def client_serve(
    *,
    client_id: int,
    day: date,
    at: datetime,
    first_order_id: int | None = None,
    payment_id: int | None = None,
) -> ServeResult:
    """Spends a client's available balance on what waits for it (§4.4, §4.5): suspended
    subscriptions are resumed first (service already in use), then pending orders are
    activated oldest first (the order a payment names goes first). Each is served when the
    available balance covers its whole first period; one that does not fit is skipped, so a
    large order does not hold back a smaller one that is paid. Caller holds the client lock."""
    available = clients_available([client_id])[client_id]
    result = ServeResult()
    waiting = list(
        with_subscription_related(
            Subscription.objects.filter(
                client_id=client_id,
                status__in=[SubscriptionStatus.SUSPENDED, SubscriptionStatus.PENDING_PAYMENT],
            )
        ).order_by("created_at", "id")
    )
    waiting.sort(
        key=lambda s: (
            s.status != SubscriptionStatus.SUSPENDED,
            s.order_id != first_order_id,
            s.created_at,
            s.pk,
        )
    )
    periods: list[tuple[Subscription, PeriodQuote]] = []
    activated: list[Subscription] = []
    resumed: list[Subscription] = []
    for sub in waiting:
        quote = period_quote(
            reseller_plan=sub.reseller_plan, seats=sub.seats, starts_on=day, anchor_day=day.day
        )
        if quote.total > available:
            continue
        available -= quote.total
        sub.expires_on, sub.anchor_day, sub.suspended_on = quote.expires_on, day.day, None
        periods.append((sub, quote))
        if sub.status == SubscriptionStatus.PENDING_PAYMENT:
            sub.activated_at = at
            activated.append(sub)
        else:
            resumed.append(sub)
            sub._quote = quote  # type: ignore[attr-defined]
    # The payment that served them goes into their events: its page lists what it activated.
    by_payment = {"payment": payment_id} if payment_id is not None else None
    subscriptions_move(
        activated,
        source=SubscriptionStatus.PENDING_PAYMENT,
        target=SubscriptionStatus.ACTIVE,
        day=day,
        reason=Reason.PAID,
        fields=["expires_on", "anchor_day", "suspended_on", "activated_at"],
        params=by_payment,
    )
    subscriptions_move(
        resumed,
        source=SubscriptionStatus.SUSPENDED,
        target=SubscriptionStatus.ACTIVE,
        day=day,
        reason=Reason.RESUMED,
        fields=["expires_on", "anchor_day", "suspended_on"],
        params=by_payment,
    )
    periods_create(periods)
    # The activation data (S9) is sent when ESET has issued the licence: the gateway
    # notifies the owner once the create command succeeds.
    commands = [create_command(sub) for sub in activated] + [
        CommandSpec(
            subscription_id=sub.pk,
            kind=CommandKind.RESUME,
            key=f"resume:sub:{sub.pk}:{day.isoformat()}",
        )
        for sub in resumed
    ]
    commands_enqueue(specs=commands, at=at)
    notify(
        specs=[
            owner_spec(
                subscription=sub,
                kind=NotificationKind.RESUMED,
                key=f"resumed:sub:{sub.pk}:{day.isoformat()}",
                payload=subscription_payload(
                    sub,
                    starts_on=day,
                    last_day=sub._quote.last_day,  # type: ignore[attr-defined]
                    amount=sub._quote.total,  # type: ignore[attr-defined]
                ),
            )
            for sub in resumed
        ],
        at=at,
    )
    if activated:
        subscriptions_activated.send(
            sender=Subscription, subscription_ids=[s.pk for s in activated], at=at
        )
    result.activated = [s.pk for s in activated]
    result.resumed = [s.pk for s in resumed]
    return result


@transaction.atomic
def client_serve_waiting(*, client: Client, at: datetime) -> ServeResult:
    """Activates or resumes what the client's available balance already covers, oldest
    first (§4.4): a newly confirmed order does not jump an older one waiting for money."""
    require_aware(at)
    clients_lock([client.pk])
    return client_serve(client_id=client.pk, day=financial_day(at), at=at)


# --------------------------------------------------------------------------- orders' hand-offs


def subscription_open(*, order: Order, at: datetime) -> Subscription:
    """A confirmed order becomes a subscription awaiting payment (S7), served at once when
    the available balance covers it. The caller (orders) holds the client lock."""
    day = financial_day(at)
    subscription = Subscription.objects.create(
        order=order,
        client_id=order.client_id,
        reseller_plan_id=order.reseller_plan_id,
        seats=order.seats,
        created_at=at,
    )
    SubscriptionEvent.objects.create(
        subscription=subscription,
        to_status=SubscriptionStatus.PENDING_PAYMENT,
        day=day,
        reason=Reason.ORDER_CONFIRMED,
    )
    client_serve(client_id=order.client_id, day=day, at=at)
    subscription.refresh_from_db()
    return subscription


def subscription_cancel_pending(*, subscription: Subscription, at: datetime) -> Subscription:
    """The order of a subscription still awaiting payment is cancelled. The caller holds
    the client lock."""
    day = financial_day(at)
    current = Subscription.objects.get(pk=subscription.pk)
    if current.status != SubscriptionStatus.PENDING_PAYMENT:
        raise Conflict(_("Подписка уже активна: заказ нельзя отменить."), field="order")
    current.cancelled_on = day
    subscriptions_move(
        [current],
        source=SubscriptionStatus.PENDING_PAYMENT,
        target=SubscriptionStatus.CANCELLED,
        day=day,
        reason=Reason.ORDER_CANCELLED,
        fields=["cancelled_on"],
    )
    return current
