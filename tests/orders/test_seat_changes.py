"""Seat changes (S11, DESIGN.md §4.6): requested any time, applied by the 00:30 Moscow-time
sync (`billing.services.seat_changes_apply_due`), open charges recomputed from the effective
day. The subscription is the seed's (5 seats at 100.00, purchase 60.00, from 14 Dec 2026):
14-31 Dec 290.32 (closes 31 Dec), 1-12 Jan 193.55 (closes 13 Jan)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from billing.models import BalanceEntry, Charge
from billing.selectors import client_available_balance
from billing.services import billing_run, payment_register, seat_changes_apply_due
from config.errors import Conflict, InsufficientFunds
from eset_gateway.models import CommandKind, GatewayCommand
from notifications.models import Notification, NotificationKind
from orders.models import SeatChange, SeatChangeStatus, Subscription, SubscriptionStatus
from orders.services import (
    order_confirm,
    order_create,
    seat_change_cancel,
    seat_change_request,
)
from tests.factories import ClientFactory, ResellerPlanFactory, VendorPlanFactory, msk
from tests.invariants import assert_invariants

pytestmark = pytest.mark.django_db


def seed_active(pay="1000.00"):
    plan = ResellerPlanFactory(
        vendor_plan=VendorPlanFactory(min_seats=1, max_seats=50, purchase_price=Decimal("60.00")),
        seat_price=Decimal("100.00"),
    )
    client = ClientFactory(reseller=plan.reseller)
    order = order_create(client=client, reseller_plan=plan, seats=5)
    sub = order_confirm(order=order, at=msk(2026, 12, 14, 10))
    payment_register(client=client, amount=Decimal(pay), at=msk(2026, 12, 14, 11))
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.ACTIVE
    return plan, client, sub


def charges(sub):
    return [
        (c.date_from, c.date_to, c.seat_days, c.amount, c.cost, c.status)
        for c in Charge.objects.filter(subscription=sub).order_by("date_from")
    ]


SEED_CHARGES = [
    (date(2026, 12, 14), date(2026, 12, 31), 90, Decimal("290.32"), Decimal("174.19"), "open"),
    (date(2027, 1, 1), date(2027, 1, 12), 60, Decimal("193.55"), Decimal("116.13"), "open"),
]


def available(client):
    client.refresh_from_db()
    return client_available_balance(client=client)


def quantity_commands(sub):
    return list(
        GatewayCommand.objects.filter(subscription=sub, kind=CommandKind.CHANGE_QUANTITY)
        .order_by("id")
        .values_list("payload", "seat_change_id")
    )


def snapshot():
    return (
        list(SeatChange.objects.order_by("id").values()),
        list(Charge.objects.order_by("id").values()),
        list(Subscription.objects.order_by("id").values()),
        list(BalanceEntry.objects.order_by("id").values()),
        list(Notification.objects.order_by("id").values("id")),
        list(GatewayCommand.objects.order_by("id").values("id")),
    )


# --------------------------------------------------------------------------- effective_on


@pytest.mark.parametrize(
    ("at", "effective_on"),
    [
        (msk(2026, 12, 20, 0, 10), date(2026, 12, 20)),  # before tonight's sync
        (msk(2026, 12, 20, 0, 29), date(2026, 12, 20)),
        (msk(2026, 12, 20, 0, 30), date(2026, 12, 21)),  # the sync is under way: next one
        (msk(2026, 12, 20, 0, 40), date(2026, 12, 21)),
        (msk(2026, 12, 20, 23, 59), date(2026, 12, 21)),
        # 19 Dec 21:10 UTC is 20 Dec 00:10 in Moscow.
        (datetime(2026, 12, 19, 21, 10, tzinfo=UTC), date(2026, 12, 20)),
        # 19 Dec 22:00 UTC is 20 Dec 01:00 in Moscow: the next sync is on 21 Dec (a UTC
        # reading would say 20 Dec).
        (datetime(2026, 12, 19, 22, 0, tzinfo=UTC), date(2026, 12, 21)),
        # 20 Dec 00:10 UTC is 03:10 in Moscow: past the 00:30 sync of 20 Dec.
        (datetime(2026, 12, 20, 0, 10, tzinfo=UTC), date(2026, 12, 21)),
    ],
)
def test_effective_on_is_the_next_moscow_sync(at, effective_on):
    _, _, sub = seed_active()
    change = seat_change_request(subscription=sub, seats=3, at=at)
    assert (change.effective_on, change.status) == (effective_on, SeatChangeStatus.PENDING)
    assert (change.previous_seats, change.seats, change.requested_at) == (5, 3, at)
    # Nothing moves before the sync.
    assert charges(sub) == SEED_CHARGES


# --------------------------------------------------------------------------- applying


def test_decrease_lowers_open_charges_from_the_effective_day():
    _, client, sub = seed_active(pay="1000.00")
    change = seat_change_request(subscription=sub, seats=2, at=msk(2026, 12, 20, 12))
    assert change.effective_on == date(2026, 12, 21)

    assert seat_changes_apply_due(day=date(2026, 12, 20)).applied == 0
    assert charges(sub) == SEED_CHARGES

    result = seat_changes_apply_due(day=date(2026, 12, 21))
    assert (result.applied, result.rejected) == (1, 0)
    change.refresh_from_db()
    sub.refresh_from_db()
    assert (change.status, change.decided_on) == (SeatChangeStatus.APPLIED, date(2026, 12, 21))
    assert sub.seats == 2
    # 14-20 Dec at 5 (35) + 21-31 Dec at 2 (22) = 57 seat-days: 5700/31 = 183.87,
    # cost 57 × 60 / 31 = 110.32. 1-12 Jan at 2 = 24: 77.42, cost 46.45.
    assert charges(sub) == [
        (date(2026, 12, 14), date(2026, 12, 31), 57, Decimal("183.87"), Decimal("110.32"), "open"),
        (date(2027, 1, 1), date(2027, 1, 12), 24, Decimal("77.42"), Decimal("46.45"), "open"),
    ]
    assert quantity_commands(sub) == [
        ({"quantity": 2, "effective_on": "2026-12-21", "previous_quantity": 5}, change.pk)
    ]
    assert available(client) == Decimal("738.71")  # 1000 − 183.87 − 77.42

    # The sync for the same day again changes nothing.
    before = snapshot()
    assert seat_changes_apply_due(day=date(2026, 12, 21)) == type(result)(applied=0, rejected=0)
    assert snapshot() == before

    # Closing and renewal go on at 2 seats: 13-31 Jan 38 × 100 / 31 = 122.58,
    # 1-11 Feb 22 × 100 / 28 = 78.57.
    billing_run(day=date(2027, 1, 13))
    client.refresh_from_db()
    assert client.balance == Decimal("738.71")
    assert charges(sub)[2:] == [
        (date(2027, 1, 13), date(2027, 1, 31), 38, Decimal("122.58"), Decimal("73.55"), "open"),
        (date(2027, 2, 1), date(2027, 2, 11), 22, Decimal("78.57"), Decimal("47.14"), "open"),
    ]
    assert_invariants(day=date(2027, 1, 13))


def test_increase_applied_reserves_the_extra():
    _, client, sub = seed_active(pay="1000.00")
    seat_change_request(subscription=sub, seats=8, at=msk(2026, 12, 20, 12))
    seat_changes_apply_due(day=date(2026, 12, 21))
    # 35 + 11 × 8 = 123 seat-days: 396.77 (cost 238.06); 12 × 8 = 96: 309.68 (cost 185.81).
    assert charges(sub) == [
        (date(2026, 12, 14), date(2026, 12, 31), 123, Decimal("396.77"), Decimal("238.06"), "open"),
        (date(2027, 1, 1), date(2027, 1, 12), 96, Decimal("309.68"), Decimal("185.81"), "open"),
    ]
    # 516.13 available before; the increase reserves 222.58 more.
    assert available(client) == Decimal("293.55")
    billing_run(day=date(2026, 12, 31))
    client.refresh_from_db()
    assert client.balance == Decimal("603.23")  # 1000 − 396.77
    assert_invariants(day=date(2026, 12, 31))


def test_increase_refused_at_request_for_lack_of_funds_writes_nothing():
    # From 20 Dec, 5 → 6 costs 30 + 72 = 102 seat-days (329.03) + 72 (232.26): 77.42 more.
    _, client, sub = seed_active(pay="561.28")  # 483.87 + 77.41: one kopeck short
    assert available(client) == Decimal("77.41")
    before = snapshot()
    with pytest.raises(InsufficientFunds) as exc:  # a state conflict: 409 in the API
        seat_change_request(subscription=sub, seats=6, at=msk(2026, 12, 20, 0, 10))
    assert exc.value.field == "seats"
    assert exc.value.code == "insufficient_funds"
    assert snapshot() == before

    # With that kopeck, exactly enough.
    payment_register(client=client, amount=Decimal("0.01"), at=msk(2026, 12, 20, 0, 15))
    change = seat_change_request(subscription=sub, seats=6, at=msk(2026, 12, 20, 0, 20))
    seat_changes_apply_due(day=date(2026, 12, 20))
    change.refresh_from_db()
    assert change.status == SeatChangeStatus.APPLIED
    assert [c[3] for c in charges(sub)] == [Decimal("329.03"), Decimal("232.26")]
    assert available(client) == Decimal("0.00")
    assert_invariants(day=date(2026, 12, 20))


def test_increase_rejected_at_sync_when_funds_are_gone():
    plan, client, sub = seed_active(pay="733.87")  # 483.87 + 250.00 available
    # 5 → 8 from 21 Dec needs 222.58 more: accepted now.
    change = seat_change_request(subscription=sub, seats=8, at=msk(2026, 12, 20, 12))
    # Then a 1-seat order activates at once and takes 38.71 + 58.06 = 96.77.
    other = order_confirm(
        order=order_create(client=client, reseller_plan=plan, seats=1), at=msk(2026, 12, 20, 13)
    )
    assert other.status == SubscriptionStatus.ACTIVE
    assert available(client) == Decimal("153.23")
    charges_before = charges(sub)

    result = seat_changes_apply_due(day=date(2026, 12, 21))
    assert (result.applied, result.rejected) == (0, 1)
    change.refresh_from_db()
    sub.refresh_from_db()
    assert (change.status, change.decided_on) == (SeatChangeStatus.REJECTED, date(2026, 12, 21))
    assert change.reason
    assert sub.seats == 5
    assert charges(sub) == charges_before == SEED_CHARGES
    assert quantity_commands(sub) == []
    rejected = Notification.objects.filter(
        subscription=sub, kind=NotificationKind.SEAT_CHANGE_REJECTED
    ).order_by("id")
    assert [(n.recipient_id, n.email_to) for n in rejected] == [
        (client.owner_id, client.owner.email),
        (None, plan.reseller.email),
    ]
    for n in rejected:
        assert (n.payload["seats"], n.payload["previous_seats"]) == (8, 5)
        assert Decimal(n.payload["amount_due"]) == Decimal("69.35")  # 222.58 − 153.23
    assert available(client) == Decimal("153.23")
    # Rejected once: the sync again neither applies nor tells anyone twice.
    assert seat_changes_apply_due(day=date(2026, 12, 21)) == type(result)(applied=0, rejected=0)
    assert rejected.count() == 2
    assert_invariants(day=date(2026, 12, 21))


def test_rejection_and_refusal_show_money_in_kopecks():
    """What the client reads: amounts with two places, as everywhere else in the journal."""
    plan, client, sub = seed_active(pay="733.87")
    seat_change_request(subscription=sub, seats=8, at=msk(2026, 12, 20, 12))
    order_confirm(
        order=order_create(client=client, reseller_plan=plan, seats=1), at=msk(2026, 12, 20, 13)
    )
    seat_changes_apply_due(day=date(2026, 12, 21))
    owner_note = Notification.objects.get(
        subscription=sub, kind=NotificationKind.SEAT_CHANGE_REJECTED, recipient=client.owner
    )
    with pytest.raises(InsufficientFunds) as exc:
        seat_change_request(subscription=sub, seats=9, at=msk(2026, 12, 21, 12))
    # Regression (fixed in 2a79986), SQLite only: the Sum of open charges came back with
    # 12 decimal places, so amount_due read "69.350000000000" and the refusal
    # "доступно 153.230000000000 ₽".
    assert owner_note.payload["amount_due"] == "69.35"
    assert "на 69,35 ₽." in owner_note.body
    # 5 → 9 from 22 Dec: 40 + 10 × 9 = 130 → 419.35 (+129.03); 108 → 348.39 (+154.84).
    assert exc.value.message == (
        "Недостаточно средств: для увеличения нужно 283,87 ₽, доступно 153,23 ₽."
    )


def test_change_whose_effective_day_is_already_closed_bills_from_first_open_day():
    _, client, sub = seed_active(pay="1000.00")
    seat_change_request(subscription=sub, seats=7, at=msk(2026, 12, 30, 12))  # → 31 Dec
    # The billing run for 31 Dec ran before the sync: December is closed at 5 seats.
    billing_run(day=date(2026, 12, 31))
    seat_changes_apply_due(day=date(2026, 12, 31))
    # The new count bills from 1 Jan: 12 × 7 = 84 seat-days, 8400/31 = 270.97 (cost 162.58).
    assert charges(sub) == [
        (
            date(2026, 12, 14),
            date(2026, 12, 31),
            90,
            Decimal("290.32"),
            Decimal("174.19"),
            "closed",
        ),
        (date(2027, 1, 1), date(2027, 1, 12), 84, Decimal("270.97"), Decimal("162.58"), "open"),
    ]
    client.refresh_from_db()
    assert client.balance == Decimal("709.68")
    assert available(client) == Decimal("438.71")  # 709.68 − 270.97
    assert_invariants(day=date(2026, 12, 31))


def test_change_applied_on_a_closing_day_is_billed_in_that_charge():
    _, client, sub = seed_active(pay="1000.00")
    seat_change_request(subscription=sub, seats=7, at=msk(2026, 12, 30, 12))  # → 31 Dec
    # The nightly order: the sync first, then the billing run of the same day.
    seat_changes_apply_due(day=date(2026, 12, 31))
    result = billing_run(day=date(2026, 12, 31))
    # 14-30 Dec at 5 (85) + 31 Dec at 7 (7) = 92 seat-days: 9200/31 = 296.77.
    assert result.amount_debited == Decimal("296.77")
    assert charges(sub) == [
        (
            date(2026, 12, 14),
            date(2026, 12, 31),
            92,
            Decimal("296.77"),
            Decimal("178.06"),
            "closed",
        ),
        (date(2027, 1, 1), date(2027, 1, 12), 84, Decimal("270.97"), Decimal("162.58"), "open"),
    ]
    client.refresh_from_db()
    assert client.balance == Decimal("703.23")
    assert_invariants(day=date(2026, 12, 31))


def test_change_effective_on_renewal_day_renews_at_the_new_count():
    _, _client, sub = seed_active(pay="2000.00")
    seat_change_request(subscription=sub, seats=7, at=msk(2027, 1, 12, 12))  # → 13 Jan
    billing_run(day=date(2026, 12, 31))
    seat_changes_apply_due(day=date(2027, 1, 13))
    # No open charge holds a day from 13 Jan: the ending period keeps its 5 seats.
    assert charges(sub)[1][2:4] == (60, Decimal("193.55"))
    billing_run(day=date(2027, 1, 13))
    # 13-31 Jan: 19 × 7 = 133 → 429.03; 1-11 Feb: 11 × 7 = 77 → 275.00.
    assert [c[2:4] for c in charges(sub)[2:]] == [
        (133, Decimal("429.03")),
        (77, Decimal("275.00")),
    ]
    assert_invariants(day=date(2027, 1, 13))


def test_newer_request_replaces_the_pending_one():
    _, _client, sub = seed_active(pay="1000.00")
    first = seat_change_request(subscription=sub, seats=8, at=msk(2026, 12, 20, 12))
    second = seat_change_request(subscription=sub, seats=3, at=msk(2026, 12, 20, 13))
    first.refresh_from_db()
    assert (first.status, first.decided_on) == (SeatChangeStatus.CANCELLED, date(2026, 12, 20))
    assert list(
        SeatChange.objects.filter(subscription=sub, status=SeatChangeStatus.PENDING).values_list(
            "pk", "seats"
        )
    ) == [(second.pk, 3)]

    assert seat_changes_apply_due(day=date(2026, 12, 21)).applied == 1
    sub.refresh_from_db()
    assert sub.seats == 3
    # 35 + 11 × 3 = 68 → 219.35; 12 × 3 = 36 → 116.13.
    assert [c[2:4] for c in charges(sub)] == [(68, Decimal("219.35")), (36, Decimal("116.13"))]
    assert [p["quantity"] for p, _ in quantity_commands(sub)] == [3]
    assert_invariants(day=date(2026, 12, 21))


def test_request_on_a_pending_payment_subscription_is_refused():
    plan = ResellerPlanFactory()
    client = ClientFactory(reseller=plan.reseller)
    sub = order_confirm(
        order=order_create(client=client, reseller_plan=plan, seats=5), at=msk(2026, 12, 14)
    )
    assert sub.status == SubscriptionStatus.PENDING_PAYMENT
    before = snapshot()
    with pytest.raises(Conflict) as exc:
        seat_change_request(subscription=sub, seats=6, at=msk(2026, 12, 14, 13))
    assert exc.value.field == "subscription"
    assert snapshot() == before


def test_request_on_a_suspended_subscription_is_refused():
    _, _client, sub = seed_active(pay="483.87")
    billing_run(day=date(2027, 1, 13))
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.SUSPENDED
    before = snapshot()
    with pytest.raises(Conflict) as exc:
        seat_change_request(subscription=sub, seats=3, at=msk(2027, 1, 14))
    assert exc.value.field == "subscription"
    assert snapshot() == before
    assert_invariants(day=date(2027, 1, 14))


def test_decrease_needs_no_funds():
    _, client, sub = seed_active(pay="483.87")
    assert available(client) == Decimal("0.00")
    seat_change_request(subscription=sub, seats=3, at=msk(2026, 12, 20, 0, 10))
    assert seat_changes_apply_due(day=date(2026, 12, 20)).applied == 1
    # 6 × 5 + 12 × 3 = 66 seat-days → 212.90; 12 × 3 = 36 → 116.13: 164.84 freed.
    assert [c[2:4] for c in charges(sub)] == [(66, Decimal("212.90")), (36, Decimal("116.13"))]
    assert available(client) == Decimal("154.84")
    assert_invariants(day=date(2026, 12, 20))


def test_cancelled_request_is_not_applied():
    _, _, sub = seed_active()
    change = seat_change_request(subscription=sub, seats=3, at=msk(2026, 12, 20, 12))
    change = seat_change_cancel(seat_change=change, at=msk(2026, 12, 20, 13))
    assert (change.status, change.decided_on) == (SeatChangeStatus.CANCELLED, date(2026, 12, 20))
    with pytest.raises(Conflict) as exc:
        seat_change_cancel(seat_change=change, at=msk(2026, 12, 20, 14))
    assert exc.value.field == "seat_change"
    assert seat_changes_apply_due(day=date(2026, 12, 21)).applied == 0
    sub.refresh_from_db()
    assert sub.seats == 5
    assert charges(sub) == SEED_CHARGES
    assert quantity_commands(sub) == []
