"""Money: payments, the ledger, service periods, charges and the daily billing run (§4).

Locking rule: every write that reads a client's balance or moves a subscription's status
first locks that client's row (``Client`` ``SELECT … FOR UPDATE``), in ascending id order
when it takes several. That one lock serialises payments, activations, renewals, seat
changes and concurrent runs of the same day for a client, and never spans a network call.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, F, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Client
from config.db import bulk_insert, bulk_set
from config.errors import Conflict, NotFound, ValidationError
from eset_gateway.models import CommandKind
from eset_gateway.outbox import CommandSpec, commands_enqueue
from notifications.models import NotificationKind
from notifications.services import NotificationSpec, notify, owner_spec, reseller_spec
from orders.models import (
    Order,
    OrderStatus,
    SeatChange,
    SeatChangeStatus,
    Subscription,
    SubscriptionEvent,
    SubscriptionStatus,
)
from plans.models import ResellerPlan
from plans.services import money_clean

from .calendar import CENT, ChargeSlice, period_charges, period_expires_on
from .models import BalanceEntry, Charge, ChargeStatus, Payment, ServicePeriod
from .time import financial_day, require_aware

log = logging.getLogger(__name__)

# Clients per transaction: large enough that the per-chunk queries are cheap next to the
# rows they move, small enough that row locks stay short.
CHUNK_CLIENTS = 500
# Closing charges takes larger chunks: it is set-based, so a chunk costs a few statements
# and one commit whatever its size and builds no object per row; at month end (100,000
# subscriptions) the commits and statement planning of 500-client chunks were a tenth of
# the run. A chunk of 2,000 clients still holds its locks for a fraction of a second.
RUN_CHUNK_CLIENTS = 2000
ZERO = Decimal("0.00")


def money(value: Decimal | None) -> Decimal:
    return (value or ZERO).quantize(CENT)


# --------------------------------------------------------------------------- quotes


@dataclass(frozen=True)
class PeriodQuote:
    """What a period starting on `starts_on` would be and cost, before anything is written."""

    starts_on: date
    expires_on: date
    seats: int
    seat_price: Decimal
    purchase_price: Decimal
    charges: tuple[ChargeSlice, ...]

    @property
    def total(self) -> Decimal:
        return sum((c.amount for c in self.charges), ZERO)

    @property
    def total_cost(self) -> Decimal:
        return sum((c.cost for c in self.charges), ZERO)

    @property
    def last_day(self) -> date:
        return self.expires_on - timedelta(days=1)


def period_quote(
    *, reseller_plan: ResellerPlan, seats: int, starts_on: date, anchor_day: int | None = None
) -> PeriodQuote:
    """A period at the reseller's current price (S4: the purchase price when none is set)."""
    vendor = reseller_plan.vendor_plan
    expires_on = period_expires_on(
        starts_on=starts_on, cycle=vendor.billing_cycle, anchor_day=anchor_day
    )
    seat_price = reseller_plan.effective_seat_price
    charges = period_charges(
        starts_on=starts_on,
        expires_on=expires_on,
        seats=seats,
        seat_price=seat_price,
        purchase_price=vendor.purchase_price,
    )
    return PeriodQuote(
        starts_on=starts_on,
        expires_on=expires_on,
        seats=seats,
        seat_price=seat_price,
        purchase_price=vendor.purchase_price,
        charges=tuple(charges),
    )


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


def _periods_create(items: Sequence[tuple[Subscription, PeriodQuote]]) -> None:
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


# --------------------------------------------------------------------------- balances


def clients_lock(client_ids: Iterable[int]) -> dict[int, Decimal]:
    """Locks the clients' rows in id order (no deadlock between two lockers) and returns
    their balances."""
    return dict(
        Client.objects.select_for_update()
        .filter(pk__in=list(client_ids))
        .order_by("pk")
        .values_list("pk", "balance")
    )


def _open_totals(client_ids: Iterable[int]) -> dict[int, Decimal]:
    rows = (
        Charge.objects.filter(client_id__in=list(client_ids), status=ChargeStatus.OPEN)
        .values("client_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    # SQLite sums decimals as floats-with-many-places; the kopeck is the unit everywhere.
    return {r["client_id"]: money(r["total"]) for r in rows}


def clients_available(client_ids: Iterable[int]) -> dict[int, Decimal]:
    """Locks the clients and returns balance − Σ open charges for each (§4.3)."""
    balances = clients_lock(client_ids)
    reserved = _open_totals(balances)
    return {cid: bal - reserved.get(cid, ZERO) for cid, bal in balances.items()}


def _ledger_append(
    *,
    client_id: int,
    balance: Decimal,
    amount: Decimal,
    kind: str,
    day: date,
    payment: Payment | None = None,
    by=None,
) -> Decimal:
    """Appends one entry and moves the cached balance with it; the client row is locked."""
    new_balance = balance + amount
    BalanceEntry.objects.create(
        client_id=client_id,
        kind=kind,
        amount=amount,
        balance_after=new_balance,
        payment=payment,
        day=day,
        created_by=by,
    )
    Client.objects.filter(pk=client_id).update(balance=new_balance)
    return new_balance


# --------------------------------------------------------------------------- events & payloads


def subscription_event(
    sub: Subscription, from_status: str, to_status: str, day: date, reason: str = ""
):
    return SubscriptionEvent(
        subscription_id=sub.pk,
        from_status=from_status,
        to_status=to_status,
        day=day,
        reason=reason,
    )


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


# --------------------------------------------------------------------------- activation


@dataclass
class ServeResult:
    activated: list[int] = field(default_factory=list)
    resumed: list[int] = field(default_factory=list)


def _client_serve(
    *, client_id: int, day: date, at: datetime, first_order_id: int | None = None
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
    events, commands, specs = [], [], []
    for sub in waiting:
        quote = period_quote(
            reseller_plan=sub.reseller_plan, seats=sub.seats, starts_on=day, anchor_day=day.day
        )
        if quote.total > available:
            continue
        available -= quote.total
        previous = sub.status
        moved = Subscription.objects.filter(pk=sub.pk, status=previous).update(
            status=SubscriptionStatus.ACTIVE,
            expires_on=quote.expires_on,
            anchor_day=day.day,
            suspended_on=None,
            activated_at=at if previous != SubscriptionStatus.SUSPENDED else F("activated_at"),
        )
        if not moved:  # cannot happen under the client lock; refuse to double-serve anyway
            continue
        sub.status, sub.expires_on = SubscriptionStatus.ACTIVE, quote.expires_on
        periods.append((sub, quote))
        if previous == SubscriptionStatus.PENDING_PAYMENT:
            Order.objects.filter(pk=sub.order_id, status=OrderStatus.CONFIRMED).update(
                status=OrderStatus.COMPLETED, completed_at=at
            )
            events.append(
                subscription_event(sub, previous, SubscriptionStatus.ACTIVE, day, "оплачено")
            )
            # The activation data (S9) is sent when ESET has issued the licence: the
            # gateway notifies the owner once the create command succeeds.
            commands.append(
                CommandSpec(
                    subscription_id=sub.pk,
                    kind=CommandKind.CREATE,
                    key=f"create:sub:{sub.pk}",
                    payload={
                        "product_code": sub.reseller_plan.vendor_plan.product_code,
                        "quantity": sub.seats,
                        "company_name": sub.client.name,
                        "reference": f"sub-{sub.pk}",
                    },
                )
            )
            result.activated.append(sub.pk)
        else:
            events.append(
                subscription_event(sub, previous, SubscriptionStatus.ACTIVE, day, "возобновлено")
            )
            commands.append(
                CommandSpec(
                    subscription_id=sub.pk,
                    kind=CommandKind.RESUME,
                    key=f"resume:sub:{sub.pk}:{day.isoformat()}",
                )
            )
            specs.append(
                owner_spec(
                    subscription=sub,
                    kind=NotificationKind.RESUMED,
                    key=f"resumed:sub:{sub.pk}:{day.isoformat()}",
                    payload=subscription_payload(
                        sub, starts_on=day, last_day=quote.last_day, amount=quote.total
                    ),
                )
            )
            result.resumed.append(sub.pk)
    _periods_create(periods)
    SubscriptionEvent.objects.bulk_create(events)
    commands_enqueue(specs=commands, at=at)
    notify(specs=specs, at=at)
    return result


@transaction.atomic
def client_serve_waiting(*, client: Client, at: datetime) -> ServeResult:
    """Activates or resumes what the client's available balance already covers, oldest
    first (§4.4): a newly confirmed order does not jump an older one waiting for money."""
    require_aware(at)
    clients_lock([client.pk])
    return _client_serve(client_id=client.pk, day=financial_day(at), at=at)


# --------------------------------------------------------------------------- payments


@dataclass(frozen=True)
class PaymentOutcome:
    payment: Payment
    activated: tuple[int, ...]
    resumed: tuple[int, ...]


def payment_register(
    *,
    client: Client,
    amount: Decimal,
    at: datetime,
    order: Order | None = None,
    by=None,
    method: str = Payment.Method.BANK_TRANSFER,
    reference: str = "",
) -> Payment:
    """S8: money in. The balance grows at once; then whatever waits for money is served."""
    return payment_register_outcome(
        client=client,
        amount=amount,
        at=at,
        order=order,
        by=by,
        method=method,
        reference=reference,
    ).payment


@transaction.atomic
def payment_register_outcome(
    *,
    client: Client,
    amount: Decimal,
    at: datetime,
    order: Order | None = None,
    by=None,
    method: str = Payment.Method.BANK_TRANSFER,
    reference: str = "",
) -> PaymentOutcome:
    amount = money_clean(amount, field="amount")
    require_aware(at)
    if method not in Payment.Method.values:
        raise ValidationError(_("Неизвестный способ оплаты."), field="method")
    reference = (reference or "").strip()
    if len(reference) > 200:
        raise ValidationError(_("Основание длиннее 200 символов."), field="reference")
    if order is not None and order.client_id != client.pk:
        raise NotFound(_("Заказ не найден."), field="order")
    day = financial_day(at)
    balance = clients_lock([client.pk]).get(client.pk)
    if balance is None:
        raise NotFound(_("Клиент не найден."), field="client")
    # The order's state is read under the client lock, not taken from the caller's object:
    # it may have been confirmed, paid or cancelled since the caller loaded it.
    if (
        order is not None
        and not Order.objects.filter(pk=order.pk, status=OrderStatus.CONFIRMED).exists()
    ):
        raise Conflict(_("Заказ не ожидает оплаты."), field="order")
    payment = Payment.objects.create(
        client=client,
        order=order,
        amount=amount,
        method=method,
        reference=reference,
        paid_at=at,
        day=day,
        registered_by=by,
    )
    new_balance = _ledger_append(
        client_id=client.pk,
        balance=balance,
        amount=amount,
        kind=BalanceEntry.Kind.PAYMENT,
        day=day,
        payment=payment,
        by=by,
    )
    client.balance = new_balance
    notify(
        specs=[
            NotificationSpec(
                kind=NotificationKind.PAYMENT_RECEIVED,
                key=f"payment_received:payment:{payment.pk}",
                reseller_id=client.reseller_id,
                client_id=client.pk,
                subscription_id=None,
                recipient_id=client.owner_id,
                email_to=client.email,
                payload={
                    "client": client.name,
                    "amount": str(amount),
                    "reference": reference,
                    "balance": str(new_balance),
                    "payment_id": payment.pk,
                },
            )
        ],
        at=at,
    )
    served = _client_serve(
        client_id=client.pk, day=day, at=at, first_order_id=order.pk if order else None
    )
    return PaymentOutcome(
        payment=payment, activated=tuple(served.activated), resumed=tuple(served.resumed)
    )


# --------------------------------------------------------------------------- the daily run


@dataclass
class BillingRunResult:
    day: date
    charges_closed: int = 0
    amount_debited: Decimal = ZERO
    renewed: int = 0
    suspended: int = 0
    ended: int = 0
    cancelled: int = 0


def client_id_chunks(
    qs: QuerySet, field_name: str = "client_id", *, size: int | None = None
) -> Iterator[list[int]]:
    """Streams the distinct client ids of a queryset in ascending chunks (keyset paging), so
    memory stays flat in the number of rows."""
    last = 0
    while True:
        ids = list(
            qs.filter(**{f"{field_name}__gt": last})
            .order_by(field_name)
            .values_list(field_name, flat=True)
            .distinct()[: size or CHUNK_CLIENTS]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def charges_close_due(*, day: date) -> tuple[int, Decimal]:
    """Closes every open charge with closes_on ≤ day: one ledger debit each, once (§4.3)."""
    closed, debited = 0, ZERO
    due = Charge.objects.filter(status=ChargeStatus.OPEN, closes_on__lte=day)
    # One moment for the whole run's entries: what auto_now_add would write, read once.
    now = timezone.now()
    for client_ids in client_id_chunks(due, size=RUN_CHUNK_CLIENTS):
        with transaction.atomic():
            clients_lock(client_ids)
            n, amount = _charges_close_chunk(client_ids=client_ids, day=day, now=now)
            closed += n
            debited += amount
    return closed, debited


def _charges_close_chunk(*, client_ids: list[int], day: date, now: datetime) -> tuple[int, Decimal]:
    """Closes the due charges of a chunk of locked clients in four statements whatever
    their number: a count, the ledger entries (each with its running balance, in closing
    order), the balances, the charges. The arithmetic is one subtraction per entry, so the
    database does it instead of a model object per charge (DESIGN.md §10). The same SQL
    runs on SQLite (window functions, UPDATE … FROM). Returns (charges closed, amount)."""
    ops, qn = connection.ops, connection.ops.quote_name
    charge, entry, client = (qn(m._meta.db_table) for m in (Charge, BalanceEntry, Client))
    in_chunk = ", ".join(["%s"] * len(client_ids))
    where = "{t}status = %s AND {t}closes_on <= %s AND {t}client_id IN (" + in_chunk + ")"
    due = where.format(t="c.")
    due_params = [ChargeStatus.OPEN, ops.adapt_datefield_value(day), *client_ids]
    with connection.cursor() as cursor:
        # Read after the lock: a concurrent run that closed them first is seen here.
        totals = Charge.objects.filter(
            status=ChargeStatus.OPEN, closes_on__lte=day, client_id__in=client_ids
        ).aggregate(count=Count("id"), total=Sum("amount"))
        count = totals["count"]
        if not count:
            return 0, ZERO
        # The order of the entries (and of their running balance) is the charges' closing
        # order, as the ledger reads them back by id. The clients are named on both sides
        # of each join so that the planner reaches them by key, not by a scan of all.
        cursor.execute(
            f"INSERT INTO {entry} "
            "(client_id, kind, amount, balance_after, charge_id, day, created_at) "
            "SELECT c.client_id, %s, -c.amount, "
            "cl.balance - SUM(c.amount) OVER ("
            "PARTITION BY c.client_id ORDER BY c.closes_on, c.date_from, c.id "
            "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), "
            "c.id, c.closes_on, %s "
            f"FROM {charge} c JOIN {client} cl ON cl.id = c.client_id "
            f"WHERE {due} AND cl.id IN ({in_chunk}) "
            "ORDER BY c.client_id, c.closes_on, c.date_from, c.id",
            [
                BalanceEntry.Kind.CHARGE,
                ops.adapt_datetimefield_value(now),
                *due_params,
                *client_ids,
            ],
        )
        entries = cursor.rowcount
        cursor.execute(
            f"UPDATE {client} SET balance = {client}.balance - d.total "
            f"FROM (SELECT c.client_id, SUM(c.amount) AS total FROM {charge} c WHERE {due} "
            f"GROUP BY c.client_id) AS d "
            f"WHERE {client}.id = d.client_id AND {client}.id IN ({in_chunk})",
            [*due_params, *client_ids],
        )
        cursor.execute(
            f"UPDATE {charge} SET status = %s, closed_on = closes_on WHERE {where.format(t='')}",
            [ChargeStatus.CLOSED, *due_params],
        )
        moved = cursor.rowcount
    if not entries == moved == count:  # the lock makes this impossible; never debit twice
        raise Conflict(_("Списания изменились во время закрытия."), field="charges")
    return count, money(totals["total"])


def periods_roll_over(*, day: date, at: datetime, result: BillingRunResult) -> int:
    """For every active subscription whose period ended on or before `day`: renew it, or
    suspend it for lack of funds, or end it when auto-renew is off (§4.5). Returns how many
    subscriptions it moved."""
    due = Subscription.objects.filter(status=SubscriptionStatus.ACTIVE, expires_on__lte=day)
    moved = 0
    # Chunks of the ordinary size, not the run's larger ones: each subscription moved here
    # is a few Python objects (quote, event, notification), so the chunk bounds the memory.
    for client_ids in client_id_chunks(due):
        moved += _roll_over_chunk(due=due, client_ids=client_ids, at=at, result=result)
    return moved


@transaction.atomic
def _roll_over_chunk(
    *, due: QuerySet[Subscription], client_ids: list[int], at: datetime, result: BillingRunResult
) -> int:
    """One chunk of clients, locked, in one transaction; its objects die with the call."""
    available = clients_available(client_ids)
    subs = list(
        with_subscription_related(due.filter(client_id__in=client_ids)).order_by(
            "client_id", "expires_on", "id"
        )
    )
    periods: list[tuple[Subscription, PeriodQuote]] = []
    events, commands, specs, updates = [], [], [], []
    for sub in subs:
        ended_on = sub.expires_on
        assert ended_on is not None
        if not sub.auto_renew:
            sub.status, sub.cancelled_on = SubscriptionStatus.CANCELLED, ended_on
            events.append(
                subscription_event(
                    sub,
                    SubscriptionStatus.ACTIVE,
                    sub.status,
                    ended_on,
                    "автопродление выключено",
                )
            )
            commands.append(_suspend_command(sub, ended_on))
            specs += both_sides_specs(
                sub,
                NotificationKind.CANCELLED,
                f"cancelled:sub:{sub.pk}",
                subscription_payload(sub, cancelled_on=ended_on, reason="автопродление выключено"),
            )
            result.ended += 1
            updates.append(sub)
            continue
        quote = period_quote(
            reseller_plan=sub.reseller_plan,
            seats=sub.seats,
            starts_on=ended_on,
            anchor_day=sub.anchor_day,
        )
        if quote.total <= available[sub.client_id]:
            available[sub.client_id] -= quote.total
            sub.expires_on = quote.expires_on
            periods.append((sub, quote))
            specs.append(
                owner_spec(
                    subscription=sub,
                    kind=NotificationKind.RENEWED,
                    key=f"renewed:sub:{sub.pk}:{ended_on.isoformat()}",
                    payload=subscription_payload(
                        sub, starts_on=ended_on, last_day=quote.last_day, amount=quote.total
                    ),
                )
            )
            result.renewed += 1
        else:
            grace = sub.reseller_plan.vendor_plan.suspension_grace_days
            sub.status, sub.suspended_on = SubscriptionStatus.SUSPENDED, ended_on
            events.append(
                subscription_event(
                    sub,
                    SubscriptionStatus.ACTIVE,
                    sub.status,
                    ended_on,
                    "недостаточно средств для продления",
                )
            )
            commands.append(_suspend_command(sub, ended_on))
            specs += both_sides_specs(
                sub,
                NotificationKind.RENEWAL_FAILED,
                f"renewal_failed:sub:{sub.pk}:{ended_on.isoformat()}",
                subscription_payload(
                    sub,
                    suspended_on=ended_on,
                    amount=quote.total,
                    amount_due=quote.total - max(available[sub.client_id], ZERO),
                    cancel_on=ended_on + timedelta(days=grace),
                ),
            )
            result.suspended += 1
        updates.append(sub)
    bulk_set(updates, ["status", "expires_on", "suspended_on", "cancelled_on"])
    _periods_create(periods)
    SubscriptionEvent.objects.bulk_create(events, batch_size=1000)
    commands_enqueue(specs=commands, at=at)
    notify(specs=specs, at=at)
    return len(updates)


def _suspend_command(sub: Subscription, day: date) -> CommandSpec:
    """The licence stops at ESET when the service stops (suspended or ended) on `day`."""
    return CommandSpec(
        subscription_id=sub.pk, kind=CommandKind.SUSPEND, key=f"suspend:sub:{sub.pk}:{day}"
    )


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


def subscriptions_cancel_overdue(*, day: date, at: datetime) -> int:
    """Cancels subscriptions suspended for longer than their plan's grace period (§4.5)."""
    cancelled = 0
    graces = (
        Subscription.objects.filter(status=SubscriptionStatus.SUSPENDED)
        .values_list("reseller_plan__vendor_plan__suspension_grace_days", flat=True)
        .distinct()
        .order_by()
    )
    for grace in list(graces):
        due = Subscription.objects.filter(
            status=SubscriptionStatus.SUSPENDED,
            reseller_plan__vendor_plan__suspension_grace_days=grace,
            suspended_on__lte=day - timedelta(days=grace),
        )
        for client_ids in client_id_chunks(due):
            with transaction.atomic():
                clients_lock(client_ids)
                subs = list(with_subscription_related(due.filter(client_id__in=client_ids)))
                events, specs = [], []
                for sub in subs:
                    assert sub.suspended_on is not None
                    sub.status = SubscriptionStatus.CANCELLED
                    sub.cancelled_on = sub.suspended_on + timedelta(days=grace)
                    events.append(
                        subscription_event(
                            sub,
                            SubscriptionStatus.SUSPENDED,
                            sub.status,
                            sub.cancelled_on,
                            "не оплачена после приостановки",
                        )
                    )
                    specs += both_sides_specs(
                        sub,
                        NotificationKind.CANCELLED,
                        f"cancelled:sub:{sub.pk}",
                        subscription_payload(
                            sub,
                            cancelled_on=sub.cancelled_on,
                            reason=f"не оплачена в течение {grace} дней",
                        ),
                    )
                bulk_set(subs, ["status", "cancelled_on"])
                SeatChange.objects.filter(
                    subscription__in=[s.pk for s in subs], status=SeatChangeStatus.PENDING
                ).update(
                    status=SeatChangeStatus.CANCELLED, decided_on=day, reason="подписка отменена"
                )
                SubscriptionEvent.objects.bulk_create(events, batch_size=1000)
                notify(specs=specs, at=at)
                cancelled += len(subs)
    return cancelled


def billing_run(*, day: date) -> BillingRunResult:
    """The daily run for financial day `day` (§4.3-4.5), idempotent and catching up: it
    closes every charge due by `day`, then renews, suspends or ends the periods that ended
    by `day` (a renewal may form charges that are themselves due when a run is late, hence
    the loop), then cancels what stayed suspended past its grace period."""
    if not isinstance(day, date) or isinstance(day, datetime):
        raise ValidationError(_("Укажите дату."), field="day")
    at = run_moment(day)
    result = BillingRunResult(day=day)
    while True:
        closed, debited = charges_close_due(day=day)
        result.charges_closed += closed
        result.amount_debited += debited
        if not periods_roll_over(day=day, at=at, result=result):
            break
    result.cancelled = subscriptions_cancel_overdue(day=day, at=at)
    log.info("billing_run %s: %s", day, result)
    return result


def run_moment(day: date) -> datetime:
    """The moment the nightly run for `day` stands for: 00:30 Moscow time."""
    from .time import moscow_moment

    return moscow_moment(day, 0, 30)
