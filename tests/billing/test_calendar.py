"""Pure billing calendar (DESIGN.md §4.1-4.2): period ends, charges cut at month ends, the
seat-day arithmetic. No database: every figure here is worked out by hand from
`amount = round_half_up(seat_days × price / days_in_month)` per charge."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from billing.calendar import (
    days_in_month,
    month_end,
    period_charges,
    period_expires_on,
    seat_days_after_change,
    seat_days_amount,
)
from plans.models import BillingCycle

D30 = BillingCycle.DAYS_30
CAL = BillingCycle.CALENDAR_MONTH


def cut(starts_on, expires_on, seats=1, price="100.00", purchase="60.00"):
    """The charges as plain tuples: (from, to, closes_on, seat_days, amount)."""
    return [
        (c.date_from, c.date_to, c.closes_on, c.seat_days, c.amount)
        for c in period_charges(
            starts_on=starts_on,
            expires_on=expires_on,
            seats=seats,
            seat_price=Decimal(price),
            purchase_price=Decimal(purchase),
        )
    ]


# --------------------------------------------------------------------------- helpers


def test_days_in_month_and_month_end():
    assert days_in_month(date(2027, 2, 10)) == 28
    assert days_in_month(date(2028, 2, 10)) == 29
    assert days_in_month(date(2026, 12, 1)) == 31
    assert days_in_month(date(2027, 4, 30)) == 30
    assert month_end(date(2028, 2, 3)) == date(2028, 2, 29)
    assert month_end(date(2026, 12, 31)) == date(2026, 12, 31)


# --------------------------------------------------------------------------- §4.1 periods


@pytest.mark.parametrize(
    ("starts_on", "expires_on"),
    [
        # The seed's chain (S10): 14 Dec → 13 Jan → 12 Feb → 14 Mar.
        (date(2026, 12, 14), date(2027, 1, 13)),
        (date(2027, 1, 13), date(2027, 2, 12)),
        (date(2027, 2, 12), date(2027, 3, 14)),
        # December → January changes the year.
        (date(2026, 12, 20), date(2027, 1, 19)),
        (date(2026, 12, 31), date(2027, 1, 30)),
        # 31 Jan + 30 days: 2 Mar in a common year, 1 Mar in a leap year.
        (date(2027, 1, 31), date(2027, 3, 2)),
        (date(2028, 1, 31), date(2028, 3, 1)),
        (date(2028, 2, 29), date(2028, 3, 30)),
    ],
)
def test_period_expires_on_30_days(starts_on, expires_on):
    assert period_expires_on(starts_on=starts_on, cycle=D30) == expires_on
    # The anchor is irrelevant to the 30-day cycle.
    assert period_expires_on(starts_on=starts_on, cycle=D30, anchor_day=5) == expires_on


def test_period_expires_on_calendar_month_anchor_31_common_year():
    # 31 Jan → 28 Feb (clamped) → 31 Mar (back on the anchor) → 30 Apr → 31 May.
    chain = [date(2027, 1, 31)]
    for _ in range(4):
        chain.append(period_expires_on(starts_on=chain[-1], cycle=CAL, anchor_day=31))
    assert chain == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
        date(2027, 5, 31),
    ]


def test_period_expires_on_calendar_month_anchor_31_leap_year():
    first = period_expires_on(starts_on=date(2028, 1, 31), cycle=CAL, anchor_day=31)
    assert first == date(2028, 2, 29)
    assert period_expires_on(starts_on=first, cycle=CAL, anchor_day=31) == date(2028, 3, 31)


@pytest.mark.parametrize(
    ("anchor", "year", "expected"),
    [
        (30, 2027, [date(2027, 1, 30), date(2027, 2, 28), date(2027, 3, 30), date(2027, 4, 30)]),
        (29, 2027, [date(2027, 1, 29), date(2027, 2, 28), date(2027, 3, 29), date(2027, 4, 29)]),
        (29, 2028, [date(2028, 1, 29), date(2028, 2, 29), date(2028, 3, 29), date(2028, 4, 29)]),
        (30, 2028, [date(2028, 1, 30), date(2028, 2, 29), date(2028, 3, 30), date(2028, 4, 30)]),
    ],
)
def test_period_expires_on_calendar_month_anchor_30_and_29(anchor, year, expected):
    chain = [date(year, 1, anchor)]
    for _ in range(3):
        chain.append(period_expires_on(starts_on=chain[-1], cycle=CAL, anchor_day=anchor))
    assert chain == expected


def test_period_expires_on_calendar_month_december_to_january():
    assert period_expires_on(starts_on=date(2026, 12, 15), cycle=CAL) == date(2027, 1, 15)
    assert period_expires_on(starts_on=date(2026, 12, 31), cycle=CAL, anchor_day=31) == date(
        2027, 1, 31
    )
    # Without an anchor, the start's own day is the anchor: 28 Feb → 28 Mar, whereas the
    # anchor 31 brings it back to 31 Mar.
    assert period_expires_on(starts_on=date(2027, 2, 28), cycle=CAL) == date(2027, 3, 28)
    assert period_expires_on(starts_on=date(2027, 2, 28), cycle=CAL, anchor_day=31) == date(
        2027, 3, 31
    )


# --------------------------------------------------------------------------- §4.2 charges


def test_period_charges_seed_example():
    # 5 seats × 100.00; 18 of 31 days in Dec: 90 × 100 / 31 = 290.3225… → 290.32;
    # 12 of 31 days in Jan: 60 × 100 / 31 = 193.548… → 193.55, closing on 13 Jan (S10).
    assert cut(date(2026, 12, 14), date(2027, 1, 13), seats=5) == [
        (date(2026, 12, 14), date(2026, 12, 31), date(2026, 12, 31), 90, Decimal("290.32")),
        (date(2027, 1, 1), date(2027, 1, 12), date(2027, 1, 13), 60, Decimal("193.55")),
    ]


def test_period_charges_cost_from_purchase_price():
    slices = period_charges(
        starts_on=date(2026, 12, 14),
        expires_on=date(2027, 1, 13),
        seats=5,
        seat_price=Decimal("100.00"),
        purchase_price=Decimal("80.00"),
    )
    # 90 × 80 / 31 = 232.258… ; 60 × 80 / 31 = 154.838…
    assert [c.cost for c in slices] == [Decimal("232.26"), Decimal("154.84")]
    assert [c.days for c in slices] == [18, 12]


def test_period_charges_starting_on_the_28th():
    # 28 Jan 2027 + 30 = 27 Feb. 4 of 31 days: 400/31 = 12.903 → 12.90;
    # 26 of 28 days: 2600/28 = 92.857 → 92.86.
    assert cut(date(2027, 1, 28), date(2027, 2, 27)) == [
        (date(2027, 1, 28), date(2027, 1, 31), date(2027, 1, 31), 4, Decimal("12.90")),
        (date(2027, 2, 1), date(2027, 2, 26), date(2027, 2, 27), 26, Decimal("92.86")),
    ]


def test_period_charges_starting_on_the_29th_rounds_once_per_charge():
    # 3 days of Jan: 300/31 = 9.677 → 9.68 (rounding each day would give 3 × 3.23 = 9.69);
    # 27 of 28 days of Feb: 2700/28 = 96.428 → 96.43; the last charge closes on expires_on,
    # which here is also Feb's last day.
    assert cut(date(2027, 1, 29), date(2027, 2, 28)) == [
        (date(2027, 1, 29), date(2027, 1, 31), date(2027, 1, 31), 3, Decimal("9.68")),
        (date(2027, 2, 1), date(2027, 2, 27), date(2027, 2, 28), 27, Decimal("96.43")),
    ]


def test_period_charges_starting_on_the_30th_whole_february_costs_the_monthly_fee():
    # 2 of 31: 200/31 = 6.45; Feb whole: exactly the monthly fee; closes on 1 Mar (expires_on).
    assert cut(date(2027, 1, 30), date(2027, 3, 1)) == [
        (date(2027, 1, 30), date(2027, 1, 31), date(2027, 1, 31), 2, Decimal("6.45")),
        (date(2027, 2, 1), date(2027, 2, 28), date(2027, 3, 1), 28, Decimal("100.00")),
    ]


def test_period_charges_touching_three_months():
    # 30 days from 31 Jan 2027: 31 Jan, the whole of February, 1 March.
    expires_on = period_expires_on(starts_on=date(2027, 1, 31), cycle=D30)
    assert expires_on == date(2027, 3, 2)
    assert cut(date(2027, 1, 31), expires_on, seats=2) == [
        # 2 × 100 / 31 = 6.4516 → 6.45
        (date(2027, 1, 31), date(2027, 1, 31), date(2027, 1, 31), 2, Decimal("6.45")),
        # 56 × 100 / 28 = 200.00
        (date(2027, 2, 1), date(2027, 2, 28), date(2027, 2, 28), 56, Decimal("200.00")),
        # 2 × 100 / 31 = 6.45, closing on the period's expires_on
        (date(2027, 3, 1), date(2027, 3, 1), date(2027, 3, 2), 2, Decimal("6.45")),
    ]


def test_period_charges_leap_february():
    # 31 Jan 2028 + 30 = 1 Mar 2028; 29 of 29 days: the whole monthly fee.
    assert cut(date(2028, 1, 31), date(2028, 3, 1)) == [
        (date(2028, 1, 31), date(2028, 1, 31), date(2028, 1, 31), 1, Decimal("3.23")),
        (date(2028, 2, 1), date(2028, 2, 29), date(2028, 3, 1), 29, Decimal("100.00")),
    ]
    # 30 Jan 2028 + 30 = 29 Feb: 28 of 29 days, 2800/29 = 96.5517 → 96.55, closes 29 Feb.
    assert cut(date(2028, 1, 30), date(2028, 2, 29)) == [
        (date(2028, 1, 30), date(2028, 1, 31), date(2028, 1, 31), 2, Decimal("6.45")),
        (date(2028, 2, 1), date(2028, 2, 28), date(2028, 2, 29), 28, Decimal("96.55")),
    ]


def test_period_charges_starting_on_leap_day():
    # 29 Feb 2028 → 30 Mar: 1 of 29 days, 100/29 = 3.448 → 3.45; 29 of 31, 2900/31 = 93.548.
    assert cut(date(2028, 2, 29), date(2028, 3, 30)) == [
        (date(2028, 2, 29), date(2028, 2, 29), date(2028, 2, 29), 1, Decimal("3.45")),
        (date(2028, 3, 1), date(2028, 3, 29), date(2028, 3, 30), 29, Decimal("93.55")),
    ]


def test_period_charges_calendar_month_anchor_31():
    # 31 Jan → 28 Feb: 1 day of Jan and 27 of Feb; the last closes on 28 Feb.
    assert cut(date(2027, 1, 31), date(2027, 2, 28)) == [
        (date(2027, 1, 31), date(2027, 1, 31), date(2027, 1, 31), 1, Decimal("3.23")),
        (date(2027, 2, 1), date(2027, 2, 27), date(2027, 2, 28), 27, Decimal("96.43")),
    ]
    # The renewal 28 Feb → 31 Mar: 1 of 28 days (3.57), then 30 of 31 (96.77).
    assert cut(date(2027, 2, 28), date(2027, 3, 31)) == [
        (date(2027, 2, 28), date(2027, 2, 28), date(2027, 2, 28), 1, Decimal("3.57")),
        (date(2027, 3, 1), date(2027, 3, 30), date(2027, 3, 31), 30, Decimal("96.77")),
    ]


def test_period_charges_year_change():
    # 31 Dec 2026 → 30 Jan 2027.
    assert cut(date(2026, 12, 31), date(2027, 1, 30), seats=3) == [
        (date(2026, 12, 31), date(2026, 12, 31), date(2026, 12, 31), 3, Decimal("9.68")),
        (date(2027, 1, 1), date(2027, 1, 29), date(2027, 1, 30), 87, Decimal("280.65")),
    ]


def test_period_charges_within_one_month_is_one_charge():
    # 1 Mar → 31 Mar (30 days of a 31-day month): one charge, 150 × 100 / 31 = 483.87.
    assert cut(date(2027, 3, 1), date(2027, 3, 31), seats=5) == [
        (date(2027, 3, 1), date(2027, 3, 30), date(2027, 3, 31), 150, Decimal("483.87")),
    ]


@pytest.mark.parametrize(
    "starts_on",
    [
        date(2026, 12, 14),
        date(2027, 1, 28),
        date(2027, 1, 31),
        date(2028, 2, 29),
        date(2027, 12, 3),
    ],
)
@pytest.mark.parametrize("cycle", [D30, CAL])
def test_period_charges_cover_the_period_exactly(starts_on, cycle):
    expires_on = period_expires_on(starts_on=starts_on, cycle=cycle)
    slices = period_charges(
        starts_on=starts_on,
        expires_on=expires_on,
        seats=4,
        seat_price=Decimal("100.00"),
        purchase_price=Decimal("60.00"),
    )
    day = starts_on
    for c in slices:
        assert c.date_from == day
        assert (c.date_from.year, c.date_from.month) == (c.date_to.year, c.date_to.month)
        assert c.seat_days == 4 * c.days
        day = c.date_to + timedelta(days=1)
    assert day == expires_on
    # Every charge but the last closes on its month's last day; the last on expires_on.
    assert [c.closes_on for c in slices[:-1]] == [month_end(c.date_from) for c in slices[:-1]]
    assert slices[-1].closes_on == expires_on


def test_seat_days_amount_rounds_half_up_once():
    # 12.46 / 28 = 0.445 exactly: half-up gives 0.45 (banker's rounding would give 0.44).
    assert seat_days_amount(seat_days=1, price=Decimal("12.46"), month_days=28) == Decimal("0.45")
    # 14.35 × 2 / 28 = 1.025 exactly → 1.03.
    assert seat_days_amount(seat_days=2, price=Decimal("14.35"), month_days=28) == Decimal("1.03")
    assert seat_days_amount(seat_days=31, price=Decimal("100.00"), month_days=31) == Decimal(
        "100.00"
    )
    assert seat_days_amount(seat_days=0, price=Decimal("100.00"), month_days=31) == Decimal("0.00")


def test_period_charges_half_up_on_a_charge():
    # A 1-day charge of Feb at 12.46: 0.445 → 0.45.
    slices = period_charges(
        starts_on=date(2027, 2, 28),
        expires_on=date(2027, 3, 30),
        seats=1,
        seat_price=Decimal("12.46"),
        purchase_price=Decimal("12.46"),
    )
    assert (slices[0].date_from, slices[0].date_to, slices[0].amount) == (
        date(2027, 2, 28),
        date(2027, 2, 28),
        Decimal("0.45"),
    )
    assert slices[0].cost == Decimal("0.45")


# --------------------------------------------------------------------------- §4.6 seat-days


@pytest.mark.parametrize(
    ("from_day", "old", "new", "expected"),
    [
        # The Jan charge of the seed (1-12 Jan, 5 seats = 60 seat-days).
        (date(2027, 1, 5), 5, 8, 60 + 8 * 3),  # 1-4 Jan at 5, 5-12 Jan at 8 = 20 + 64 = 84
        (date(2027, 1, 10), 5, 2, 60 - 3 * 3),  # 1-9 at 5, 10-12 at 2 = 45 + 6 = 51
        (date(2026, 12, 20), 5, 7, 12 * 7),  # from before the charge: all its days change
        (date(2027, 1, 1), 5, 7, 12 * 7),  # from its first day: all its days change
        (date(2027, 1, 12), 5, 7, 60 + 2),  # from its last day: only that day changes
        (date(2027, 1, 13), 5, 7, 60),  # from after it: nothing changes
    ],
)
def test_seat_days_after_change(from_day, old, new, expected):
    assert (
        seat_days_after_change(
            date_from=date(2027, 1, 1),
            date_to=date(2027, 1, 12),
            seat_days=60,
            old_seats=old,
            new_seats=new,
            from_day=from_day,
        )
        == expected
    )


def test_seat_days_after_two_changes_keeps_each_days_count():
    # 14-31 Dec: 5 seats to 20 Dec, 7 from 21 Dec, 3 from 25 Dec:
    # 7 × 5 + 4 × 7 + 7 × 3 = 35 + 28 + 21 = 84.
    first = seat_days_after_change(
        date_from=date(2026, 12, 14),
        date_to=date(2026, 12, 31),
        seat_days=90,
        old_seats=5,
        new_seats=7,
        from_day=date(2026, 12, 21),
    )
    assert first == 112
    second = seat_days_after_change(
        date_from=date(2026, 12, 14),
        date_to=date(2026, 12, 31),
        seat_days=first,
        old_seats=7,
        new_seats=3,
        from_day=date(2026, 12, 25),
    )
    assert second == 84
