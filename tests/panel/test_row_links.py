"""Every row links to what it names (DESIGN.md §8, issue 11 item 6): the subscription rows
of the client card, «Заказ №N» in the payments list, a client's payments, the journal's
client, the plan of a subscription row."""

from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Payment
from billing.services import payment_register
from notifications.models import Notification
from orders.services import order_confirm, order_create
from tests.factories import ClientFactory, ResellerPlanFactory, msk

from .conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    plan = ResellerPlanFactory(seat_price=Decimal("100.00"))
    client = ClientFactory(reseller=plan.reseller, name="ООО Ромашка")
    order = order_create(client=client, reseller_plan=plan)
    sub = order_confirm(order=order, at=msk(2026, 12, 14))
    payment_register(client=client, amount=Decimal("1000.00"), at=msk(2026, 12, 14), order=order)
    return sign_in(plan.reseller), client, order, sub, Payment.objects.get()


def test_the_client_card_links_its_subscriptions_and_payments(world):
    panel, client, _order, sub, payment = world
    html = panel.get(reverse("accounts:client-detail", args=[client.pk])).content.decode()
    url = reverse("subscriptions:detail", args=[sub.pk])
    assert f'<td data-label="Подписка"><a href="{url}">№{sub.pk}</a></td>' in html
    assert f'<a href="{url}">{sub.reseller_plan.vendor_plan.name}</a>' in html
    assert (
        f'<a href="{reverse("payments:detail", args=[payment.pk])}">14.12.2026 12:00 МСК</a>'
        in html
    )


def test_the_payments_list_links_the_order(world):
    panel, _client, order, _sub, _payment = world
    html = panel.get(reverse("payments:list")).content.decode()
    assert f'<a href="{reverse("orders:detail", args=[order.pk])}">Заказ №{order.pk}</a>' in html


def test_the_subscriptions_list_links_the_plan(world):
    panel, _client, _order, sub, _payment = world
    html = panel.get(reverse("subscriptions:list")).content.decode()
    url = reverse("plans:detail", args=[sub.reseller_plan.vendor_plan_id])
    assert f'<a href="{url}">{sub.reseller_plan.vendor_plan.name}</a>' in html


def test_the_journal_links_the_client(world):
    panel, client, _order, _sub, _payment = world
    assert Notification.objects.filter(client=client).exists()
    html = panel.get(reverse("notifications:list")).content.decode()
    assert (
        f'<a href="{reverse("accounts:client-detail", args=[client.pk])}">ООО Ромашка</a>' in html
    )
