"""The invariants of DESIGN.md §4.7, checked over the database. `manage.py check_ledger`
and the tests call the same functions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import BigIntegerField, Count, F, Sum
from django.db.models.functions import Cast, Round

from accounts.models import Client

from .models import BalanceEntry, Charge, ChargeStatus, ServicePeriod


@dataclass(frozen=True)
class Violation:
    client_id: int | None
    rule: str
    detail: str

    def __str__(self) -> str:
        who = f"client {self.client_id}" if self.client_id else "-"
        return f"[{self.rule}] {who}: {self.detail}"


KOPECK = Decimal("0.01")


def _kopecks_sum(field: str) -> Sum:
    """Σ of a money column in whole kopecks, exact on every database. SQLite keeps decimals
    as floats and its SUM adds them as floats (2.36 + ... = 2.36000000000015): each amount
    is turned into an integer of kopecks first, and integers add exactly."""
    return Sum(Cast(Round(F(field) * 100), BigIntegerField()))


def _rub(kopecks: int | None) -> Decimal:
    return (Decimal(kopecks or 0) * KOPECK).quantize(KOPECK)


def ledger_violations() -> list[Violation]:
    """§4.7.1: balance = Σ ledger; every closed charge has exactly one entry, of its amount;
    no open or cancelled charge has one."""
    found: list[Violation] = []
    sums = dict(
        BalanceEntry.objects.values("client_id")
        .annotate(s=_kopecks_sum("amount"))
        .order_by()
        .values_list("client_id", "s")
    )
    for client_id, balance in Client.objects.values_list("id", "balance").iterator():
        total = _rub(sums.get(client_id))
        if total != balance.quantize(KOPECK):
            found.append(
                Violation(client_id, "balance", f"balance {balance} != sum of ledger {total}")
            )
    for charge_id, client_id, amount, entries, entry_sum in (
        Charge.objects.filter(status=ChargeStatus.CLOSED)
        .annotate(n=Count("ledger_entry"), s=_kopecks_sum("ledger_entry__amount"))
        .values_list("id", "client_id", "amount", "n", "s")
        .iterator()
    ):
        entry_sum = _rub(entry_sum) if entries else None
        if entries != 1 or entry_sum != -amount:
            found.append(
                Violation(
                    client_id,
                    "charge_entry",
                    f"closed charge {charge_id} ({amount}) has {entries} "
                    f"entries summing {entry_sum}",
                )
            )
    for charge_id, client_id in (
        Charge.objects.exclude(status=ChargeStatus.CLOSED)
        .filter(ledger_entry__isnull=False)
        .values_list("id", "client_id")
    ):
        found.append(
            Violation(
                client_id,
                "charge_entry",
                f"charge {charge_id} is not closed but has a ledger entry",
            )
        )
    return found


def schedule_violations() -> list[Violation]:
    """§4.7.2: periods of a subscription do not overlap; each period's live charges cover its
    days exactly, one charge per month, none on a day another charge bills."""
    found: list[Violation] = []
    periods = ServicePeriod.objects.select_related("subscription").order_by(
        "subscription_id", "starts_on", "id"
    )
    charges_by_period: dict[int, list[Charge]] = defaultdict(list)
    for charge in Charge.objects.exclude(status=ChargeStatus.CANCELLED).order_by("date_from"):
        charges_by_period[charge.period_id].append(charge)
    last_by_sub: dict[int, ServicePeriod] = {}
    for period in periods.iterator():
        client_id = period.subscription.client_id
        previous = last_by_sub.get(period.subscription_id)
        if previous is not None and period.starts_on < previous.expires_on:
            found.append(
                Violation(
                    client_id,
                    "periods_overlap",
                    f"subscription {period.subscription_id}: {previous} and {period}",
                )
            )
        last_by_sub[period.subscription_id] = period
        day = period.starts_on
        for charge in charges_by_period.get(period.pk, []):
            if charge.date_from != day:
                found.append(
                    Violation(
                        client_id,
                        "charges_cover",
                        f"period {period}: charge {charge.pk} starts "
                        f"{charge.date_from}, expected {day}",
                    )
                )
            if charge.date_from.month != charge.date_to.month or (
                charge.date_from.year != charge.date_to.year
            ):
                found.append(
                    Violation(client_id, "charges_cover", f"charge {charge.pk} spans two months")
                )
            day = charge.date_to + timedelta(days=1)
        # A period cut by a cancellation (§4.9) is billed up to its last billed day.
        end = period.cut_on + timedelta(days=1) if period.cut_on else period.expires_on
        if day != end:
            found.append(
                Violation(
                    client_id,
                    "charges_cover",
                    f"period {period}: charges end before {day}, period is billed until {end}",
                )
            )
    return found


def overdue_violations(*, day) -> list[Violation]:
    """After the run for `day`, no charge is left open past its closing day."""
    return [
        Violation(client_id, "overdue", f"charge {pk} closes {closes_on} but is still open")
        for pk, client_id, closes_on in Charge.objects.filter(
            status=ChargeStatus.OPEN, closes_on__lte=day
        ).values_list("id", "client_id", "closes_on")
    ]


def all_violations(*, day=None) -> list[Violation]:
    found = ledger_violations() + schedule_violations()
    if day is not None:
        found += overdue_violations(day=day)
    return found
