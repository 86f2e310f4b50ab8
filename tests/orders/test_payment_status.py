"""One "still due" (issue 9, item 5): orders.selectors.order_payment_status gives the figure
activation takes (the first period from the payment day at the reseller's price that day,
against the available balance), and the panel's and the portal's order pages, the payment
pages and both API scopes all show that figure, not the one frozen at confirmation."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import translation

from accounts.models import Client, Membership
from billing.models import Payment
from billing.services import billing_run, payment_register
from billing.submissions import token_issue
from orders.models import Order, OrderStatus, Subscription, SubscriptionStatus
from orders.selectors import OrderPaymentStatus, order_payment_status
from orders.services import order_cancel, order_confirm, order_create
from plans.services import reseller_plan_set_seat_price
from tests.api.conftest import api_for
from tests.factories import (
    ClientFactory,
    ResellerFactory,
    ResellerPlanFactory,
    UserFactory,
    VendorPlanFactory,
    msk,
)

pytestmark = pytest.mark.django_db

KOPECK = Decimal("0.01")


@pytest.fixture
def world():
    reseller = ResellerFactory()
    plan = ResellerPlanFactory(
        reseller=reseller,
        vendor_plan=VendorPlanFactory(min_seats=5, max_seats=50),
        seat_price=Decimal("100.00"),
    )
    client = ClientFactory(reseller=reseller)
    staff = UserFactory(username="cashier@reseller.example")
    Membership.objects.create(user=staff, reseller=reseller, role=Membership.Role.ADMIN)
    return reseller, plan, client, staff


def confirmed(client: Client, plan, at, seats: int = 5) -> Order:
    order = order_create(client=client, reseller_plan=plan, seats=seats)
    order_confirm(order=order, at=at)
    order.refresh_from_db()
    return order


def rub(text: str) -> Decimal:
    return Decimal(text.replace("\u00a0", "").replace(" ", "").replace("₽", "").replace(",", "."))


def faces(order: Order, staff) -> dict[str, Decimal]:
    """What each face says the order still needs, read from its page or its JSON."""
    panel = HttpClient()
    panel.force_login(staff)
    portal = HttpClient()
    portal.force_login(order.client.owner)
    shown: dict[str, Decimal] = {}
    for face, http, url in (
        ("panel order", panel, reverse("orders:detail", args=[order.pk])),
        ("portal order", portal, reverse("portal:order", args=[order.pk])),
    ):
        html = http.get(url).content.decode()
        found = re.search(r"Осталось оплатить</dt><dd><strong>([^<]+)</strong>", html)
        assert found, face
        shown[face] = rub(found.group(1))
        if face == "portal order":
            note = re.search(r"Подписка станет активной после оплаты ([^.]+,\d\d ₽)", html)
            assert note
            shown["portal note"] = rub(note.group(1))
    html = panel.get(
        f"{reverse('payments:new')}?client={order.client_id}&order={order.pk}"
    ).content.decode()
    found = re.search(
        rf"Осталось оплатить по заказу №{order.pk}</span><strong>([^<]+)</strong>", html
    )
    assert found
    shown["payment page"] = rub(found.group(1))
    for face, api, url in (
        ("reseller API", api_for(staff), f"/api/v1/reseller/orders/{order.pk}/"),
        ("client API", api_for(order.client.owner), f"/api/v1/client/orders/{order.pk}/"),
    ):
        response = api.get(url)
        assert response.status_code == 200, response.content
        shown[face] = Decimal(response.json()["still_due"])
    return shown


def pay_through_the_panel(order: Order, staff, amount: Decimal) -> str:
    """The payment page's form, as a person pays the figure shown; returns the result page."""
    panel = HttpClient()
    panel.force_login(staff)
    response = panel.post(
        f"{reverse('payments:new')}?client={order.client_id}&order={order.pk}",
        {
            "form_token": token_issue(),
            "amount": f"{amount}",
            "method": "bank_transfer",
            "order": order.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return panel.get(response["Location"]).content.decode()


def subscription_status(order: Order) -> str:
    order.subscription.refresh_from_db()
    return order.subscription.status


# --------------------------------------------------------------------------- the selector


def test_the_status_is_todays_quote_against_the_available_balance(world):
    _, plan, client, _ = world
    # Confirmed 14.12: 290.32 + 193.55 = 483.87 frozen on the order.
    order = confirmed(client, plan, msk(2026, 12, 14, 10))
    assert order.amount_due == Decimal("483.87")
    payment_register(client=client, amount=Decimal("100.00"), at=msk(2026, 12, 15, 9))
    reseller_plan_set_seat_price(reseller_plan=plan, seat_price=Decimal("120.00"))
    status = order_payment_status(order=order, day=date(2026, 12, 20))
    # From 20.12 at 120 a seat: 12/31 × 600 = 232.26, then 18/31 × 600 = 348.39.
    assert status == OrderPaymentStatus(
        day=date(2026, 12, 20),
        amount_due=Decimal("580.65"),
        available=Decimal("100.00"),
        resumed_first=Decimal("0.00"),
        still_due=Decimal("480.65"),
    )


def test_no_status_for_an_order_that_does_not_await_payment(world):
    _, plan, client, _ = world
    draft = order_create(client=client, reseller_plan=plan)
    assert order_payment_status(order=draft, day=date(2026, 12, 14)) is None
    cancelled = confirmed(client, plan, msk(2026, 12, 14, 10))
    order_cancel(order=cancelled, at=msk(2026, 12, 14, 11))
    cancelled.refresh_from_db()
    assert order_payment_status(order=cancelled, day=date(2026, 12, 14)) is None
    paid = confirmed(client, plan, msk(2026, 12, 14, 10))
    payment_register(client=client, amount=Decimal("483.87"), at=msk(2026, 12, 14, 12), order=paid)
    paid.refresh_from_db()
    assert paid.status == OrderStatus.COMPLETED
    assert order_payment_status(order=paid, day=date(2026, 12, 14)) is None


def test_a_covered_order_owes_nothing(world):
    _, plan, client, _ = world
    order = confirmed(client, plan, msk(2026, 12, 14, 10))
    # A cheaper price later: the balance already paid now covers the first period.
    payment_register(client=client, amount=Decimal("300.00"), at=msk(2026, 12, 14, 11))
    reseller_plan_set_seat_price(reseller_plan=plan, seat_price=Decimal("50.00"), confirm_loss=True)
    status = order_payment_status(order=order, day=date(2026, 12, 14))
    assert (status.amount_due, status.available, status.still_due) == (
        Decimal("241.93"),  # 18/31 × 250 = 145.16 + 12/31 × 250 = 96.77
        Decimal("300.00"),
        Decimal("0.00"),
    )


# --------------------------------------------------------------------------- the four faces


@pytest.mark.parametrize("short", [Decimal("0.00"), KOPECK])
def test_after_a_price_change_every_face_shows_what_activation_takes(world, short):
    _, plan, client, staff = world
    order = confirmed(client, plan, msk(2026, 12, 14, 10))
    payment_register(client=client, amount=Decimal("100.00"), at=msk(2026, 12, 15, 9))
    reseller_plan_set_seat_price(reseller_plan=plan, seat_price=Decimal("120.00"))
    with time_machine.travel(msk(2026, 12, 20, 12), tick=False):
        shown = faces(order, staff)
        assert shown == dict.fromkeys(shown, Decimal("480.65"))
        assert set(shown) == {
            "panel order",
            "portal order",
            "portal note",
            "payment page",
            "reseller API",
            "client API",
        }
        result = pay_through_the_panel(order, staff, Decimal("480.65") - short)
    if short:
        assert subscription_status(order) == SubscriptionStatus.PENDING_PAYMENT
        assert "для активации осталось оплатить 0,01 ₽" in result
    else:
        assert subscription_status(order) == SubscriptionStatus.ACTIVE
        sub = Subscription.objects.get(order=order)
        link = f'<a href="/panel/subscriptions/{sub.pk}/">№{sub.pk} '
        assert f"Подписка активирована: {link}" in result
        order.client.refresh_from_db()
        assert order.client.balance == Decimal("580.65")  # exactly the period's charges
    assert Payment.objects.filter(order=order).count() == 1


@pytest.mark.parametrize("short", [Decimal("0.00"), KOPECK])
def test_across_a_month_boundary_every_face_shows_the_payment_days_period(world, short):
    _, plan, client, staff = world
    # Confirmed 30.11: 1/30 × 500 = 16.67 + 29/31 × 500 = 467.74 = 484.41 frozen.
    order = confirmed(client, plan, msk(2026, 11, 30, 10))
    assert order.amount_due == Decimal("484.41")
    with time_machine.travel(msk(2026, 12, 2, 12), tick=False):
        # Paid 02.12: the period 02.12-31.12 (30 days) in one month, 30/31 × 500 = 483.87.
        shown = faces(order, staff)
        assert shown == dict.fromkeys(shown, Decimal("483.87"))
        pay_through_the_panel(order, staff, Decimal("483.87") - short)
    expected = SubscriptionStatus.PENDING_PAYMENT if short else SubscriptionStatus.ACTIVE
    assert subscription_status(order) == expected


def test_the_order_page_says_the_figure_moved_since_confirmation(world):
    _, plan, client, staff = world
    order = confirmed(client, plan, msk(2026, 11, 30, 10))
    with time_machine.travel(msk(2026, 12, 2, 12), tick=False):
        panel = HttpClient()
        panel.force_login(staff)
        html = panel.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "Сумма к оплате</dt><dd>483,87 ₽</dd>" in html
    assert "Сумма при подтверждении</dt><dd>484,41 ₽</dd>" in html


# --------------------------------------------------------------------------- suspended first


def suspended_world(world):
    """A 5-seat subscription paid 14.12.2026 for exactly its first period, not renewed on
    13.01.2027 for want of money: suspended. Resuming it from 14.01 takes 18/31 × 500 =
    290.32 + 12/28 × 500 = 214.29 = 504.61, and serving resumes it before any order."""
    _, plan, client, staff = world
    first = confirmed(client, plan, msk(2026, 12, 14, 10))
    payment_register(client=client, amount=Decimal("483.87"), at=msk(2026, 12, 14, 11))
    billing_run(day=date(2027, 1, 13))
    assert subscription_status(first) == SubscriptionStatus.SUSPENDED
    return plan, client, staff, first


@pytest.mark.parametrize("short", [Decimal("0.00"), KOPECK])
def test_a_suspended_subscription_that_fits_is_resumed_first_and_counts(world, short):
    plan, client, staff, first = suspended_world(world)
    order = confirmed(client, plan, msk(2027, 1, 14, 10), seats=10)
    status = order_payment_status(order=order, day=date(2027, 1, 14))
    # 10 seats from 14.01: 580.65 + 428.57 = 1 009.22; the suspended 504.61 fits before it.
    assert (status.amount_due, status.resumed_first, status.still_due) == (
        Decimal("1009.22"),
        Decimal("504.61"),
        Decimal("1513.83"),
    )
    with time_machine.travel(msk(2027, 1, 14, 12), tick=False):
        assert set(faces(order, staff).values()) == {Decimal("1513.83")}
        pay_through_the_panel(order, staff, status.still_due - short)
    assert subscription_status(first) == SubscriptionStatus.ACTIVE  # resumed either way
    expected = SubscriptionStatus.PENDING_PAYMENT if short else SubscriptionStatus.ACTIVE
    assert subscription_status(order) == expected


@pytest.mark.parametrize("short", [Decimal("0.00"), KOPECK])
def test_a_suspended_subscription_too_dear_to_fit_is_skipped(world, short):
    plan, client, staff, first = suspended_world(world)
    cheap = ResellerPlanFactory(
        reseller=plan.reseller,
        vendor_plan=VendorPlanFactory(min_seats=5, max_seats=50),
        seat_price=Decimal("50.00"),
    )
    order = confirmed(client, cheap, msk(2027, 1, 14, 10))
    status = order_payment_status(order=order, day=date(2027, 1, 14))
    # 5 seats at 50 from 14.01: 145.16 + 107.14 = 252.30 < 504.61: serving skips the
    # suspended one at that balance, so it does not count.
    assert (status.amount_due, status.resumed_first, status.still_due) == (
        Decimal("252.30"),
        Decimal("0.00"),
        Decimal("252.30"),
    )
    with time_machine.travel(msk(2027, 1, 14, 12), tick=False):
        pay_through_the_panel(order, staff, status.still_due - short)
    assert subscription_status(first) == SubscriptionStatus.SUSPENDED
    expected = SubscriptionStatus.PENDING_PAYMENT if short else SubscriptionStatus.ACTIVE
    assert subscription_status(order) == expected


def test_the_payment_status_reads_in_english(world):
    plan, client, staff, _ = suspended_world(world)
    order = confirmed(client, plan, msk(2027, 1, 14, 10), seats=10)
    # override: the language the middleware activates for these requests does not outlive them
    with time_machine.travel(msk(2027, 1, 14, 12), tick=False), translation.override("ru"):
        panel = HttpClient()
        panel.force_login(staff)
        panel.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = panel.get(f"{reverse('payments:new')}?client={client.pk}&order={order.pk}")
        assert response.status_code == 200, response
        page = response.content.decode()
        detail = panel.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert f"Still due for order no. {order.pk}</span><strong>1 513,83 ₽</strong>" in page
    assert "The payment first resumes suspended subscriptions: 504,61 ₽." in page
    assert f"The first period of order no. {order.pk} starts on the day of payment" in page
    assert "Suspended subscriptions resumed first</dt><dd>504,61 ₽</dd>" in detail
    assert "Amount at confirmation</dt><dd>1 009,22 ₽</dd>" not in detail  # unchanged since
    assert "The first period starts on the day of payment; the amount is computed" in detail
