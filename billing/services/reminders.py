"""Renewal reminders (DESIGN.md §4.10): N days before a period's end (the reseller's
thresholds), when auto-renew is on and the available balance will not cover the next
period, the owner, the client's accountants and the reseller are told how much is missing,
with a link that issues the invoice for it. Once per period and threshold.

Safe to run late: a run on day D reminds for the smallest threshold t with
expires_on − t ≤ D < expires_on, so a missed day is made up by the next run, and a
threshold overtaken by a smaller one (a run late by a week) is not sent on top of it.
A threshold whose day found the balance sufficient is looked at again each day until the
next one: money spent in between (another renewal, a seat increase) is still told.

The shortfall is cumulative over the client's renewals in the order the billing run makes
them (by expires_on, then id, §4.5): the available balance goes to the earlier renewals
first, and each subscription is told what its own renewal lacks after them. Paying every
reminder's amount thus renews them all; a balance that covers the first of two renewals
but not both reminds for the second only, with the difference.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet

from accounts.models import REMINDER_DAYS_MAX, Membership, Reseller
from core.clock import moscow_moment, require_day
from core.money import ZERO
from notifications.models import NotificationKind
from notifications.services import NotificationSpec, notify, owner_spec, reseller_spec
from orders.models import Subscription, SubscriptionStatus

from ..models import ReminderSent, ServicePeriod
from .ledger import client_id_chunks, clients_available
from .lifecycle import subscription_payload, with_subscription_related
from .quotes import period_quote

log = logging.getLogger(__name__)

# The moment the 10:00 Moscow-time job stands for (config/celery.py's beat entry).
REMINDER_HOUR = 10


@dataclass
class RemindersResult:
    day: date
    reminded: int = 0  # (period, threshold) pairs told
    notifications: int = 0
    shortfall: Decimal = ZERO  # Σ of what the reminders said was missing
    subscriptions: list[int] = field(default_factory=list)


def reminder_moment(day: date) -> datetime:
    return moscow_moment(day, REMINDER_HOUR)


def due_threshold(*, thresholds: list[int], expires_on: date, day: date) -> int | None:
    """The threshold a run on `day` reminds for: the smallest whose day has come."""
    left = (expires_on - day).days
    if left < 1:
        return None  # the period ends today or has ended: the billing run decides now
    return min((t for t in thresholds if t >= left), default=None)


def invoice_links(sub: Subscription, shortfall: Decimal) -> tuple[str, str]:
    """Where each side issues the invoice for the shortfall: the portal (client people) and
    the panel (the reseller). Absolute: they are read in e-mails."""
    site = settings.SITE_URL.rstrip("/")
    query = urlencode({"subscription": sub.pk, "amount": str(shortfall)})
    return (
        f"{site}/portal/invoices/new/?{query}",
        f"{site}/panel/clients/{sub.client_id}/invoices/new/?{query}",
    )


def _candidates(day: date) -> QuerySet[Subscription]:
    """Active, auto-renewing subscriptions whose period ends within their reseller's
    largest threshold: only these can be due a reminder on `day`."""
    by_horizon: dict[int, list[int]] = {}
    for reseller_id, days in Reseller.objects.values_list("id", "reminder_days"):
        valid = [d for d in days or [] if isinstance(d, int) and 0 < d <= REMINDER_DAYS_MAX]
        if valid:
            by_horizon.setdefault(max(valid), []).append(reseller_id)
    window = Q(pk__in=[])
    for horizon, reseller_ids in by_horizon.items():
        window |= Q(
            client__reseller_id__in=reseller_ids,
            expires_on__gt=day,
            expires_on__lte=day + timedelta(days=horizon),
        )
    return Subscription.objects.filter(window, status=SubscriptionStatus.ACTIVE, auto_renew=True)


def reminders_send(*, day: date) -> RemindersResult:
    """The 10:00 job of `day` (§4.10, §6); idempotent and safe to run late, twice or
    concurrently (the client lock and the unique (period, threshold))."""
    require_day(day)
    result = RemindersResult(day=day)
    candidates = _candidates(day)
    for client_ids in client_id_chunks(candidates):
        _remind_chunk(candidates=candidates, client_ids=client_ids, day=day, result=result)
    log.info("reminders_send %s: %s", day, result)
    return result


@dataclass
class _Renewal:
    """One renewal the billing run will make, in its order, with what it will cost."""

    starts_on: date
    sub: Subscription
    total: Decimal
    first: bool  # the subscription's next renewal (not a later one within the horizon)


def _renewals(subs: list[Subscription], horizon: date) -> list[_Renewal]:
    """Every renewal of the client's auto-renewing subscriptions up to `horizon`, at today's
    seats and price, in the run's order. A short period may renew more than once before a
    longer-off period ends (a threshold of up to 60 days)."""
    renewals: list[_Renewal] = []
    for sub in subs:
        starts_on = sub.expires_on
        assert starts_on is not None
        first = True
        while starts_on <= horizon:
            quote = period_quote(
                reseller_plan=sub.reseller_plan,
                seats=sub.seats,
                starts_on=starts_on,
                anchor_day=sub.anchor_day,
            )
            renewals.append(_Renewal(starts_on, sub, quote.total, first))
            starts_on, first = quote.expires_on, False
    renewals.sort(key=lambda r: (r.starts_on, r.sub.pk))
    return renewals


@transaction.atomic
def _remind_chunk(
    *,
    candidates: QuerySet[Subscription],
    client_ids: list[int],
    day: date,
    result: RemindersResult,
) -> None:
    # The lock makes the check of what was sent and the rows written one step per client:
    # a concurrent run waits here and then finds them.
    available = clients_available(client_ids)
    due: dict[int, int] = {}  # subscription id → the threshold due today
    for sub in candidates.filter(client_id__in=client_ids).select_related("client__reseller"):
        assert sub.expires_on is not None
        threshold = due_threshold(
            thresholds=list(sub.client.reseller.reminder_days or []),
            expires_on=sub.expires_on,
            day=day,
        )
        if threshold is not None:
            due[sub.pk] = threshold
    if not due:
        return
    periods = {
        p.subscription_id: p
        for p in ServicePeriod.objects.filter(
            subscription_id__in=list(due), expires_on=F("subscription__expires_on")
        )
    }
    sent = set(
        ReminderSent.objects.filter(period__in=list(periods.values())).values_list(
            "period_id", "threshold_days"
        )
    )
    renewing = list(
        with_subscription_related(
            Subscription.objects.filter(
                client_id__in=client_ids, status=SubscriptionStatus.ACTIVE, auto_renew=True
            )
        ).order_by("client_id", "expires_on", "id")
    )
    by_client: dict[int, list[Subscription]] = {}
    for sub in renewing:
        by_client.setdefault(sub.client_id, []).append(sub)
    accountants: dict[int, list[Membership]] = {}
    for membership in Membership.objects.filter(
        client_id__in=client_ids, role=Membership.Role.ACCOUNTANT, user__is_active=True
    ).select_related("user"):
        assert membership.client_id is not None
        accountants.setdefault(membership.client_id, []).append(membership)

    rows: list[ReminderSent] = []
    specs: list[NotificationSpec] = []
    for client_id, subs in by_client.items():
        told = {
            s.pk: s.expires_on
            for s in subs
            if s.pk in due and s.pk in periods and (periods[s.pk].pk, due[s.pk]) not in sent
        }
        if not told:
            continue
        horizon = max(d for d in told.values() if d is not None)
        remaining = available[client_id]
        for renewal in _renewals(subs, horizon):
            covered = min(renewal.total, max(remaining, ZERO))
            remaining -= renewal.total
            sub = renewal.sub
            shortfall = renewal.total - covered
            if not (renewal.first and sub.pk in told and shortfall > ZERO):
                continue
            period, threshold = periods[sub.pk], due[sub.pk]
            rows.append(
                ReminderSent(period=period, threshold_days=threshold, day=day, shortfall=shortfall)
            )
            specs += _specs(
                sub=sub,
                period=period,
                threshold=threshold,
                amount=renewal.total,
                shortfall=shortfall,
                accountants=accountants.get(client_id, []),
            )
            result.reminded += 1
            result.shortfall += shortfall
            result.subscriptions.append(sub.pk)
    ReminderSent.objects.bulk_create(rows, ignore_conflicts=True)
    result.notifications += notify(specs=specs, at=reminder_moment(day))


def _specs(
    *,
    sub: Subscription,
    period: ServicePeriod,
    threshold: int,
    amount: Decimal,
    shortfall: Decimal,
    accountants: list[Membership],
) -> list[NotificationSpec]:
    """The owner, the client's accountants (each in their own language, in the journal and
    the e-mail) and the reseller, each with the link of their own face."""
    assert sub.expires_on is not None
    portal_link, panel_link = invoice_links(sub, shortfall)
    facts = {
        "threshold_days": threshold,
        "amount": amount,
        "shortfall": shortfall,
        "renews_on": sub.expires_on,
        "paid_through": sub.expires_on - timedelta(days=1),
    }
    client_payload = subscription_payload(sub, invoice_link=portal_link, **facts)
    key = f"{NotificationKind.RENEWAL_REMINDER}:period:{period.pk}:{threshold}"
    specs = [
        owner_spec(
            subscription=sub,
            kind=NotificationKind.RENEWAL_REMINDER,
            key=f"{key}:owner",
            payload=client_payload,
        )
    ]
    specs += [
        NotificationSpec(
            kind=NotificationKind.RENEWAL_REMINDER,
            key=f"{key}:user:{m.user_id}",
            reseller_id=sub.client.reseller_id,
            client_id=sub.client_id,
            subscription_id=sub.pk,
            recipient_id=m.user_id,
            email_to=m.user.email,
            payload=client_payload,
        )
        for m in accountants
        if m.user_id != sub.client.owner_id
    ]
    specs.append(
        reseller_spec(
            reseller=sub.client.reseller,
            kind=NotificationKind.RENEWAL_REMINDER,
            key=f"{key}:reseller",
            payload=subscription_payload(sub, invoice_link=panel_link, **facts),
            client_id=sub.client_id,
            subscription_id=sub.pk,
        )
    )
    return specs
