"""The client's subscriptions: list, detail with periods, charges and licence, the seat
change (S11) with its effective day, auto-renew; balance with charges and payments."""

from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Client
from billing.services import payment_register
from eset_gateway.services import gateway_drain
from orders.models import SeatChange, Subscription
from orders.services import order_confirm, order_create
from tests.factories import ClientFactory, ResellerPlanFactory, VendorPlanFactory, msk

pytestmark = pytest.mark.django_db

ACTIVATED = msk(2026, 11, 20, 10)
NOW = msk(2026, 11, 25, 10)  # the next 00:30 MSK sync is on 26.11.2026


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def subscribe(client: Client, *, paid: bool = True, extra: str = "0") -> Subscription:
    vendor = VendorPlanFactory(name="ESET PROTECT Entry", min_seats=5, max_seats=50)
    plan = ResellerPlanFactory(
        reseller=client.reseller, vendor_plan=vendor, seat_price=Decimal("100.00")
    )
    order = order_create(client=client, reseller_plan=plan)
    sub = order_confirm(order=order, at=ACTIVATED)
    if paid:
        order.refresh_from_db()
        payment_register(
            client=client, amount=order.amount_due + Decimal(extra), at=ACTIVATED, order=order
        )
    sub.refresh_from_db()
    return sub


def test_home_and_list_show_the_clients_subscriptions_only(portal, client_, reseller):
    subscribe(client_)
    foreign = subscribe(ClientFactory(reseller=reseller, name="Чужой клиент"))
    for name in ("portal:home", "portal:subscriptions"):
        html = html_of(portal.get(reverse(name)))
        assert "Подписки" in html and "ESET PROTECT Entry" in html and "активна" in html
        assert reverse("portal:subscription", args=[foreign.pk]) not in html
    assert "Доступный баланс" in html_of(portal.get(reverse("portal:home")))


def test_detail_shows_periods_charges_and_the_licence_without_the_cost(portal, client_):
    sub = subscribe(client_)
    gateway_drain(at=ACTIVATED)
    html = html_of(portal.get(reverse("portal:subscription", args=[sub.pk])))
    assert "Периоды предоставления услуг" in html and "Списания" in html
    assert "Лицензия ESET" in html and sub.eset_license.license_key in html
    assert "Закупочная цена" not in html and "Себестоимость" not in html
    assert "Изменение количества рабочих мест" in html


def test_another_clients_subscription_is_404_everywhere(portal, reseller):
    foreign = subscribe(ClientFactory(reseller=reseller))
    for name in ("portal:subscription",):
        assert portal.get(reverse(name, args=[foreign.pk])).status_code == 404
    for name in ("portal:seats", "portal:seat-change-cancel", "portal:auto-renew"):
        assert (
            portal.post(
                reverse(name, args=[foreign.pk]), {"seats": "6", "auto_renew": "off"}
            ).status_code
            == 404
        )
    foreign.refresh_from_db()
    assert foreign.auto_renew is True and SeatChange.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_a_seat_change_takes_effect_at_the_next_0030_msk_with_the_reminder(portal, client_):
    sub = subscribe(client_, extra="500.00")
    response = portal.post(reverse("portal:seats", args=[sub.pk]), {"seats": "4"})
    assert SeatChange.objects.count() == 0
    assert 'id="id_seats_error"' in html_of(response)
    response = portal.post(reverse("portal:seats", args=[sub.pk]), {"seats": "6"}, follow=True)
    html = html_of(response)
    change = SeatChange.objects.get()
    assert change.seats == 6 and change.requested_by == client_.owner
    assert "Изменение запрошено: 6 рабочих мест с 26.11.2026 00:30 МСК." in html
    assert "на сервере ESET 26.11.2026 00:30 МСК." in html
    assert "повторно активировать рабочие станции" in html


def test_auto_renew_toggles(portal, client_):
    sub = subscribe(client_)
    response = portal.post(
        reverse("portal:auto-renew", args=[sub.pk]), {"auto_renew": "off"}, follow=True
    )
    assert "Автопродление выключено." in html_of(response)
    sub.refresh_from_db()
    assert sub.auto_renew is False


def test_balance_shows_balance_available_charges_and_payments(portal, client_, reseller):
    subscribe(client_, extra="500.00")
    subscribe(ClientFactory(reseller=reseller), extra="777.00")
    html = html_of(portal.get(reverse("portal:balance")))
    assert "Баланс" in html and "Доступный баланс" in html
    assert "Списания" in html and "Платежи" in html
    assert "500,00 ₽" in html  # what is left after the open charge
    assert "777,00 ₽" not in html


def _add_rows(client: Client, n: int) -> None:
    for _ in range(n):
        subscribe(client)


@pytest.mark.parametrize("name", ["portal:subscriptions", "portal:balance", "portal:home"])
def test_lists_take_a_fixed_number_of_queries(portal, client_, name):
    _add_rows(client_, 3)
    with CaptureQueriesContext(connection) as few:
        html_of(portal.get(reverse(name)))
    _add_rows(client_, 27)
    with CaptureQueriesContext(connection) as many:
        html_of(portal.get(reverse(name)))
    assert len(many) == len(few)
