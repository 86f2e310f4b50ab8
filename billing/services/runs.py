"""The nightly run (§4.3-4.6, §6): the 00:30 ESET sync, then the billing run that closes
the charges due, renews, suspends, ends and cancels. Every step is idempotent and
catches up: a run for day D also does what earlier days left undone."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Client
from config.db import bulk_set
from config.errors import Conflict
from core.clock import nightly_moment, require_day
from core.money import ZERO, money
from core.reasons import Reason
from eset_gateway.client import EsetClient
from eset_gateway.outbox import CommandSpec, commands_enqueue
from eset_gateway.sync import SyncResult, sync_run
from notifications.models import NotificationKind
from notifications.services import NotificationSpec, notify, owner_spec
from orders.models import Subscription, SubscriptionStatus

from ..models import BalanceEntry, Charge, ChargeStatus
from .ledger import client_id_chunks, clients_available, clients_lock
from .lifecycle import (
    both_sides_specs,
    periods_create,
    seat_changes_cancel_pending,
    subscription_payload,
    subscriptions_move,
    suspend_command,
    with_subscription_related,
)
from .quotes import PeriodQuote, period_quote
from .seat_changes import seat_changes_apply_due

log = logging.getLogger(__name__)

# Closing charges takes larger chunks: it is set-based, so a chunk costs a few statements
# and one commit whatever its size and builds no object per row; at month end (100,000
# subscriptions) the commits and statement planning of 500-client chunks were a tenth of
# the run. A chunk of 2,000 clients still holds its locks for a fraction of a second.
RUN_CHUNK_CLIENTS = 2000


@dataclass
class BillingRunResult:
    day: date
    charges_closed: int = 0
    amount_debited: Decimal = ZERO
    renewed: int = 0
    suspended: int = 0
    ended: int = 0
    cancelled: int = 0


def run_moment(day: date) -> datetime:
    """The moment the nightly run for `day` stands for: 00:30 Moscow time."""
    return nightly_moment(day)


# --------------------------------------------------------------------------- closing


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
    order), the balances, the charges. Hand-written SQL on purpose: the arithmetic is one
    subtraction per entry, so the database does it instead of a model object per charge,
    which measured 2× faster at 100,000 subscriptions (DESIGN.md §10, tests/bench). The
    same SQL runs on SQLite (window functions, UPDATE … FROM). Returns (charges, amount)."""
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


# --------------------------------------------------------------------------- periods' end


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


@dataclass
class _Stops:
    """Subscriptions whose service stops at their period's end, by where they go."""

    target: str
    reason: str
    date_field: str
    subs: list[Subscription]


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
    ended = _Stops(SubscriptionStatus.CANCELLED, Reason.AUTO_RENEW_OFF, "cancelled_on", [])
    unpaid = _Stops(SubscriptionStatus.SUSPENDED, Reason.RENEWAL_UNPAID, "suspended_on", [])
    commands: list[CommandSpec] = []
    specs: list[NotificationSpec] = []
    renewed: list[Subscription] = []
    for sub in subs:
        ended_on = sub.expires_on
        assert ended_on is not None
        if not sub.auto_renew:
            stop, kind, key = ended, NotificationKind.CANCELLED, f"cancelled:sub:{sub.pk}"
            payload = subscription_payload(sub, cancelled_on=ended_on, reason=stop.reason)
        else:
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
                renewed.append(sub)
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
                continue
            grace = sub.reseller_plan.vendor_plan.suspension_grace_days
            stop, kind = unpaid, NotificationKind.RENEWAL_FAILED
            key = f"renewal_failed:sub:{sub.pk}:{ended_on.isoformat()}"
            payload = subscription_payload(
                sub,
                suspended_on=ended_on,
                amount=quote.total,
                amount_due=quote.total - max(available[sub.client_id], ZERO),
                cancel_on=ended_on + timedelta(days=grace),
            )
        # The service stops on `ended_on`: the licence too, and both sides are told.
        setattr(sub, stop.date_field, ended_on)
        stop.subs.append(sub)
        commands.append(suspend_command(sub, ended_on))
        specs += both_sides_specs(sub, kind, key, payload)
    for stop in (ended, unpaid):
        # One event day per subscription: the day its period ended.
        for day, group in _by_day(stop.subs, stop.date_field).items():
            subscriptions_move(
                group,
                source=SubscriptionStatus.ACTIVE,
                target=stop.target,
                day=day,
                reason=stop.reason,
                fields=[stop.date_field],
            )
    if bulk_set(renewed, ["expires_on"], where={"status": SubscriptionStatus.ACTIVE}) != len(
        renewed
    ):  # the client lock makes this impossible; never form a period for a stopped one
        raise Conflict(_("Подписки изменились во время продления."), field="subscriptions")
    periods_create(periods)
    commands_enqueue(specs=commands, at=at)
    notify(specs=specs, at=at)
    result.renewed += len(renewed)
    result.ended += len(ended.subs)
    result.suspended += len(unpaid.subs)
    return len(renewed) + len(ended.subs) + len(unpaid.subs)


def _by_day(subs: list[Subscription], date_field: str) -> dict[date, list[Subscription]]:
    grouped: dict[date, list[Subscription]] = {}
    for sub in subs:
        grouped.setdefault(getattr(sub, date_field), []).append(sub)
    return grouped


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
        params = {"days": grace}
        for client_ids in client_id_chunks(due):
            with transaction.atomic():
                clients_lock(client_ids)
                subs = list(with_subscription_related(due.filter(client_id__in=client_ids)))
                specs: list[NotificationSpec] = []
                for sub in subs:
                    assert sub.suspended_on is not None
                    sub.cancelled_on = sub.suspended_on + timedelta(days=grace)
                    specs += both_sides_specs(
                        sub,
                        NotificationKind.CANCELLED,
                        f"cancelled:sub:{sub.pk}",
                        subscription_payload(
                            sub,
                            cancelled_on=sub.cancelled_on,
                            reason=Reason.GRACE_EXPIRED,
                            reason_params=params,
                        ),
                    )
                for cancelled_on, group in _by_day(subs, "cancelled_on").items():
                    subscriptions_move(
                        group,
                        source=SubscriptionStatus.SUSPENDED,
                        target=SubscriptionStatus.CANCELLED,
                        day=cancelled_on,
                        reason=Reason.GRACE_EXPIRED,
                        params=params,
                        fields=["cancelled_on"],
                    )
                seat_changes_cancel_pending(
                    subscription_ids=[s.pk for s in subs],
                    day=day,
                    reason=Reason.SUBSCRIPTION_CANCELLED,
                )
                notify(specs=specs, at=at)
                cancelled += len(subs)
    return cancelled


def billing_run(*, day: date) -> BillingRunResult:
    """The daily run for financial day `day` (§4.3-4.5), idempotent and catching up: it
    closes every charge due by `day`, then renews, suspends or ends the periods that ended
    by `day` (a renewal may form charges that are themselves due when a run is late, hence
    the loop), then cancels what stayed suspended past its grace period."""
    require_day(day)
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


# --------------------------------------------------------------------------- the 00:30 sync


def eset_sync(*, day: date, eset: EsetClient | None = None) -> SyncResult:
    """The 00:30 Moscow-time job of `day` (§4.6): billing applies (or rejects) the seat
    changes due that day, which writes their quantity commands, and the gateway sends every
    due command to ESET, overlapping the two where it can (eset_gateway.sync). Running it
    again changes nothing: applied changes are no longer pending and their commands are
    done (or waiting for their backoff)."""
    require_day(day)

    def apply() -> tuple[int, int]:
        applied = seat_changes_apply_due(day=day)
        return applied.applied, applied.rejected

    return sync_run(at=nightly_moment(day), apply=apply, eset=eset)
