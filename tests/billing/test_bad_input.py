"""Bad input for every domain service (DESIGN.md §4.7.4, §12): an ApplicationError subclass
naming the field, and nothing written. "Nothing" is checked over every row of every model
a service touches, the client's cached balance included."""

from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model

from accounts.models import AuditEvent, Client, Invitation, Membership, Requisites, Reseller
from accounts.services import (
    client_create,
    password_change,
    person_invite,
    person_set_language,
    reseller_create,
    reseller_set_reminder_days,
    reseller_user_create,
)
from billing.models import (
    BalanceEntry,
    Charge,
    FormSubmission,
    Payment,
    ReminderSent,
    ServicePeriod,
)
from billing.services import (
    balance_adjust,
    billing_run,
    payment_register,
    payment_reverse,
    refund_register,
    reminders_send,
    subscription_cancel,
)
from config.errors import ApplicationError, Conflict, InsufficientFunds, NotFound, ValidationError
from core.clock import MOSCOW
from documents.models import (
    Act,
    ActLine,
    BankStatement,
    DocumentCounter,
    Invoice,
    InvoiceLine,
    InvoicePayment,
    StatementLine,
    VatRate,
)
from eset_gateway.models import GatewayCommand
from notifications.models import Notification
from orders.models import Order, SeatChange, Subscription, SubscriptionEvent
from orders.services import (
    order_confirm,
    order_create,
    seat_change_request,
)
from plans.models import ResellerPlan, VendorPlan
from plans.services import (
    reseller_plan_activate,
    reseller_plan_deactivate,
    reseller_plan_publish,
    reseller_plan_set_seat_price,
)
from tests.factories import (
    ClientFactory,
    ResellerFactory,
    ResellerPlanFactory,
    VendorPlanFactory,
    msk,
)

pytestmark = pytest.mark.django_db

PEOPLE_AT = datetime(2026, 12, 1, 12, 0, tzinfo=MOSCOW)

MODELS = [
    get_user_model(),
    Reseller,
    Client,
    Membership,
    VendorPlan,
    ResellerPlan,
    Order,
    Subscription,
    SubscriptionEvent,
    Payment,
    BalanceEntry,
    Charge,
    ServicePeriod,
    SeatChange,
    Notification,
    GatewayCommand,
    AuditEvent,
    FormSubmission,
    Invitation,
    ReminderSent,
    Requisites,
    VatRate,
    DocumentCounter,
    Invoice,
    InvoiceLine,
    InvoicePayment,
    BankStatement,
    StatementLine,
    Act,
    ActLine,
]


def snapshot():
    """Every row of every model, with every column: a write of any kind shows."""
    return {m.__name__: list(m.objects.order_by("pk").values()) for m in MODELS}


@pytest.fixture
def w():
    """Reseller A (plans: published, unpublished, inactive, unavailable in the catalogue;
    clients A1 with an active 5-seat subscription, a confirmed unpaid order and a draft,
    A2 with a confirmed order) and reseller B (a plan, a client, a panel user)."""
    a = ResellerFactory()
    vendor = VendorPlanFactory(min_seats=2, max_seats=10, purchase_price=Decimal("60.00"))
    plan = ResellerPlanFactory(reseller=a, vendor_plan=vendor, seat_price=Decimal("100.00"))
    unpublished = ResellerPlanFactory(reseller=a, is_published=False)
    inactive = ResellerPlanFactory(
        reseller=a, status=ResellerPlan.Status.INACTIVE, is_published=False
    )
    unavailable_vendor = VendorPlanFactory(is_available=False)
    unavailable = ResellerPlanFactory(reseller=a, vendor_plan=unavailable_vendor)
    a1 = ClientFactory(reseller=a)
    a2 = ClientFactory(reseller=a)

    payment_register(client=a1, amount=Decimal("600.00"), at=msk(2026, 12, 14, 9))
    active = order_confirm(
        order=order_create(client=a1, reseller_plan=plan, seats=5), at=msk(2026, 12, 14, 10)
    )
    assert active.status == "active"
    pending = order_confirm(
        order=order_create(client=a1, reseller_plan=plan, seats=5), at=msk(2026, 12, 14, 11)
    )
    assert pending.status == "pending_payment"
    draft = order_create(client=a1, reseller_plan=plan, seats=3)
    a2_sub = order_confirm(
        order=order_create(client=a2, reseller_plan=plan), at=msk(2026, 12, 14, 12)
    )

    b = ResellerFactory()
    b_plan = ResellerPlanFactory(reseller=b)
    b1 = ClientFactory(reseller=b)
    b_user = reseller_user_create(reseller=b, username="b-manager", email="b@example.com")
    inactive_reseller = ResellerFactory(is_active=False)
    return SimpleNamespace(
        a=a,
        b=b,
        vendor=vendor,
        plan=plan,
        unpublished=unpublished,
        inactive=inactive,
        unavailable=unavailable,
        unavailable_vendor=unavailable_vendor,
        a1=a1,
        a2=a2,
        b1=b1,
        b_plan=b_plan,
        b_user=b_user,
        inactive_reseller=inactive_reseller,
        active=active,
        pending=pending,
        pending_order=Order.objects.get(pk=pending.order_id),
        completed_order=Order.objects.get(pk=active.order_id),
        draft=draft,
        a2_order=Order.objects.get(pk=a2_sub.order_id),
    )


def refused(call, error, field):
    before = snapshot()
    with pytest.raises(error) as exc:
        call()
    assert isinstance(exc.value, ApplicationError)
    assert exc.value.field == field
    assert exc.value.message
    assert snapshot() == before
    return exc.value


AT = msk(2026, 12, 20, 12)
NAIVE = datetime(2026, 12, 20, 12, 0)


# --------------------------------------------------------------------------- accounts

ACCOUNTS = {
    "reseller_empty_name": (lambda w: reseller_create(name="", email="x@example.com"), "name"),
    "reseller_blank_name": (lambda w: reseller_create(name="   ", email="x@example.com"), "name"),
    "reseller_none_name": (lambda w: reseller_create(name=None, email="x@example.com"), "name"),
    "reseller_long_name": (
        lambda w: reseller_create(name="Я" * 201, email="x@example.com"),
        "name",
    ),
    "reseller_bad_email": (lambda w: reseller_create(name="R", email="not-an-email"), "email"),
    "reseller_empty_email": (lambda w: reseller_create(name="R", email=""), "email"),
    "reseller_email_no_domain": (lambda w: reseller_create(name="R", email="x@"), "email"),
    "reseller_bad_inn": (
        lambda w: reseller_create(name="R", email="x@example.com", inn="12345"),
        "inn",
    ),
    "client_empty_name": (
        lambda w: client_create(reseller=w.a, name="", email="new@example.com"),
        "name",
    ),
    "client_long_name": (
        lambda w: client_create(reseller=w.a, name="x" * 201, email="new@example.com"),
        "name",
    ),
    "client_bad_email": (
        lambda w: client_create(reseller=w.a, name="C", email="new at example.com"),
        "email",
    ),
    "client_empty_email": (lambda w: client_create(reseller=w.a, name="C", email=""), "email"),
    "client_duplicate_email": (
        lambda w: client_create(reseller=w.a, name="C", email=w.a1.email),
        "email",
    ),
    "client_duplicate_email_other_case_other_reseller": (
        lambda w: client_create(reseller=w.b, name="C", email=w.a1.email.upper()),
        "email",
    ),
    "client_bad_inn": (
        lambda w: client_create(reseller=w.a, name="C", email="new@example.com", inn="abcdefghij"),
        "inn",
    ),
    "client_inactive_reseller": (
        lambda w: client_create(reseller=w.inactive_reseller, name="C", email="new@example.com"),
        "reseller",
    ),
    # People (issue 11): invitations, roles, the stored language, a password.
    "person_invite_bad_email": (
        lambda w: person_invite(reseller=w.a, email="nope", role="manager", at=PEOPLE_AT),
        "email",
    ),
    "person_invite_taken_email": (
        lambda w: person_invite(reseller=w.a, email=w.a1.email, role="manager", at=PEOPLE_AT),
        "email",
    ),
    "person_invite_client_role_for_staff": (
        lambda w: person_invite(reseller=w.a, email="s@example.com", role="viewer", at=PEOPLE_AT),
        "role",
    ),
    "person_invite_staff_role_for_client": (
        lambda w: person_invite(client=w.a1, email="p@example.com", role="manager", at=PEOPLE_AT),
        "role",
    ),
    "person_invite_owner_role": (
        lambda w: person_invite(client=w.a1, email="p@example.com", role="owner", at=PEOPLE_AT),
        "role",
    ),
    "person_invite_no_tenant": (
        lambda w: person_invite(email="p@example.com", role="admin", at=PEOPLE_AT),
        "tenant",
    ),
    "staff_bad_role": (
        lambda w: reseller_user_create(
            reseller=w.a, username="s", email="s@example.com", role="owner"
        ),
        "role",
    ),
    "language_unknown": (
        lambda w: person_set_language(user=w.a1.owner, language="de"),
        "language",
    ),
    # Renewal reminders (§4.10): whole days 1..60, at most five.
    "reminder_days_zero": (
        lambda w: reseller_set_reminder_days(reseller=w.a, days="7, 0"),
        "reminder_days",
    ),
    "reminder_days_too_far": (
        lambda w: reseller_set_reminder_days(reseller=w.a, days="61"),
        "reminder_days",
    ),
    "reminder_days_negative": (
        lambda w: reseller_set_reminder_days(reseller=w.a, days="-1"),
        "reminder_days",
    ),
    "reminder_days_fraction": (
        lambda w: reseller_set_reminder_days(reseller=w.a, days="7.5"),
        "reminder_days",
    ),
    "reminder_days_words": (
        lambda w: reseller_set_reminder_days(reseller=w.a, days="неделя"),
        "reminder_days",
    ),
    "reminder_days_too_many": (
        lambda w: reseller_set_reminder_days(reseller=w.a, days="1 2 3 4 5 6"),
        "reminder_days",
    ),
    "reminder_days_bool": (
        lambda w: reseller_set_reminder_days(reseller=w.a, days=[True]),
        "reminder_days",
    ),
    "reminder_days_not_a_list": (
        lambda w: reseller_set_reminder_days(reseller=w.a, days=7),
        "reminder_days",
    ),
    "password_wrong_old": (
        lambda w: password_change(user=w.a1.owner, old_password="x", new_password="Long-pw-2026"),
        "old_password",
    ),
}


@pytest.mark.parametrize("case", ACCOUNTS.keys())
def test_accounts_bad_input(w, case):
    call, field = ACCOUNTS[case]
    # A login another account holds is the state refusing (409, issue 9), not bad input.
    taken = case.startswith("client_duplicate_email") or case == "person_invite_taken_email"
    error = Conflict if taken else ValidationError
    refused(lambda: call(w), error, field)


# --------------------------------------------------------------------------- plans


def test_activate_unavailable_vendor_plan(w):
    vendor = VendorPlanFactory(is_available=False)
    refused(
        lambda: reseller_plan_activate(reseller=w.a, vendor_plan=vendor),
        ValidationError,
        "vendor_plan",
    )


@pytest.mark.parametrize(
    "price",
    [
        Decimal("-1.00"),
        "-0.01",
        "1.001",
        Decimal("0.005"),
        1.5,
        "abc",
        "",
        None,
        True,
        Decimal("NaN"),
        Decimal("Infinity"),
        "10000000000.00",
    ],
    ids=repr,
)
def test_set_seat_price_bad(w, price):
    refused(
        lambda: reseller_plan_set_seat_price(reseller_plan=w.plan, seat_price=price),
        ValidationError,
        "seat_price",
    )
    assert ResellerPlan.objects.get(pk=w.plan.pk).seat_price == Decimal("100.00")


def test_publish_inactive_plan(w):
    refused(lambda: reseller_plan_publish(reseller_plan=w.inactive), Conflict, "reseller_plan")
    assert not ResellerPlan.objects.get(pk=w.inactive.pk).is_published


# --------------------------------------------------------------------------- orders

ORDERS = {
    "seats_zero": (lambda w: order_create(client=w.a1, reseller_plan=w.plan, seats=0), "seats"),
    "seats_negative": (
        lambda w: order_create(client=w.a1, reseller_plan=w.plan, seats=-3),
        "seats",
    ),
    "seats_below_min": (
        lambda w: order_create(client=w.a1, reseller_plan=w.plan, seats=1),
        "seats",
    ),
    "seats_above_max": (
        lambda w: order_create(client=w.a1, reseller_plan=w.plan, seats=11),
        "seats",
    ),
    "seats_float": (lambda w: order_create(client=w.a1, reseller_plan=w.plan, seats=2.5), "seats"),
    "seats_text": (lambda w: order_create(client=w.a1, reseller_plan=w.plan, seats="abc"), "seats"),
    "seats_bool": (lambda w: order_create(client=w.a1, reseller_plan=w.plan, seats=True), "seats"),
    "seats_decimal": (
        lambda w: order_create(client=w.a1, reseller_plan=w.plan, seats=Decimal("3")),
        "seats",
    ),
}


@pytest.mark.parametrize("case", ORDERS.keys())
def test_order_create_bad_seats(w, case):
    call, field = ORDERS[case]
    # Outside the plan's limits is the plan's state refusing (409, issue 9), not bad input.
    error = Conflict if case in ("seats_below_min", "seats_above_max") else ValidationError
    refused(lambda: call(w), error, field)


def test_order_another_resellers_plan(w):
    refused(
        lambda: order_create(client=w.b1, reseller_plan=w.plan, seats=2), NotFound, "reseller_plan"
    )
    refused(
        lambda: order_create(client=w.a1, reseller_plan=w.b_plan, seats=2),
        NotFound,
        "reseller_plan",
    )


def test_order_another_resellers_client(w):
    # A panel user of reseller B ordering for A's client with A's plan.
    refused(
        lambda: order_create(client=w.a1, reseller_plan=w.plan, seats=2, by=w.b_user),
        NotFound,
        "client",
    )


def test_order_for_another_client_from_the_portal(w):
    refused(
        lambda: order_create(client=w.a1, reseller_plan=w.plan, seats=2, by=w.a2.owner),
        NotFound,
        "client",
    )


def test_portal_user_orders_an_unpublished_plan(w):
    # S5: clients order published plans only (the reseller still can, from the panel).
    refused(
        lambda: order_create(client=w.a1, reseller_plan=w.unpublished, by=w.a1.owner),
        Conflict,
        "reseller_plan",
    )
    assert order_create(client=w.a1, reseller_plan=w.unpublished).source == "panel"


def test_order_an_inactive_plan(w):
    refused(
        lambda: order_create(client=w.a1, reseller_plan=w.inactive),
        Conflict,
        "reseller_plan",
    )


def test_order_a_plan_withdrawn_from_the_catalogue(w):
    refused(
        lambda: order_create(client=w.a1, reseller_plan=w.unavailable),
        Conflict,
        "reseller_plan",
    )


def test_order_create_with_a_superscript_digit(w):
    # Regression (fixed in 2a79986): "²".isdigit() is True, and int("²") raised a bare
    # ValueError from orders.services._seats_clean instead of ValidationError(seats).
    refused(
        lambda: order_create(client=w.a1, reseller_plan=w.plan, seats="²"),
        ValidationError,
        "seats",
    )


def test_confirm_twice(w):
    refused(lambda: order_confirm(order=w.pending_order, at=AT), Conflict, "order")
    refused(lambda: order_confirm(order=w.completed_order, at=AT), Conflict, "order")


@pytest.mark.parametrize("at", [NAIVE, "2026-12-20", date(2026, 12, 20), None], ids=repr)
def test_confirm_without_an_aware_moment(w, at):
    refused(lambda: order_confirm(order=w.draft, at=at), ValidationError, "at")


def test_confirm_after_the_plan_was_deactivated(w):
    reseller_plan_deactivate(reseller_plan=w.plan)
    refused(lambda: order_confirm(order=w.draft, at=AT), Conflict, "reseller_plan")


# --------------------------------------------------------------------------- payments


@pytest.mark.parametrize(
    "amount",
    [
        Decimal("0"),
        Decimal("0.00"),
        Decimal("-1.00"),
        "-100",
        "0.001",
        Decimal("10.005"),
        1.5,
        "abc",
        "",
        None,
        True,
        Decimal("NaN"),
        Decimal("-Infinity"),
        "1e100",
    ],
    ids=repr,
)
def test_payment_bad_amount(w, amount):
    refused(
        lambda: payment_register(client=w.a1, amount=amount, at=AT),
        ValidationError,
        "amount",
    )


def test_a_balance_beyond_its_column_is_refused_with_a_field_error(w):
    """A hundred payments of 9,999,999,999.99 fill the balance's 14 digits; the next one
    is refused naming `amount`, not a database error."""
    biggest = Decimal("9999999999.99")
    client = ClientFactory(reseller=w.a)
    for _ in range(100):
        payment_register(client=client, amount=biggest, at=AT)
    client.refresh_from_db()
    assert client.balance == Decimal("999999999999.00")
    refused(
        lambda: payment_register(client=client, amount=biggest, at=AT),
        ValidationError,
        "amount",
    )
    # Up to the column's limit it is taken.
    payment_register(client=client, amount=Decimal("0.99"), at=AT)
    client.refresh_from_db()
    assert client.balance == Decimal("999999999999.99")


@pytest.mark.parametrize("at", [NAIVE, "2026-12-20T12:00:00+03:00", date(2026, 12, 20)], ids=repr)
def test_payment_without_an_aware_moment(w, at):
    refused(
        lambda: payment_register(client=w.a1, amount=Decimal("10.00"), at=at),
        ValidationError,
        "at",
    )


def test_payment_for_another_clients_order(w):
    refused(
        lambda: payment_register(client=w.a1, amount=Decimal("10.00"), at=AT, order=w.a2_order),
        NotFound,
        "order",
    )


def test_payment_for_an_order_not_awaiting_payment(w):
    refused(
        lambda: payment_register(client=w.a1, amount=Decimal("10.00"), at=AT, order=w.draft),
        Conflict,
        "order",
    )
    refused(
        lambda: payment_register(
            client=w.a1, amount=Decimal("10.00"), at=AT, order=w.completed_order
        ),
        Conflict,
        "order",
    )


def test_payment_bad_method_or_reference(w):
    refused(
        lambda: payment_register(client=w.a1, amount=Decimal("10.00"), at=AT, method="bitcoin"),
        ValidationError,
        "method",
    )
    refused(
        lambda: payment_register(client=w.a1, amount=Decimal("10.00"), at=AT, reference="п" * 201),
        ValidationError,
        "reference",
    )


@pytest.mark.parametrize(
    "day", ["2027-01-13", datetime(2027, 1, 13, 0, 30), None, 20270113], ids=repr
)
def test_billing_run_bad_day(w, day):
    refused(lambda: billing_run(day=day), ValidationError, "day")


@pytest.mark.parametrize(
    "day", ["2027-01-13", datetime(2027, 1, 13, 10, 0), None, 20270113], ids=repr
)
def test_reminders_send_bad_day(w, day):
    refused(lambda: reminders_send(day=day), ValidationError, "day")


# --------------------------------------------------------------------------- seat changes


@pytest.mark.parametrize("seats", [0, 1, 11, -5, 2.5, "abc", True, None], ids=repr)
def test_seat_change_out_of_range_or_not_a_count(w, seats):
    refused(
        lambda: seat_change_request(subscription=w.active, seats=seats, at=AT),
        Conflict if seats in (1, 11) and seats is not True else ValidationError,  # the limits
        "seats",
    )


def test_seat_change_to_the_same_count(w):
    refused(
        lambda: seat_change_request(subscription=w.active, seats=5, at=AT),
        Conflict,
        "seats",
    )


def test_seat_change_on_a_subscription_not_active(w):
    refused(
        lambda: seat_change_request(subscription=w.pending, seats=3, at=AT),
        Conflict,
        "subscription",
    )


def test_seat_change_without_an_aware_moment(w):
    refused(
        lambda: seat_change_request(subscription=w.active, seats=3, at=NAIVE),
        ValidationError,
        "at",
    )


def test_seat_change_increase_without_funds(w):
    # A1 paid 600.00; 483.87 is reserved: 116.13 available. 5 → 10 from 21 Dec needs
    # 35 + 11 × 10 = 145 seat-days (467.74) + 120 (387.10) − 483.87 = 370.97.
    error = refused(
        lambda: seat_change_request(subscription=w.active, seats=10, at=AT),
        InsufficientFunds,  # a state conflict (409), not bad input
        "seats",
    )
    assert error.code == "insufficient_funds"


def test_seat_change_refusal_keeps_the_pending_one(w):
    pending = seat_change_request(subscription=w.active, seats=4, at=AT)
    refused(
        lambda: seat_change_request(subscription=w.active, seats=11, at=AT),
        Conflict,
        "seats",
    )
    pending.refresh_from_db()
    assert pending.status == "pending"


# --------------------------------------------------------------------------- corrections (§4.8)
# A1 holds 600,00 paid with 5 seats × 100,00 reserved from 14.12: the available balance is
# what the tests below reach beyond. Each refusal names its field and writes nothing.


@pytest.fixture
def who(w):
    return reseller_user_create(reseller=w.a, username="a-accountant", email="acc@example.com")


def _available(client) -> Decimal:
    from billing.selectors import client_available_balance

    client.refresh_from_db()
    return client_available_balance(client=client)


REVERSALS = {
    "no_reason": (lambda p, u: payment_reverse(payment=p, reason="", at=AT, by=u), "reason"),
    "unknown_reason": (lambda p, u: payment_reverse(payment=p, reason="x", at=AT, by=u), "reason"),
    "adjustment_reason": (
        lambda p, u: payment_reverse(payment=p, reason="goodwill", at=AT, by=u),
        "reason",
    ),
    "nobody": (
        lambda p, u: payment_reverse(payment=p, reason="duplicate_payment", at=AT, by=None),
        "by",
    ),
    "naive_moment": (
        lambda p, u: payment_reverse(payment=p, reason="duplicate_payment", at=NAIVE, by=u),
        "at",
    ),
}


@pytest.mark.parametrize("case", REVERSALS.keys())
def test_reversal_bad_input(w, who, case):
    call, field = REVERSALS[case]
    duplicate = payment_register(client=w.a1, amount=Decimal("10.00"), at=AT)
    refused(lambda: call(duplicate, who), ValidationError, field)


def test_reversal_of_money_already_reserved(w, who):
    paid = Payment.objects.filter(client=w.a1).order_by("pk").first()
    assert paid.amount > _available(w.a1)
    refused(
        lambda: payment_reverse(payment=paid, reason="wrong_client", at=AT, by=who),
        InsufficientFunds,
        "amount",
    )


def test_reversal_twice(w, who):
    duplicate = payment_register(client=w.a1, amount=Decimal("10.00"), at=AT)
    payment_reverse(payment=duplicate, reason="duplicate_payment", at=AT, by=who)
    refused(
        lambda: payment_reverse(payment=duplicate, reason="duplicate_payment", at=AT, by=who),
        Conflict,
        "payment",
    )


@pytest.mark.parametrize(
    ("amount", "reference", "field"),
    [
        (Decimal("0"), "", "amount"),
        ("-1", "", "amount"),
        ("abc", "", "amount"),
        ("0.001", "", "amount"),
        (None, "", "amount"),
        (True, "", "amount"),
        (Decimal("NaN"), "", "amount"),
        ("1e100", "", "amount"),
        ("1.00", "x" * 201, "reference"),
    ],
    ids=repr,
)
def test_refund_bad_input(w, who, amount, reference, field):
    refused(
        lambda: refund_register(client=w.a1, amount=amount, reference=reference, at=AT, by=who),
        ValidationError,
        field,
    )


def test_refund_beyond_the_available_balance(w, who):
    over = _available(w.a1) + Decimal("0.01")
    refused(
        lambda: refund_register(client=w.a1, amount=over, at=AT, by=who),
        InsufficientFunds,
        "amount",
    )


@pytest.mark.parametrize(
    ("amount", "reason", "field"),
    [
        ("0", "goodwill", "amount"),
        ("-0", "goodwill", "amount"),
        ("abc", "goodwill", "amount"),
        ("1.005", "goodwill", "amount"),
        (1.5, "goodwill", "amount"),
        (None, "goodwill", "amount"),
        ("10", "", "reason"),
        ("10", "duplicate_payment", "reason"),
        ("10", "money_returned", "reason"),
    ],
    ids=repr,
)
def test_adjustment_bad_input(w, who, amount, reason, field):
    refused(
        lambda: balance_adjust(client=w.a1, amount=amount, reason=reason, at=AT, by=who),
        ValidationError,
        field,
    )


def test_negative_adjustment_beyond_the_available_balance(w, who):
    over = -(_available(w.a1) + Decimal("0.01"))
    refused(
        lambda: balance_adjust(client=w.a1, amount=over, reason="other", at=AT, by=who),
        InsufficientFunds,
        "amount",
    )


def test_positive_adjustment_beyond_the_balance_column(w, who):
    client = ClientFactory(reseller=w.a)
    for _ in range(100):
        payment_register(client=client, amount=Decimal("9999999999.99"), at=AT)
    refused(
        lambda: balance_adjust(client=client, amount="1.00", reason="other", at=AT, by=who),
        ValidationError,
        "amount",
    )


# --------------------------------------------------------------------------- cancel now (§4.9)


def test_cancel_a_subscription_awaiting_payment(w):
    refused(lambda: subscription_cancel(subscription=w.pending, at=AT), Conflict, "subscription")


def test_cancel_without_an_aware_moment(w):
    refused(lambda: subscription_cancel(subscription=w.active, at=NAIVE), ValidationError, "at")


# --------------------------------------------------------------------------- documents

SELLER_REQUISITES = {
    "legal_name": "ООО «Демо-реселлер»",
    "inn": "7707083893",
    "kpp": "773601001",
    "ogrn": "1027700132195",
    "legal_address": "г. Москва",
    "bank_name": "ПАО Сбербанк",
    "bik": "044525225",
    "corr_account": "30101810400000000225",
    "account": "40702810938000012345",
    "signatory_name": "Иванов И. И.",
    "signatory_position": "Директор",
    "vat_mode": "standard",
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"inn": "7707083894"}, "inn"),
        ({"kpp": "1"}, "kpp"),
        ({"ogrn": "1027700132196"}, "ogrn"),
        ({"bik": "123"}, "bik"),
        ({"account": "40702810038000012345"}, "account"),
        ({"corr_account": "30101810400000000226"}, "corr_account"),
        ({"vat_mode": "x"}, "vat_mode"),
    ],
)
def test_requisites_bad_input(w, change, field):
    from accounts.services import requisites_save

    refused(
        lambda: requisites_save(owner=w.a, data={**SELLER_REQUISITES, **change}, at=AT),
        ValidationError,
        field,
    )


@pytest.mark.parametrize(
    ("amount", "field"),
    [(None, "amount"), (Decimal("0"), "amount"), (Decimal("1.001"), "amount"), (1.0, "amount")],
)
def test_invoice_bad_amount(w, amount, field):
    from accounts.services import requisites_save
    from documents.services import invoice_issue

    requisites_save(owner=w.a, data=dict(SELLER_REQUISITES), at=AT)
    refused(lambda: invoice_issue(client=w.a1, amount=amount, at=AT), ValidationError, field)


def test_invoice_without_seller_requisites(w):
    from documents.services import invoice_issue

    refused(
        lambda: invoice_issue(client=w.b1, amount=Decimal("10.00"), at=AT),
        Conflict,
        "requisites",
    )


def test_invoice_for_another_clients_order_or_a_completed_one(w):
    from accounts.services import requisites_save
    from documents.services import invoice_issue

    requisites_save(owner=w.a, data=dict(SELLER_REQUISITES), at=AT)
    refused(lambda: invoice_issue(client=w.a1, order=w.a2_order, at=AT), NotFound, "order")
    refused(lambda: invoice_issue(client=w.a1, order=w.completed_order, at=AT), Conflict, "order")
    refused(lambda: invoice_issue(client=w.a1, order=w.draft, at=AT), Conflict, "order")


# --------------------------------------------------------------------------- bank statements


@pytest.mark.parametrize(
    "name", ["truncated.txt", "wrong_encoding.txt", "not-1c", "empty"], ids=str
)
def test_statement_import_of_a_malformed_file(w, name):
    from accounts.services import requisites_save
    from documents.statements import statement_import
    from tests.documents.statement_files import data

    requisites_save(owner=w.a, data=dict(SELLER_REQUISITES), at=AT)
    raw = {"not-1c": "Дата;Сумма\n15.12.2026;100\n".encode(), "empty": b""}.get(name)
    refused(
        lambda: statement_import(
            reseller=w.a, data=data(name) if raw is None else raw, at=AT, by=None
        ),
        ValidationError,
        "file",
    )


def test_statement_line_assigned_to_another_resellers_client(w):
    from accounts.services import requisites_save
    from documents.models import StatementLine
    from documents.statements import statement_import, statement_line_assign
    from tests.documents.statement_files import data

    requisites_save(owner=w.a, data=dict(SELLER_REQUISITES), at=AT)
    statement_import(reseller=w.a, data=data("unknown_inn.txt"), at=AT, by=None)
    line = StatementLine.objects.get()
    refused(
        lambda: statement_line_assign(line=line, client=w.b1, at=AT, by=None), NotFound, "client"
    )


@pytest.mark.parametrize(
    "month", [date(2026, 12, 31), datetime(2026, 12, 1, 0, 0, tzinfo=MOSCOW), "2026-12"]
)
def test_acts_issue_takes_a_months_first_day(w, month):
    from documents.services import acts_issue

    refused(lambda: acts_issue(month=month), ValidationError, "month")


@pytest.mark.parametrize(
    ("date_from", "date_to", "field"),
    [
        (date(2026, 12, 31), date(2026, 12, 1), "date_to"),
        (date(2020, 1, 1), date(2026, 12, 1), "date_to"),
        ("2026-12-01", date(2026, 12, 1), "date_from"),
        (date(2026, 12, 1), None, "date_to"),
    ],
)
def test_reconciliation_statement_bad_period(w, date_from, date_to, field):
    from documents.services import reconciliation_statement

    refused(
        lambda: reconciliation_statement(client=w.a1, date_from=date_from, date_to=date_to),
        ValidationError,
        field,
    )
