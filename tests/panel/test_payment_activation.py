"""After a payment the panel names and links what it activated or resumed, and the payment
page lists them (issue 11 item 6: «Подписка активирована: 1.» read as "subscription No. 1")."""

from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Client
from billing.models import Payment
from billing.selectors import payment_served
from billing.services import billing_run, payment_register
from billing.submissions import token_issue
from orders.models import Order, SubscriptionStatus
from orders.services import order_confirm, order_create
from tests.factories import ClientFactory, ResellerPlanFactory, VendorPlanFactory, msk

from .conftest import sign_in

pytestmark = pytest.mark.django_db

NOW = msk(2026, 12, 14, 12)


def pending(client: Client, name: str, seats: int = 5) -> Order:
    plan = ResellerPlanFactory(
        reseller=client.reseller,
        vendor_plan=VendorPlanFactory(name=name, purchase_price=Decimal("60.00")),
        seat_price=Decimal("100.00"),
    )
    order = order_create(client=client, reseller_plan=plan, seats=seats)
    order_confirm(order=order, at=NOW)
    order.refresh_from_db()
    return order


def pay(panel, client: Client, amount: str, order: Order | None = None):
    body = {"form_token": token_issue(), "amount": amount, "method": "bank_transfer"}
    if order is not None:
        body["order"] = order.pk
    return panel.post(f"{reverse('payments:new')}?client={client.pk}", body)


def test_a_payment_that_activates_two_names_and_links_both():
    client = ClientFactory(name="ООО Ромашка")
    first, second = pending(client, "ESET Entry"), pending(client, "ESET Advanced", seats=3)
    with time_machine.travel(NOW, tick=False):
        panel = sign_in(client.reseller)
        response = pay(panel, client, "2000,00", first)
        html = panel.get(response["Location"]).content.decode()
    a, b = first.subscription, second.subscription
    for o in (first, second):
        o.subscription.refresh_from_db()
        assert o.subscription.status == SubscriptionStatus.ACTIVE
    url_a = reverse("subscriptions:detail", args=[a.pk])
    url_b = reverse("subscriptions:detail", args=[b.pk])
    assert (
        f'Подписки активированы: <a href="{url_a}">№{a.pk} «ESET Entry» (рабочих мест: 5)</a>, '
        f'<a href="{url_b}">№{b.pk} «ESET Advanced» (рабочих мест: 3)</a>. '
        "Активационные данные придут владельцу в уведомлении."
    ) in html
    # The payment page itself lists and links what it paid for, even without a message.
    assert "Что оплачено этим платежом" in html
    assert html.count(f'href="{url_a}"') >= 2 and f'href="{url_b}"' in html
    # «Заказ №N» on the payment page is a link to the order.
    assert f'<a href="{reverse("orders:detail", args=[first.pk])}">Заказ №{first.pk}</a>' in html


def test_a_payment_that_resumes_a_suspended_subscription_says_which():
    client = ClientFactory()
    order = pending(client, "ESET Entry")
    payment_register(client=client, amount=Decimal("483.87"), at=NOW)  # the first period
    order.subscription.refresh_from_db()
    expires = order.subscription.expires_on
    billing_run(day=expires)  # nothing to renew with: suspended
    order.subscription.refresh_from_db()
    assert order.subscription.status == SubscriptionStatus.SUSPENDED
    at = msk(expires.year, expires.month, expires.day, 12)
    with time_machine.travel(at, tick=False):
        panel = sign_in(client.reseller)
        response = pay(panel, client, "1000,00")
        html = panel.get(response["Location"]).content.decode()
    sub = order.subscription
    url = reverse("subscriptions:detail", args=[sub.pk])
    assert (
        f'Подписка возобновлена: <a href="{url}">№{sub.pk} «ESET Entry» (рабочих мест: 5)</a>.'
        in html
    )
    assert "Возобновлена:" in html


def test_what_a_payment_served_is_scoped_to_its_reseller():
    client = ClientFactory()
    order = pending(client, "ESET Entry")
    payment_register(client=client, amount=Decimal("483.87"), at=NOW, order=order)
    payment = Payment.objects.get()
    assert [
        s.subscription.pk for s in payment_served(reseller=client.reseller, payment=payment)
    ] == [order.subscription.pk]
    assert payment_served(reseller=ClientFactory().reseller, payment=payment) == []


def test_a_payment_that_activates_nothing_says_so():
    client = ClientFactory()
    with time_machine.travel(NOW, tick=False):
        panel = sign_in(client.reseller)
        response = pay(panel, client, "10,00")
        html = panel.get(response["Location"]).content.decode()
    assert "Ни одна подписка не активирована этим платежом." in html
    assert "Что оплачено этим платежом" not in html
