"""The billing rules over the database (DESIGN.md §4.3-4.5): reservation and closing,
activation, renewal, suspension, resumption, cancellation. Every amount is worked out by
hand from `round_half_up(seat_days × price / days_in_month)` per charge."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from accounts.models import Client
from billing.models import BalanceEntry, Charge, ChargeStatus, ServicePeriod
from billing.selectors import client_available_balance, client_reserved
from billing.services import billing_run, payment_register
from eset_gateway.models import CommandKind, GatewayCommand
from notifications.models import Notification, NotificationKind
from orders.models import Order, OrderStatus, Subscription, SubscriptionStatus
from orders.services import order_confirm, order_create, subscription_set_auto_renew
from plans.models import BillingCycle
from plans.services import reseller_plan_set_seat_price
from tests.factories import ClientFactory, ResellerPlanFactory, VendorPlanFactory, msk
from tests.invariants import assert_invariants

pytestmark = pytest.mark.django_db


def plan_(seat_price="100.00", purchase_price="60.00", **vendor):
    return ResellerPlanFactory(
        vendor_plan=VendorPlanFactory(purchase_price=Decimal(purchase_price), **vendor),
        seat_price=None if seat_price is None else Decimal(seat_price),
    )


def charges(sub):
    return [
        (c.date_from, c.date_to, c.closes_on, c.amount, c.status)
        for c in Charge.objects.filter(subscription=sub).order_by("date_from")
    ]


def periods(sub):
    return list(
        ServicePeriod.objects.filter(subscription=sub)
        .order_by("starts_on")
        .values_list("starts_on", "expires_on")
    )


def balance(client):
    client.refresh_from_db()
    return client.balance


def available(client):
    client.refresh_from_db()
    return client_available_balance(client=client)


def seed_active(pay="1000.00", seats=5, plan=None):
    """The seed's subscription (S10): 5 seats at 100.00, confirmed and paid on 14 Dec 2026.
    Its charges: 14-31 Dec 290.32 (closes 31 Dec), 1-12 Jan 193.55 (closes 13 Jan)."""
    plan = plan or plan_()
    client = ClientFactory(reseller=plan.reseller)
    order = order_create(client=client, reseller_plan=plan, seats=seats)
    sub = order_confirm(order=order, at=msk(2026, 12, 14, 10))
    order.refresh_from_db()
    payment_register(client=client, amount=Decimal(pay), at=msk(2026, 12, 14, 11), order=order)
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.ACTIVE
    return plan, client, sub


def kinds(sub, kind):
    return list(
        Notification.objects.filter(subscription=sub, kind=kind)
        .order_by("id")
        .values_list("recipient_id", "email_to")
    )


def commands(sub):
    return list(
        GatewayCommand.objects.filter(subscription=sub)
        .order_by("id")
        .values_list("kind", flat=True)
    )


# --------------------------------------------------------------------------- §4.3


def test_open_charges_reserve_the_available_balance():
    _, client, _sub = seed_active(pay="1000.00")
    assert balance(client) == Decimal("1000.00")
    assert client_reserved(client=client) == Decimal("483.87")  # 290.32 + 193.55
    assert available(client) == Decimal("516.13")
    # No ledger entry for an open charge: only the payment is there.
    assert list(BalanceEntry.objects.filter(client=client).values_list("kind", "amount")) == [
        ("payment", Decimal("1000.00"))
    ]

    billing_run(day=date(2026, 12, 31))
    # Closing moves money from "reserved" to "debited": the available amount stays.
    assert balance(client) == Decimal("709.68")
    assert client_reserved(client=client) == Decimal("193.55")
    assert available(client) == Decimal("516.13")
    assert_invariants(day=date(2026, 12, 31))


def test_closing_debits_once_on_the_closing_day():
    _, client, sub = seed_active(pay="1000.00")
    assert billing_run(day=date(2026, 12, 30)).charges_closed == 0
    assert balance(client) == Decimal("1000.00")

    result = billing_run(day=date(2026, 12, 31))
    assert (result.charges_closed, result.amount_debited) == (1, Decimal("290.32"))
    dec = Charge.objects.get(subscription=sub, date_from=date(2026, 12, 14))
    assert (dec.status, dec.closed_on) == (ChargeStatus.CLOSED, date(2026, 12, 31))
    entry = BalanceEntry.objects.get(charge=dec)
    assert (entry.kind, entry.amount, entry.balance_after, entry.day) == (
        "charge",
        Decimal("-290.32"),
        Decimal("709.68"),
        date(2026, 12, 31),
    )

    # The same day twice, and a later day with nothing due, debit nothing more.
    again = billing_run(day=date(2026, 12, 31))
    assert (again.charges_closed, again.amount_debited) == (0, Decimal("0.00"))
    assert billing_run(day=date(2027, 1, 5)).charges_closed == 0
    assert BalanceEntry.objects.filter(client=client, kind="charge").count() == 1
    assert balance(client) == Decimal("709.68")
    assert_invariants(day=date(2027, 1, 5))


def test_catch_up_closes_earlier_charges_and_renews_from_expires_on():
    _, client, sub = seed_active(pay="1000.00")
    # Nothing ran from 14 Dec to 20 Jan: the run for 20 Jan does it all.
    result = billing_run(day=date(2027, 1, 20))
    assert (result.charges_closed, result.renewed, result.suspended) == (2, 1, 0)
    assert result.amount_debited == Decimal("483.87")
    sub.refresh_from_db()
    # The renewal starts on the old period's expires_on (13 Jan), not on the run day.
    assert periods(sub) == [
        (date(2026, 12, 14), date(2027, 1, 13)),
        (date(2027, 1, 13), date(2027, 2, 12)),
    ]
    assert sub.expires_on == date(2027, 2, 12)
    assert charges(sub) == [
        (date(2026, 12, 14), date(2026, 12, 31), date(2026, 12, 31), Decimal("290.32"), "closed"),
        (date(2027, 1, 1), date(2027, 1, 12), date(2027, 1, 13), Decimal("193.55"), "closed"),
        (date(2027, 1, 13), date(2027, 1, 31), date(2027, 1, 31), Decimal("306.45"), "open"),
        (date(2027, 2, 1), date(2027, 2, 11), date(2027, 2, 12), Decimal("196.43"), "open"),
    ]
    # Each debit is dated on its charge's closing day.
    assert list(
        BalanceEntry.objects.filter(client=client, kind="charge")
        .order_by("id")
        .values_list("day", "amount", "balance_after")
    ) == [
        (date(2026, 12, 31), Decimal("-290.32"), Decimal("709.68")),
        (date(2027, 1, 13), Decimal("-193.55"), Decimal("516.13")),
    ]
    # The renewal notification speaks of the renewed period, dated from 13 Jan.
    renewed = Notification.objects.get(subscription=sub, kind=NotificationKind.RENEWED)
    assert renewed.payload["starts_on"] == "2027-01-13"
    assert renewed.payload["last_day"] == "2027-02-11"
    assert renewed.payload["amount"] == "502.88"
    assert_invariants(day=date(2027, 1, 20))


def test_catch_up_over_two_renewals():
    _, client, sub = seed_active(pay="2000.00")
    result = billing_run(day=date(2027, 2, 15))
    # Closed: 290.32 + 193.55 + 306.45 + 196.43 = 986.75; renewed on 13 Jan and 12 Feb.
    assert (result.charges_closed, result.renewed, result.amount_debited) == (
        4,
        2,
        Decimal("986.75"),
    )
    assert periods(sub) == [
        (date(2026, 12, 14), date(2027, 1, 13)),
        (date(2027, 1, 13), date(2027, 2, 12)),
        (date(2027, 2, 12), date(2027, 3, 14)),
    ]
    # 12-28 Feb: 85 × 100 / 28 = 303.57; 1-13 Mar: 65 × 100 / 31 = 209.68.
    assert charges(sub)[4:] == [
        (date(2027, 2, 12), date(2027, 2, 28), date(2027, 2, 28), Decimal("303.57"), "open"),
        (date(2027, 3, 1), date(2027, 3, 13), date(2027, 3, 14), Decimal("209.68"), "open"),
    ]
    assert balance(client) == Decimal("1013.25")
    assert available(client) == Decimal("500.00")
    assert_invariants(day=date(2027, 2, 15))


def test_same_day_twice_changes_nothing():
    _, client, _sub = seed_active(pay="1000.00")
    billing_run(day=date(2027, 1, 13))

    def state():
        return (
            list(BalanceEntry.objects.order_by("id").values_list("id", "amount")),
            list(Charge.objects.order_by("id").values_list("id", "status", "amount")),
            ServicePeriod.objects.count(),
            Notification.objects.count(),
            GatewayCommand.objects.count(),
            list(Subscription.objects.values_list("id", "status", "expires_on")),
            balance(client),
        )

    before = state()
    result = billing_run(day=date(2027, 1, 13))
    assert (result.charges_closed, result.renewed, result.suspended, result.cancelled) == (
        0,
        0,
        0,
        0,
    )
    assert state() == before
    assert_invariants(day=date(2027, 1, 13))


# --------------------------------------------------------------------------- §4.4


def test_confirm_with_enough_balance_activates_at_once():
    plan = plan_()
    client = ClientFactory(reseller=plan.reseller)
    payment_register(client=client, amount=Decimal("500.00"), at=msk(2026, 12, 10))
    order = order_create(client=client, reseller_plan=plan, seats=5)
    sub = order_confirm(order=order, at=msk(2026, 12, 14, 10))
    assert sub.status == SubscriptionStatus.ACTIVE
    assert sub.expires_on == date(2027, 1, 13)
    assert sub.activated_at == msk(2026, 12, 14, 10)
    order.refresh_from_db()
    assert (order.status, order.amount_due) == (OrderStatus.COMPLETED, Decimal("483.87"))
    assert periods(sub) == [(date(2026, 12, 14), date(2027, 1, 13))]
    assert [c[3] for c in charges(sub)] == [Decimal("290.32"), Decimal("193.55")]
    assert available(client) == Decimal("16.13")
    # An ESET licence is ordered through the outbox, for 5 seats of the plan's product.
    create = GatewayCommand.objects.get(subscription=sub)
    assert create.kind == CommandKind.CREATE
    assert create.payload["quantity"] == 5
    assert create.payload["product_code"] == plan.vendor_plan.product_code
    assert_invariants(day=date(2026, 12, 14))


def test_confirm_with_too_little_stays_pending_then_payments_activate_on_payment_day():
    plan = plan_()
    client = ClientFactory(reseller=plan.reseller)
    order = order_create(client=client, reseller_plan=plan, seats=5)
    sub = order_confirm(order=order, at=msk(2027, 1, 20, 10))
    order.refresh_from_db()
    # As if it started 20 Jan: 20-31 Jan 60 × 100 / 31 = 193.55; 1-18 Feb 90 × 100 / 28 =
    # 321.43; total 514.98.
    assert (sub.status, order.status, order.amount_due) == (
        SubscriptionStatus.PENDING_PAYMENT,
        OrderStatus.CONFIRMED,
        Decimal("514.98"),
    )
    assert Charge.objects.filter(subscription=sub).count() == 0
    assert GatewayCommand.objects.filter(subscription=sub).count() == 0

    # A partial payment on 1 Feb: a period from 1 Feb costs 500.00 + 32.26 = 532.26.
    payment_register(client=client, amount=Decimal("300.00"), at=msk(2027, 2, 1), order=order)
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.PENDING_PAYMENT

    # The balance reaches the confirmation's amount_due (514.98), but a period from 5 Feb
    # costs 24 × 5 × 100 / 28 = 428.57 + 30 × 100 / 31 = 96.77 = 525.34: still pending.
    payment_register(client=client, amount=Decimal("214.98"), at=msk(2027, 2, 5, 9), order=order)
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.PENDING_PAYMENT
    assert balance(client) == Decimal("514.98")

    # 10.36 more on 5 Feb (given in UTC: 4 Feb 22:00 UTC is 5 Feb 01:00 in Moscow)
    # makes exactly 525.34.
    paid_at = datetime(2027, 2, 4, 22, 0, tzinfo=UTC)
    payment_register(client=client, amount=Decimal("10.36"), at=paid_at, order=order)
    sub.refresh_from_db()
    order.refresh_from_db()
    assert sub.status == SubscriptionStatus.ACTIVE
    assert sub.activated_at == paid_at
    assert order.status == OrderStatus.COMPLETED
    assert periods(sub) == [(date(2027, 2, 5), date(2027, 3, 7))]
    assert charges(sub) == [
        (date(2027, 2, 5), date(2027, 2, 28), date(2027, 2, 28), Decimal("428.57"), "open"),
        (date(2027, 3, 1), date(2027, 3, 6), date(2027, 3, 7), Decimal("96.77"), "open"),
    ]
    assert available(client) == Decimal("0.00")
    assert commands(sub) == [CommandKind.CREATE]
    assert_invariants(day=date(2027, 2, 5))


def two_pending(seats=5):
    plan = plan_()
    client = ClientFactory(reseller=plan.reseller)
    older = order_create(client=client, reseller_plan=plan, seats=seats)
    older_sub = order_confirm(order=older, at=msk(2026, 12, 14, 10))
    newer = order_create(client=client, reseller_plan=plan, seats=seats)
    newer_sub = order_confirm(order=newer, at=msk(2026, 12, 14, 11))
    older.refresh_from_db()
    newer.refresh_from_db()
    assert older_sub.status == newer_sub.status == SubscriptionStatus.PENDING_PAYMENT
    return client, (older, older_sub), (newer, newer_sub)


def test_pending_orders_served_oldest_first():
    client, (_, older_sub), (_, newer_sub) = two_pending()
    # 600.00 covers one period of 483.87, not two.
    payment_register(client=client, amount=Decimal("600.00"), at=msk(2026, 12, 14, 12))
    older_sub.refresh_from_db()
    newer_sub.refresh_from_db()
    assert (older_sub.status, newer_sub.status) == (
        SubscriptionStatus.ACTIVE,
        SubscriptionStatus.PENDING_PAYMENT,
    )
    assert available(client) == Decimal("116.13")

    # The next payment serves the one left waiting.
    payment_register(client=client, amount=Decimal("400.00"), at=msk(2026, 12, 14, 13))
    newer_sub.refresh_from_db()
    assert newer_sub.status == SubscriptionStatus.ACTIVE
    assert available(client) == Decimal("32.26")  # 1000.00 − 2 × 483.87
    assert_invariants(day=date(2026, 12, 14))


def test_payment_for_a_named_order_serves_it_first():
    client, (older, older_sub), (newer, newer_sub) = two_pending()
    payment_register(client=client, amount=Decimal("600.00"), at=msk(2026, 12, 14, 12), order=newer)
    older_sub.refresh_from_db()
    newer_sub.refresh_from_db()
    assert (older_sub.status, newer_sub.status) == (
        SubscriptionStatus.PENDING_PAYMENT,
        SubscriptionStatus.ACTIVE,
    )
    assert Order.objects.get(pk=newer.pk).status == OrderStatus.COMPLETED
    assert Order.objects.get(pk=older.pk).status == OrderStatus.CONFIRMED
    assert_invariants(day=date(2026, 12, 14))


def test_confirming_a_newer_order_does_not_jump_an_older_one_that_fits():
    """§4.4: pending orders of a client are served oldest first. A is confirmed on 1 Feb
    2027 and needs 500.00 + 32.26 = 532.26; the client pays 500.00 and A waits. On 1 Mar a
    30-day period costs only 150 × 100 / 31 = 483.87, and the client confirms B (same 5
    seats). Serving on B's confirmation must activate the older A (483.87 ≤ 500.00) and
    leave B waiting (16.13 left)."""
    plan = plan_()
    client = ClientFactory(reseller=plan.reseller)
    a = order_create(client=client, reseller_plan=plan, seats=5)
    sub_a = order_confirm(order=a, at=msk(2027, 2, 1, 10))
    payment_register(client=client, amount=Decimal("500.00"), at=msk(2027, 2, 1, 11))
    sub_a.refresh_from_db()
    assert sub_a.status == SubscriptionStatus.PENDING_PAYMENT

    b = order_create(client=client, reseller_plan=plan, seats=5)
    sub_b = order_confirm(order=b, at=msk(2027, 3, 1, 10))
    sub_a.refresh_from_db()
    # Regression (fixed in 2a79986): order_confirm used to serve the order just confirmed
    # first (first_order_id=B), activating the newer B while the older A kept waiting.
    assert (sub_a.status, sub_b.status) == (
        SubscriptionStatus.ACTIVE,
        SubscriptionStatus.PENDING_PAYMENT,
    )
    assert charges(sub_a) == [
        (date(2027, 3, 1), date(2027, 3, 30), date(2027, 3, 31), Decimal("483.87"), "open")
    ]
    assert_invariants(day=date(2027, 3, 1))


def test_cost_uses_purchase_price_and_amount_the_seat_price():
    plan = plan_(seat_price="100.00", purchase_price="80.00")
    _, _client, sub = seed_active(plan=plan)
    assert list(
        Charge.objects.filter(subscription=sub).order_by("date_from").values_list("amount", "cost")
    ) == [
        (Decimal("290.32"), Decimal("232.26")),  # 90 × 80 / 31 = 232.258
        (Decimal("193.55"), Decimal("154.84")),  # 60 × 80 / 31 = 154.838
    ]
    period = ServicePeriod.objects.get(subscription=sub)
    assert (period.seat_price, period.purchase_price) == (Decimal("100.00"), Decimal("80.00"))


def test_plan_without_seat_price_bills_at_purchase_price():
    # S4: no seat price set, the licences sell at the purchase price (no margin).
    plan = plan_(seat_price=None, purchase_price="60.00")
    client = ClientFactory(reseller=plan.reseller)
    order = order_create(client=client, reseller_plan=plan, seats=5)
    sub = order_confirm(order=order, at=msk(2026, 12, 14, 10))
    order.refresh_from_db()
    # 90 × 60 / 31 = 174.19; 60 × 60 / 31 = 116.13.
    assert order.amount_due == Decimal("290.32")
    payment_register(client=client, amount=Decimal("290.32"), at=msk(2026, 12, 14, 11))
    assert list(
        Charge.objects.filter(subscription=sub).order_by("date_from").values_list("amount", "cost")
    ) == [
        (Decimal("174.19"), Decimal("174.19")),
        (Decimal("116.13"), Decimal("116.13")),
    ]
    assert ServicePeriod.objects.get(subscription=sub).seat_price == Decimal("60.00")
    assert_invariants(day=date(2026, 12, 14))


# --------------------------------------------------------------------------- §4.5


def test_renewal_with_funds_tells_the_owner():
    _, client, sub = seed_active(pay="1000.00")
    billing_run(day=date(2026, 12, 31))
    result = billing_run(day=date(2027, 1, 13))
    assert (result.charges_closed, result.renewed, result.suspended) == (1, 1, 0)
    sub.refresh_from_db()
    assert (sub.status, sub.expires_on) == (SubscriptionStatus.ACTIVE, date(2027, 2, 12))
    assert kinds(sub, NotificationKind.RENEWED) == [(client.owner_id, client.owner.email)]
    # Renewal is not an ESET event: only the create of the activation is in the outbox.
    assert commands(sub) == [CommandKind.CREATE]
    assert balance(client) == Decimal("516.13")
    assert available(client) == Decimal("13.25")  # 516.13 − (306.45 + 196.43)
    assert_invariants(day=date(2027, 1, 13))


def suspended_seed():
    """The seed subscription paid exactly (483.87): nothing is left for the renewal."""
    plan, client, sub = seed_active(pay="483.87")
    result = billing_run(day=date(2027, 1, 13))
    assert (result.charges_closed, result.renewed, result.suspended) == (2, 0, 1)
    sub.refresh_from_db()
    return plan, client, sub


def test_renewal_refused_for_lack_of_funds_suspends():
    plan, client, sub = suspended_seed()
    assert (sub.status, sub.suspended_on, sub.expires_on) == (
        SubscriptionStatus.SUSPENDED,
        date(2027, 1, 13),
        date(2027, 1, 13),
    )
    assert periods(sub) == [(date(2026, 12, 14), date(2027, 1, 13))]
    assert balance(client) == Decimal("0.00")
    assert commands(sub) == [CommandKind.CREATE, CommandKind.SUSPEND]
    # The owner and the reseller are both told how much to pay.
    assert kinds(sub, NotificationKind.RENEWAL_FAILED) == [
        (client.owner_id, client.owner.email),
        (None, plan.reseller.email),
    ]
    for n in Notification.objects.filter(kind=NotificationKind.RENEWAL_FAILED):
        assert n.reseller_id == plan.reseller_id
        assert n.payload["amount"] == "502.88"  # 306.45 + 196.43
        assert n.payload["amount_due"] == "502.88"
        assert n.payload["suspended_on"] == "2027-01-13"
        assert n.payload["cancel_on"] == "2027-02-12"
    # Nothing is formed for the refused period.
    assert Charge.objects.filter(subscription=sub).count() == 2
    assert_invariants(day=date(2027, 1, 13))


def test_suspension_found_late_is_dated_on_expires_on():
    _, _client, sub = seed_active(pay="483.87")
    billing_run(day=date(2027, 1, 20))
    sub.refresh_from_db()
    assert (sub.status, sub.suspended_on) == (SubscriptionStatus.SUSPENDED, date(2027, 1, 13))
    n = Notification.objects.filter(kind=NotificationKind.RENEWAL_FAILED).first()
    assert n.payload["cancel_on"] == "2027-02-12"
    assert_invariants(day=date(2027, 1, 20))


def test_later_payment_resumes_with_a_new_period_from_the_payment_day():
    _, client, sub = suspended_seed()
    # A period from 20 Jan: 60 × 100 / 31 = 193.55 + 90 × 100 / 28 = 321.43 = 514.98.
    payment_register(client=client, amount=Decimal("500.00"), at=msk(2027, 1, 20, 10))
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.SUSPENDED
    payment_register(client=client, amount=Decimal("14.98"), at=msk(2027, 1, 20, 15))
    sub.refresh_from_db()
    assert (sub.status, sub.suspended_on, sub.expires_on) == (
        SubscriptionStatus.ACTIVE,
        None,
        date(2027, 2, 19),
    )
    assert periods(sub) == [
        (date(2026, 12, 14), date(2027, 1, 13)),
        (date(2027, 1, 20), date(2027, 2, 19)),
    ]
    assert charges(sub)[2:] == [
        (date(2027, 1, 20), date(2027, 1, 31), date(2027, 1, 31), Decimal("193.55"), "open"),
        (date(2027, 2, 1), date(2027, 2, 18), date(2027, 2, 19), Decimal("321.43"), "open"),
    ]
    assert commands(sub) == [CommandKind.CREATE, CommandKind.SUSPEND, CommandKind.RESUME]
    resumed = Notification.objects.get(subscription=sub, kind=NotificationKind.RESUMED)
    assert resumed.recipient_id == client.owner_id
    assert (resumed.payload["starts_on"], resumed.payload["last_day"]) == (
        "2027-01-20",
        "2027-02-18",
    )
    assert resumed.payload["amount"] == "514.98"
    assert available(client) == Decimal("0.00")

    # The resumed subscription is no longer cancelled when its old grace date comes.
    billing_run(day=date(2027, 2, 12))
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.ACTIVE
    assert_invariants(day=date(2027, 2, 12))


def test_grace_period_cancels_on_suspended_on_plus_30_not_before():
    plan, client, sub = suspended_seed()
    assert plan.vendor_plan.suspension_grace_days == 30
    assert billing_run(day=date(2027, 2, 11)).cancelled == 0
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.SUSPENDED

    assert billing_run(day=date(2027, 2, 12)).cancelled == 1
    sub.refresh_from_db()
    assert (sub.status, sub.cancelled_on) == (SubscriptionStatus.CANCELLED, date(2027, 2, 12))
    assert kinds(sub, NotificationKind.CANCELLED) == [
        (client.owner_id, client.owner.email),
        (None, plan.reseller.email),
    ]
    assert billing_run(day=date(2027, 2, 12)).cancelled == 0
    # A payment after the cancellation does not bring it back.
    payment_register(client=client, amount=Decimal("1000.00"), at=msk(2027, 2, 13))
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.CANCELLED
    assert balance(client) == Decimal("1000.00")
    assert_invariants(day=date(2027, 2, 13))


def test_grace_period_is_a_plan_setting_and_caught_up():
    plan = plan_(suspension_grace_days=5)
    _, _client, sub = seed_active(pay="483.87", plan=plan)
    # One late run for 1 Feb: suspended on 13 Jan, cancelled on 18 Jan.
    result = billing_run(day=date(2027, 2, 1))
    assert (result.suspended, result.cancelled) == (1, 1)
    sub.refresh_from_db()
    assert (sub.status, sub.suspended_on, sub.cancelled_on) == (
        SubscriptionStatus.CANCELLED,
        date(2027, 1, 13),
        date(2027, 1, 18),
    )
    assert_invariants(day=date(2027, 2, 1))


def test_auto_renew_off_ends_at_expires_on():
    _plan, client, sub = seed_active(pay="2000.00")
    subscription_set_auto_renew(subscription=sub, auto_renew=False)
    billing_run(day=date(2027, 1, 12))
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.ACTIVE
    result = billing_run(day=date(2027, 1, 15))  # late: still ends on 13 Jan
    assert (result.ended, result.renewed, result.suspended) == (1, 0, 0)
    sub.refresh_from_db()
    assert (sub.status, sub.cancelled_on, sub.expires_on) == (
        SubscriptionStatus.CANCELLED,
        date(2027, 1, 13),
        date(2027, 1, 13),
    )
    assert periods(sub) == [(date(2026, 12, 14), date(2027, 1, 13))]
    assert commands(sub) == [CommandKind.CREATE, CommandKind.SUSPEND]
    assert len(kinds(sub, NotificationKind.CANCELLED)) == 2
    assert balance(client) == Decimal("1516.13")
    assert available(client) == Decimal("1516.13")
    assert_invariants(day=date(2027, 1, 15))


def test_price_change_applies_to_the_next_period_only():
    plan, _client, sub = seed_active(pay="2000.00")
    reseller_plan_set_seat_price(reseller_plan=plan, seat_price=Decimal("120.00"))
    plan.vendor_plan.purchase_price = Decimal("70.00")
    plan.vendor_plan.save()
    # The running period keeps its frozen prices.
    assert list(
        Charge.objects.filter(subscription=sub).order_by("date_from").values_list("amount", "cost")
    ) == [(Decimal("290.32"), Decimal("174.19")), (Decimal("193.55"), Decimal("116.13"))]

    billing_run(day=date(2027, 1, 13))
    # 13-31 Jan: 95 × 120 / 31 = 367.74 (cost 95 × 70 / 31 = 214.52);
    # 1-11 Feb: 55 × 120 / 28 = 235.71 (cost 55 × 70 / 28 = 137.50).
    assert list(
        Charge.objects.filter(subscription=sub, date_from__gte=date(2027, 1, 13))
        .order_by("date_from")
        .values_list("amount", "cost")
    ) == [(Decimal("367.74"), Decimal("214.52")), (Decimal("235.71"), Decimal("137.50"))]
    assert list(
        ServicePeriod.objects.filter(subscription=sub)
        .order_by("starts_on")
        .values_list("seat_price", "purchase_price")
    ) == [(Decimal("100.00"), Decimal("60.00")), (Decimal("120.00"), Decimal("70.00"))]
    assert_invariants(day=date(2027, 1, 13))


def test_calendar_month_plan_renews_on_its_anchor_and_closes_same_day_charge():
    plan = plan_(billing_cycle=BillingCycle.CALENDAR_MONTH)
    client = ClientFactory(reseller=plan.reseller)
    payment_register(client=client, amount=Decimal("500.00"), at=msk(2027, 1, 30))
    sub = order_confirm(
        order=order_create(client=client, reseller_plan=plan, seats=1), at=msk(2027, 1, 31, 9)
    )
    assert sub.expires_on == date(2027, 2, 28)
    # 31 Jan → 28 Feb: 100/31 = 3.23; 27 × 100 / 28 = 96.43.
    assert billing_run(day=date(2027, 1, 31)).charges_closed == 1
    result = billing_run(day=date(2027, 2, 28))
    # The renewal 28 Feb → 31 Mar (anchor 31) has a 1-day charge for 28 Feb (100/28 = 3.57)
    # that is due the same day: the run closes it too.
    assert (result.charges_closed, result.renewed) == (2, 1)
    sub.refresh_from_db()
    assert sub.expires_on == date(2027, 3, 31)
    assert charges(sub) == [
        (date(2027, 1, 31), date(2027, 1, 31), date(2027, 1, 31), Decimal("3.23"), "closed"),
        (date(2027, 2, 1), date(2027, 2, 27), date(2027, 2, 28), Decimal("96.43"), "closed"),
        (date(2027, 2, 28), date(2027, 2, 28), date(2027, 2, 28), Decimal("3.57"), "closed"),
        (date(2027, 3, 1), date(2027, 3, 30), date(2027, 3, 31), Decimal("96.77"), "open"),
    ]
    assert balance(client) == Decimal("396.77")  # 500 − 3.23 − 96.43 − 3.57
    billing_run(day=date(2027, 3, 31))
    sub.refresh_from_db()
    assert sub.expires_on == date(2027, 4, 30)
    assert_invariants(day=date(2027, 3, 31))


def test_renewal_when_money_covers_one_of_two_renews_one_and_suspends_the_other():
    """Two subscriptions of a client expire on the same day; the balance covers one
    renewal: one is renewed and the other suspended, and nothing goes negative."""
    plan = plan_()
    client = ClientFactory(reseller=plan.reseller)
    subs = []
    for hour in (10, 11):
        order = order_create(client=client, reseller_plan=plan, seats=5)
        subs.append(order_confirm(order=order, at=msk(2026, 12, 14, hour)))
    # 2 × 483.87 for the first periods + 502.88 for one renewal = 1470.62; 100 spare.
    payment_register(client=client, amount=Decimal("1570.62"), at=msk(2026, 12, 14, 12))
    result = billing_run(day=date(2027, 1, 13))
    assert (result.renewed, result.suspended) == (1, 1)
    statuses = sorted(Subscription.objects.filter(client=client).values_list("status", flat=True))
    assert statuses == [SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED]
    assert balance(client) == Decimal("602.88")
    assert available(client) == Decimal("100.00")
    assert Client.objects.get(pk=client.pk).balance >= 0
    assert_invariants(day=date(2027, 1, 13))
