"""Subscription pages: list with status filter; detail with periods, charges, the pending
seat change and when it takes effect (S11), the seat-change form, auto-renew, ESET licence."""

from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Reseller
from billing.services import payment_register
from eset_gateway.models import EsetLicense
from orders.models import SeatChange, SeatChangeStatus, Subscription, SubscriptionStatus
from orders.services import order_confirm, order_create, seat_change_request
from tests.factories import (
    ClientFactory,
    ResellerFactory,
    ResellerPlanFactory,
    VendorPlanFactory,
    msk,
)
from tests.panel.conftest import sign_in

pytestmark = pytest.mark.django_db

ACTIVATED = msk(2026, 11, 20, 10)
NOW = msk(2026, 11, 25, 10)  # the next 00:30 MSK sync is on 26.11.2026


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def subscribe(
    reseller: Reseller, *, paid: bool = True, extra: str = "0", name: str = "ООО Ромашка"
) -> Subscription:
    client = ClientFactory(reseller=reseller, name=name)
    vendor = VendorPlanFactory(name="ESET PROTECT Entry", min_seats=5, max_seats=50)
    plan = ResellerPlanFactory(reseller=reseller, vendor_plan=vendor, seat_price=Decimal("100.00"))
    order = order_create(client=client, reseller_plan=plan)
    sub = order_confirm(order=order, at=ACTIVATED)
    if paid:
        order.refresh_from_db()
        payment_register(
            client=client, amount=order.amount_due + Decimal(extra), at=ACTIVATED, order=order
        )
    sub.refresh_from_db()
    return sub


def seat_changes() -> int:
    return SeatChange.objects.count()


# --- list ---------------------------------------------------------------------------------


def test_list_shows_only_this_resellers_subscriptions_with_russian_statuses(panel, reseller):
    subscribe(reseller, name="Активный клиент")
    subscribe(reseller, paid=False, name="Неоплаченный клиент")
    subscribe(ResellerFactory(), name="Чужой клиент")
    html = html_of(panel.get(reverse("subscriptions:list")))
    assert "Активный клиент" in html and "Неоплаченный клиент" in html
    assert "активна" in html and "ожидает оплаты" in html
    assert "Чужой клиент" not in html
    for label in ("ожидает оплаты", "активна", "приостановлена", "отменена"):
        assert label in html  # the status filter


@pytest.mark.parametrize(
    ("status", "shown", "hidden"),
    [
        (SubscriptionStatus.ACTIVE, "Активный клиент", "Неоплаченный клиент"),
        (SubscriptionStatus.PENDING_PAYMENT, "Неоплаченный клиент", "Активный клиент"),
    ],
)
def test_list_filters_by_status(panel, reseller, status, shown, hidden):
    subscribe(reseller, name="Активный клиент")
    subscribe(reseller, paid=False, name="Неоплаченный клиент")
    html = html_of(panel.get(reverse("subscriptions:list"), {"status": status}))
    assert shown in html and hidden not in html


def test_list_takes_a_fixed_number_of_queries(panel, reseller):
    for n in range(3):
        subscribe(reseller, name=f"Клиент {n}")
    with CaptureQueriesContext(connection) as few:
        html_of(panel.get(reverse("subscriptions:list")))
    for n in range(3, 30):
        subscribe(reseller, paid=False, name=f"Клиент {n}")
    with CaptureQueriesContext(connection) as many:
        html = html_of(panel.get(reverse("subscriptions:list")))
    assert len(many) == len(few)
    assert "Всего: 30" in html and "page=2" in html


# --- detail -------------------------------------------------------------------------------


def test_detail_shows_periods_charges_and_the_licence(panel, reseller):
    sub = subscribe(reseller)
    EsetLicense.objects.create(
        subscription=sub,
        public_license_id="ABC-DEF-123",
        license_key="AAAA-BBBB-CCCC-DDDD-EEEE",
        product_code="EPE",
        quantity=5,
    )
    html = html_of(panel.get(reverse("subscriptions:detail", args=[sub.pk])))
    assert "ООО Ромашка" in html and "ESET PROTECT Entry" in html and "активна" in html
    # 30-day period from 20 Nov: 20.11–19.12; charges 20–30 Nov (11 days) and 1–19 Dec.
    assert "20.11.2026 – 19.12.2026" in html
    assert "20.11.2026 – 30.11.2026" in html and "01.12.2026 – 19.12.2026" in html
    assert "30.11.2026" in html and "20.12.2026" in html  # closing days
    assert "открыто" in html
    assert "ABC-DEF-123" in html and "AAAA-BBBB-CCCC-DDDD-EEEE" in html
    assert "повторно активировать рабочие станции" in html
    assert 'for="id_seats"' in html and 'min="5"' in html and 'max="50"' in html
    # The reseller sees its purchase side, which the client's portal page leaves out.
    assert "Закупочная цена" in html and "Себестоимость" in html


def test_detail_takes_a_fixed_number_of_queries(panel, reseller):
    sub = subscribe(reseller, extra="1000")
    with CaptureQueriesContext(connection) as few:
        html_of(panel.get(reverse("subscriptions:detail", args=[sub.pk])))
    with time_machine.travel(NOW, tick=False):
        seat_change_request(subscription=sub, seats=6, at=msk(2026, 11, 21))
        seat_change_request(subscription=sub, seats=7, at=msk(2026, 11, 22))
    with CaptureQueriesContext(connection) as many:
        html_of(panel.get(reverse("subscriptions:detail", args=[sub.pk])))
    assert len(many) == len(few)


def test_a_seat_change_is_requested_shown_with_its_day_and_cancelled(panel, reseller):
    sub = subscribe(reseller)
    with time_machine.travel(NOW, tick=False):
        response = panel.post(reverse("subscriptions:seats", args=[sub.pk]), {"seats": "4"})
        assert response.context["form"].errors == {
            "seats": ["Введите целое число мест от 5 до 50."]
        }
        response = panel.post(reverse("subscriptions:seats", args=[sub.pk]), {"seats": "5"})
        assert response.context["form"].errors == {"seats": ["У подписки уже 5 рабочих мест."]}
    sub = subscribe(reseller, extra="1000", name="Богатый клиент")
    with time_machine.travel(NOW, tick=False):
        response = panel.post(reverse("subscriptions:seats", args=[sub.pk]), {"seats": "8"})
    assert response.status_code == 302
    change = SeatChange.objects.get()
    assert (change.seats, change.status, change.effective_on.isoformat()) == (
        8,
        SeatChangeStatus.PENDING,
        "2026-11-26",
    )
    html = html_of(panel.get(response["Location"]))
    # The one time format: the date, then «00:30 МСК».
    assert "на сервере ESET 26.11.2026 00:30 МСК." in html
    assert "Отменить изменение" in html

    response = panel.post(reverse("subscriptions:seat-change-cancel", args=[sub.pk]))
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == SeatChangeStatus.CANCELLED
    assert "Изменение числа мест отменено." in html_of(panel.get(response["Location"]))


def test_an_increase_without_funds_is_shown_beside_the_field_and_nothing_is_written(
    panel, reseller
):
    sub = subscribe(reseller)  # paid exactly the first period: nothing available
    before = seat_changes()
    with time_machine.travel(NOW, tick=False):
        response = panel.post(reverse("subscriptions:seats", args=[sub.pk]), {"seats": "10"})
    html = html_of(response)
    (error,) = response.context["form"].errors["seats"]
    assert error.startswith("Недостаточно средств: для увеличения нужно")
    assert '<p class="error" role="alert">Недостаточно средств' in html
    assert seat_changes() == before
    sub.refresh_from_db()
    assert sub.seats == 5


def test_a_pending_subscription_cannot_change_seats(panel, reseller):
    sub = subscribe(reseller, paid=False)
    html = html_of(panel.get(reverse("subscriptions:detail", args=[sub.pk])))
    assert "ожидает оплаты" in html and "Периодов нет" in html
    response = panel.post(reverse("subscriptions:seats", args=[sub.pk]), {"seats": "6"})
    assert "Изменить число мест можно только у активной подписки." in html_of(response)
    assert seat_changes() == 0


def test_auto_renew_toggle(panel, reseller):
    sub = subscribe(reseller)
    url = reverse("subscriptions:auto-renew", args=[sub.pk])
    assert panel.post(url, {"auto_renew": "off"}).status_code == 302
    sub.refresh_from_db()
    assert sub.auto_renew is False
    html = html_of(panel.get(reverse("subscriptions:detail", args=[sub.pk])))
    assert "Автопродление выключено." in html and "Включить автопродление" in html
    panel.post(url, {"auto_renew": "on"})
    sub.refresh_from_db()
    assert sub.auto_renew is True
    panel.post(url, {"auto_renew": "maybe"})
    sub.refresh_from_db()
    assert sub.auto_renew is True


def test_actions_need_post(panel, reseller):
    sub = subscribe(reseller)
    for name in (
        "subscriptions:seats",
        "subscriptions:seat-change-cancel",
        "subscriptions:auto-renew",
    ):
        assert panel.get(reverse(name, args=[sub.pk])).status_code == 405


def test_another_resellers_subscription_is_404_and_untouched(reseller):
    sub = subscribe(reseller)
    panel = sign_in(ResellerFactory(), "stranger@other.example")
    assert panel.get(reverse("subscriptions:detail", args=[sub.pk])).status_code == 404
    assert (
        panel.post(reverse("subscriptions:seats", args=[sub.pk]), {"seats": "6"}).status_code == 404
    )
    assert (
        panel.post(
            reverse("subscriptions:auto-renew", args=[sub.pk]), {"auto_renew": "off"}
        ).status_code
        == 404
    )
    assert panel.post(reverse("subscriptions:seat-change-cancel", args=[sub.pk])).status_code == 404
    sub.refresh_from_db()
    assert (sub.seats, sub.auto_renew, seat_changes()) == (5, True, 0)
    assert panel.get(reverse("subscriptions:detail", args=[999999])).status_code == 404


@pytest.mark.parametrize("name", ["subscriptions:list"])
def test_anonymous_is_sent_to_the_login(name):
    url = reverse(name)
    response = HttpClient().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"
