"""Corrections (DESIGN.md §4.8) and cancelling now (§4.9), to the kopeck, on the seed's
example: 5 seats at 100.00 a month, bought 14 December 2026 (290.32 + 193.55 reserved)."""

from datetime import date
from decimal import Decimal

import pytest

from accounts.models import AuditAction, AuditEvent
from billing.models import BalanceEntry, Charge, ServicePeriod
from billing.selectors import client_available_balance
from billing.services import (
    balance_adjust,
    billing_run,
    cancel_quote,
    payment_register,
    payment_reverse,
    refund_register,
    subscription_cancel,
)
from config.errors import Conflict, InsufficientFunds, ValidationError
from core.reasons import Reason
from eset_gateway.models import CommandKind, GatewayCommand
from notifications.models import Notification, NotificationKind
from orders.models import SeatChange, SeatChangeStatus, SubscriptionStatus
from orders.services import order_confirm, order_create, seat_change_request
from tests.factories import (
    ClientFactory,
    ResellerPlanFactory,
    UserFactory,
    VendorPlanFactory,
    msk,
)
from tests.invariants import assert_invariants

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    plan = ResellerPlanFactory(
        vendor_plan=VendorPlanFactory(min_seats=5, max_seats=50, purchase_price=Decimal("80.00")),
        seat_price=Decimal("100.00"),
    )
    client = ClientFactory(reseller=plan.reseller)
    order = order_create(client=client, reseller_plan=plan)
    sub = order_confirm(order=order, at=msk(2026, 12, 14, 10))
    payment = payment_register(
        client=client, amount=Decimal("1000.00"), at=msk(2026, 12, 14, 11), order=order
    )
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.ACTIVE
    return plan, client, sub, payment, UserFactory(username="accountant@example.com")


def available(client):
    client.refresh_from_db()
    return client_available_balance(client=client)


def rows():
    return (
        list(BalanceEntry.objects.order_by("pk").values()),
        list(Charge.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )


# --------------------------------------------------------------------------- corrections


def test_a_duplicate_payment_is_reversed_once(world):
    _, client, _, _, who = world
    duplicate = payment_register(client=client, amount=Decimal("300.00"), at=msk(2026, 12, 15))
    entry = payment_reverse(
        payment=duplicate, reason=Reason.DUPLICATE_PAYMENT, at=msk(2026, 12, 15, 13), by=who
    )
    assert (entry.kind, entry.amount, entry.reversed_payment_id, entry.created_by) == (
        BalanceEntry.Kind.REVERSAL,
        Decimal("-300.00"),
        duplicate.pk,
        who,
    )
    client.refresh_from_db()
    assert client.balance == Decimal("1000.00")
    before = rows()
    with pytest.raises(Conflict):
        payment_reverse(
            payment=duplicate, reason=Reason.DUPLICATE_PAYMENT, at=msk(2026, 12, 15, 14), by=who
        )
    assert rows() == before
    event = AuditEvent.objects.get(action=AuditAction.PAYMENT_REVERSED)
    assert (event.actor, event.before, event.after["balance"]) == (
        who,
        {"balance": "1300.00"},
        "1000.00",
    )
    note = Notification.objects.get(kind=NotificationKind.BALANCE_CORRECTED)
    assert "сторно платежа №" in note.body and "платёж внесён дважды" in note.body
    assert_invariants()


def test_a_reversal_beyond_the_available_balance_is_refused(world):
    # 1000.00 paid, 483.87 reserved for the service: only 516.13 can be taken back.
    _, client, _, payment, who = world
    assert available(client) == Decimal("516.13")
    before = rows()
    with pytest.raises(InsufficientFunds) as error:
        payment_reverse(payment=payment, reason=Reason.WRONG_CLIENT, at=msk(2026, 12, 15), by=who)
    assert error.value.field == "amount" and "516,13" in error.value.message
    assert rows() == before


def test_a_refund_up_to_the_available_balance(world):
    _, client, _, _, who = world
    entry = refund_register(
        client=client, amount=Decimal("516.13"), at=msk(2026, 12, 16), by=who, reference="п/п 7"
    )
    assert (entry.kind, entry.amount, entry.reference) == (
        BalanceEntry.Kind.REFUND,
        Decimal("-516.13"),
        "п/п 7",
    )
    assert available(client) == Decimal("0.00")
    before = rows()
    with pytest.raises(InsufficientFunds):
        refund_register(client=client, amount=Decimal("0.01"), at=msk(2026, 12, 16), by=who)
    assert rows() == before
    assert_invariants()


@pytest.mark.parametrize(
    ("amount", "balance"),
    [
        (Decimal("25.50"), Decimal("1025.50")),
        ("-16.13", Decimal("983.87")),
        (-1, Decimal("999.00")),
    ],
)
def test_an_adjustment_either_way(world, amount, balance):
    _, client, _, _, who = world
    entry = balance_adjust(
        client=client, amount=amount, reason=Reason.GOODWILL, at=msk(2026, 12, 17), by=who
    )
    client.refresh_from_db()
    assert (entry.kind, client.balance) == (BalanceEntry.Kind.ADJUSTMENT, balance)
    assert_invariants()


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (
            lambda c, w: balance_adjust(
                client=c, amount="0", reason="goodwill", at=msk(2026, 12, 17), by=w
            ),
            "amount",
        ),
        (
            lambda c, w: balance_adjust(
                client=c, amount=1.5, reason="goodwill", at=msk(2026, 12, 17), by=w
            ),
            "amount",
        ),
        (
            lambda c, w: balance_adjust(
                client=c, amount="1", reason="why not", at=msk(2026, 12, 17), by=w
            ),
            "reason",
        ),
        (
            lambda c, w: balance_adjust(
                client=c, amount="-516.14", reason="other", at=msk(2026, 12, 17), by=w
            ),
            "amount",
        ),
        (
            lambda c, w: balance_adjust(
                client=c, amount="1", reason="other", at=msk(2026, 12, 17), by=None
            ),
            "by",
        ),
        (
            lambda c, w: refund_register(
                client=c, amount="1", at=msk(2026, 12, 17), by=w, reference="x" * 201
            ),
            "reference",
        ),
        (lambda c, w: refund_register(client=c, amount="-1", at=msk(2026, 12, 17), by=w), "amount"),
    ],
)
def test_bad_corrections_name_the_field_and_write_nothing(world, call, field):
    _, client, _, _, who = world
    before = rows()
    with pytest.raises((ValidationError, InsufficientFunds)) as error:
        call(client, who)
    assert error.value.field == field
    assert rows() == before


# --------------------------------------------------------------------------- cancel now


def charges(sub):
    return [
        (c.date_from, c.date_to, c.closes_on, c.amount, c.status)
        for c in Charge.objects.filter(subscription=sub).order_by("date_from")
    ]


def test_cancel_in_the_middle_of_a_charge(world):
    _, client, sub, _, who = world
    seat_change_request(subscription=sub, seats=6, at=msk(2026, 12, 19, 15))
    quote = cancel_quote(subscription=sub, day=date(2026, 12, 20))
    # 14–20 Dec: 7 days × 5 seats = 35 seat-days × 100 / 31 = 112.90; the rest is freed.
    assert (quote.last_day, quote.freed) == (date(2026, 12, 20), Decimal("370.97"))
    subscription_cancel(subscription=sub, at=msk(2026, 12, 20, 15), by=who)
    sub.refresh_from_db()
    assert (sub.status, sub.cancelled_on) == (SubscriptionStatus.CANCELLED, date(2026, 12, 20))
    assert charges(sub) == [
        (date(2026, 12, 14), date(2026, 12, 20), date(2026, 12, 20), Decimal("112.90"), "closed"),
        (date(2027, 1, 1), date(2027, 1, 12), date(2027, 1, 13), Decimal("193.55"), "cancelled"),
    ]
    client.refresh_from_db()
    assert client.balance == Decimal("887.10")
    assert available(client) == Decimal("887.10")  # nothing reserved any more
    assert ServicePeriod.objects.get(subscription=sub).cut_on == date(2026, 12, 20)
    assert SeatChange.objects.get(subscription=sub).status == SeatChangeStatus.CANCELLED
    assert GatewayCommand.objects.filter(subscription=sub, kind=CommandKind.SUSPEND).count() == 1
    told = Notification.objects.filter(subscription=sub, kind=NotificationKind.CANCELLED)
    assert told.count() == 2 and all("отменена по запросу" in n.body for n in told)
    assert AuditEvent.objects.get(action=AuditAction.SUBSCRIPTION_CANCELLED).actor == who
    billing_run(day=date(2026, 12, 31))
    billing_run(day=date(2027, 1, 13))
    client.refresh_from_db()
    assert client.balance == Decimal("887.10")  # nothing more is billed
    assert_invariants(day=date(2027, 1, 13))


def test_cancel_on_a_charges_closing_day(world):
    _, client, sub, _, _ = world
    billing_run(day=date(2026, 12, 31))  # the December charge closed at 00:30
    assert cancel_quote(subscription=sub, day=date(2026, 12, 31)).freed == Decimal("193.55")
    subscription_cancel(subscription=sub, at=msk(2026, 12, 31, 18))
    assert charges(sub) == [
        (date(2026, 12, 14), date(2026, 12, 31), date(2026, 12, 31), Decimal("290.32"), "closed"),
        (date(2027, 1, 1), date(2027, 1, 12), date(2027, 1, 13), Decimal("193.55"), "cancelled"),
    ]
    client.refresh_from_db()
    assert (client.balance, available(client)) == (Decimal("709.68"), Decimal("709.68"))
    assert_invariants(day=date(2026, 12, 31))


def test_cancel_on_a_charges_closing_day_before_the_run(world):
    _, client, sub, _, _ = world
    subscription_cancel(subscription=sub, at=msk(2026, 12, 31, 0, 10))  # before 00:30
    assert charges(sub)[0][3:] == (Decimal("290.32"), "closed")
    billing_run(day=date(2026, 12, 31))
    client.refresh_from_db()
    assert client.balance == Decimal("709.68")  # billed once
    assert_invariants(day=date(2026, 12, 31))


def test_cancel_across_a_month_boundary(world):
    _, client, sub, _, _ = world
    billing_run(day=date(2026, 12, 31))
    subscription_cancel(subscription=sub, at=msk(2027, 1, 5, 9))
    # 1–5 Jan: 25 seat-days × 100 / 31 = 80.65; 193.55 − 80.65 = 112.90 freed.
    assert charges(sub) == [
        (date(2026, 12, 14), date(2026, 12, 31), date(2026, 12, 31), Decimal("290.32"), "closed"),
        (date(2027, 1, 1), date(2027, 1, 5), date(2027, 1, 5), Decimal("80.65"), "closed"),
    ]
    client.refresh_from_db()
    assert client.balance == Decimal("629.03")
    assert_invariants(day=date(2027, 1, 5))


def test_cancel_a_suspended_subscription_bills_nothing_more(world):
    _, client, sub, _, who = world
    refund_register(client=client, amount=Decimal("516.13"), at=msk(2026, 12, 20), by=who)
    billing_run(day=date(2027, 1, 13))  # the renewal finds no money: suspended
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.SUSPENDED
    client.refresh_from_db()
    balance = client.balance
    subscription_cancel(subscription=sub, at=msk(2027, 1, 14), by=who)
    sub.refresh_from_db()
    client.refresh_from_db()
    assert (sub.status, client.balance) == (SubscriptionStatus.CANCELLED, balance)
    # The licence was suspended at the renewal's failure; it is not suspended twice.
    assert GatewayCommand.objects.filter(subscription=sub, kind=CommandKind.SUSPEND).count() == 1
    assert_invariants(day=date(2027, 1, 14))


def test_cancel_twice_is_refused_and_writes_nothing(world):
    _, _, sub, _, _ = world
    subscription_cancel(subscription=sub, at=msk(2026, 12, 20))
    before = rows()
    with pytest.raises(Conflict) as error:
        subscription_cancel(subscription=sub, at=msk(2026, 12, 21))
    assert error.value.field == "subscription"
    assert rows() == before
