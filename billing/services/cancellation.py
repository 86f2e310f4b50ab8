"""Cancelling a subscription now (DESIGN.md §4.9): on financial day D, D is the last billed
day (ESET, too, bills a licence for the day it is suspended). The open charge holding D is
cut to end on D and closes on D; later open charges of the period are cancelled; closed
charges stay as they are. The licence is suspended, pending seat changes are cancelled,
both sides are told, and the freed reservation is available at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditAction
from config.db import bulk_set
from config.errors import Conflict
from core.clock import financial_day, require_aware
from core.money import ZERO
from core.reasons import Reason
from eset_gateway.outbox import commands_enqueue
from notifications.models import NotificationKind
from notifications.services import notify
from orders.models import Subscription, SubscriptionStatus

from ..calendar import days_in_month, seat_days_amount
from ..models import Charge, ChargeStatus, ServicePeriod
from .ledger import clients_lock
from .lifecycle import (
    both_sides_specs,
    seat_changes_cancel_pending,
    subscription_payload,
    subscriptions_move,
    suspend_command,
    with_subscription_related,
)
from .runs import charges_close_chunk

CANCELLABLE = (SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED)


@dataclass(frozen=True)
class CancelQuote:
    """What cancelling on `day` does to the money, before anything is written."""

    last_day: date
    # The open charge holding `day`, cut to end on it: (charge, seat_days, amount, cost).
    cut: tuple[Charge, int, Decimal, Decimal] | None
    cancelled: tuple[Charge, ...]
    freed: Decimal  # the reservation released: Σ open charges now − what stays to bill


def cancel_quote(*, subscription: Subscription, day: date) -> CancelQuote:
    """The charges a cancellation on `day` cuts or cancels. Every day after `day` is billed
    at the current seat count (seat changes apply from their 00:30, never later than
    today), so the cut charge loses exactly seats × the days after `day`."""
    cut = None
    cancelled: list[Charge] = []
    freed = ZERO
    charges = Charge.objects.filter(
        subscription_id=subscription.pk, status=ChargeStatus.OPEN
    ).select_related("period")
    for charge in charges.order_by("date_from"):
        if charge.date_from > day:
            cancelled.append(charge)
            freed += charge.amount
        elif charge.date_to > day:
            seat_days = charge.seat_days - subscription.seats * (charge.date_to - day).days
            month_days = days_in_month(charge.date_from)
            amount = seat_days_amount(
                seat_days=seat_days, price=charge.period.seat_price, month_days=month_days
            )
            cost = seat_days_amount(
                seat_days=seat_days, price=charge.period.purchase_price, month_days=month_days
            )
            cut = (charge, seat_days, amount, cost)
            freed += charge.amount - amount
    return CancelQuote(last_day=day, cut=cut, cancelled=tuple(cancelled), freed=freed)


@transaction.atomic
def subscription_cancel(*, subscription: Subscription, at: datetime, by=None) -> Subscription:
    """Cancels an active or suspended subscription now (§4.9); D = the financial day of
    `at` is its last billed day."""
    require_aware(at)
    day = financial_day(at)
    clients_lock([subscription.client_id])
    sub = with_subscription_related(Subscription.objects.filter(pk=subscription.pk)).get()
    if sub.status not in CANCELLABLE:
        raise Conflict(
            _("Отменить можно только активную или приостановленную подписку."),
            field="subscription",
        )
    previous = sub.status
    quote = cancel_quote(subscription=sub, day=day)
    if quote.cut is not None:
        charge, seat_days, amount, cost = quote.cut
        charge.date_to, charge.seat_days, charge.amount, charge.cost = day, seat_days, amount, cost
        charge.closes_on = day
        bulk_set([charge], ["date_to", "closes_on", "seat_days", "amount", "cost"])
        ServicePeriod.objects.filter(pk=charge.period_id).update(cut_on=day)
    Charge.objects.filter(pk__in=[c.pk for c in quote.cancelled], status=ChargeStatus.OPEN).update(
        status=ChargeStatus.CANCELLED
    )
    if quote.cut is None and quote.cancelled:
        # The period starts after D (a renewal formed ahead): nothing of it is billed.
        ServicePeriod.objects.filter(pk=quote.cancelled[0].period_id).update(
            cut_on=quote.cancelled[0].date_from - timedelta(days=1)
        )
    # The cut charge closes on D, at once: the run for D may have passed already.
    charges_close_chunk(client_ids=[sub.client_id], day=day, now=timezone.now())
    sub.cancelled_on, sub.expires_on = day, day + timedelta(days=1)
    subscriptions_move(
        [sub],
        source=previous,
        target=SubscriptionStatus.CANCELLED,
        day=day,
        reason=Reason.CANCELLED_NOW,
        fields=["cancelled_on", "expires_on"],
    )
    seat_changes_cancel_pending(
        subscription_ids=[sub.pk], day=day, reason=Reason.SUBSCRIPTION_CANCELLED
    )
    if previous == SubscriptionStatus.ACTIVE:  # a suspended licence is suspended already
        commands_enqueue(specs=[suspend_command(sub, day)], at=at)
    notify(
        specs=both_sides_specs(
            sub,
            NotificationKind.CANCELLED,
            f"cancelled:sub:{sub.pk}",
            subscription_payload(
                sub,
                cancelled_on=day,
                last_day=day,
                reason=Reason.CANCELLED_NOW,
                freed=quote.freed,
            ),
        ),
        at=at,
    )
    audit_record(
        action=AuditAction.SUBSCRIPTION_CANCELLED,
        reseller_id=sub.client.reseller_id,
        client_id=sub.client_id,
        at=at,
        by=by,
        obj=sub,
        before={"status": previous},
        after={"status": SubscriptionStatus.CANCELLED, "last_day": day, "freed": quote.freed},
    )
    return sub
