"""Pure billing arithmetic (DESIGN.md §4.1-4.2): periods, their charges and amounts.

No database and no clock: every function takes the days it works on, so each rule can be
tested for any date.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext

from core.money import CENT
from plans.models import BillingCycle


def days_in_month(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def month_end(day: date) -> date:
    return day.replace(day=days_in_month(day))


def period_expires_on(*, starts_on: date, cycle: str, anchor_day: int | None = None) -> date:
    """The exclusive end of a period starting on `starts_on`.

    30_days: starts_on + 30 days, the only rule that reproduces every date of the seed
    (14 Dec → 13 Jan → 12 Feb). calendar_month: the anchor day of the next month, clamped
    to that month's length (31 Jan → 28 Feb → 31 Mar)."""
    if cycle == BillingCycle.CALENDAR_MONTH:
        anchor = anchor_day or starts_on.day
        year, month = (
            (starts_on.year + 1, 1)
            if starts_on.month == 12
            else (starts_on.year, starts_on.month + 1)
        )
        return date(year, month, min(anchor, calendar.monthrange(year, month)[1]))
    return starts_on + timedelta(days=30)


def seat_days_amount(*, seat_days: int, price: Decimal, month_days: int) -> Decimal:
    """round(Σ seats(d) × price / days_in_month), rounded half-up once per charge (§4.2)."""
    with localcontext() as ctx:
        ctx.prec = 40
        return (Decimal(seat_days) * price / Decimal(month_days)).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class ChargeSlice:
    """One charge of a period: its days (inclusive), closing day, seat-days and money."""

    date_from: date
    date_to: date
    closes_on: date
    seat_days: int
    amount: Decimal
    cost: Decimal

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1


def period_charges(
    *, starts_on: date, expires_on: date, seats: int, seat_price: Decimal, purchase_price: Decimal
) -> list[ChargeSlice]:
    """Cuts a period into one charge per calendar month it touches. Each closes on its
    month's last day, except the period's last, which closes on `expires_on` (S10)."""
    slices: list[ChargeSlice] = []
    day = starts_on
    last_day = expires_on - timedelta(days=1)
    while day <= last_day:
        date_to = min(month_end(day), last_day)
        is_last = date_to == last_day
        seat_days = seats * ((date_to - day).days + 1)
        dim = days_in_month(day)
        slices.append(
            ChargeSlice(
                date_from=day,
                date_to=date_to,
                closes_on=expires_on if is_last else date_to,
                seat_days=seat_days,
                amount=seat_days_amount(seat_days=seat_days, price=seat_price, month_days=dim),
                cost=seat_days_amount(seat_days=seat_days, price=purchase_price, month_days=dim),
            )
        )
        day = date_to + timedelta(days=1)
    return slices


def seat_days_after_change(
    *,
    date_from: date,
    date_to: date,
    seat_days: int,
    old_seats: int,
    new_seats: int,
    from_day: date,
) -> int:
    """The charge's seat-days when the count moves from `old_seats` to `new_seats` on
    `from_day`: days before it keep the old count (§4.6)."""
    start = max(date_from, from_day)
    if start > date_to:
        return seat_days
    return seat_days + ((date_to - start).days + 1) * (new_seats - old_seats)
