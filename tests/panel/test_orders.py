"""Order pages: list with status filter, new order (S5-S6), confirmation with the amount
due (S7), confirm and cancel through orders.services."""

from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.services import payment_register
from orders.models import Order, OrderStatus, Subscription, SubscriptionStatus
from orders.services import order_confirm, order_create
from plans.models import ResellerPlan
from tests.factories import (
    ClientFactory,
    ResellerFactory,
    ResellerPlanFactory,
    VendorPlanFactory,
    msk,
)
from tests.panel.conftest import sign_in

pytestmark = pytest.mark.django_db

NOON_14_DEC = msk(2026, 12, 14, 12)


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def counts() -> tuple[int, int]:
    return (Order.objects.count(), Subscription.objects.count())


@pytest.fixture
def plan(reseller) -> ResellerPlan:
    vendor = VendorPlanFactory(name="ESET PROTECT Entry", min_seats=5, max_seats=50)
    return ResellerPlanFactory(reseller=reseller, vendor_plan=vendor, seat_price=Decimal("100.00"))


def foreign_order(name: str = "Чужой клиент") -> Order:
    other = ResellerFactory()
    return order_create(
        client=ClientFactory(reseller=other, name=name),
        reseller_plan=ResellerPlanFactory(reseller=other),
    )


# --- list ---------------------------------------------------------------------------------


def test_list_shows_only_this_resellers_orders(panel, reseller, plan):
    order_create(client=ClientFactory(reseller=reseller, name="ООО Ромашка"), reseller_plan=plan)
    foreign_order(name="Чужой клиент")
    html = html_of(panel.get(reverse("orders:list")))
    assert "ООО Ромашка" in html and "ESET PROTECT Entry" in html and "черновик" in html
    assert "Чужой клиент" not in html
    assert "Новый заказ" in html


def test_list_filters_by_status(panel, reseller, plan):
    draft = order_create(
        client=ClientFactory(reseller=reseller, name="Черновой"), reseller_plan=plan
    )
    confirmed = order_create(
        client=ClientFactory(reseller=reseller, name="Подтверждённый"), reseller_plan=plan
    )
    order_confirm(order=confirmed, at=NOON_14_DEC)
    response = panel.get(reverse("orders:list"), {"status": OrderStatus.CONFIRMED})
    html = html_of(response)
    assert "Подтверждённый" in html and "Черновой" not in html
    assert [o.pk for o in response.context["page"]] == [confirmed.pk]
    assert draft.pk not in [o.pk for o in response.context["page"]]


def test_list_paginates_and_takes_a_fixed_number_of_queries(panel, reseller, plan):
    client = ClientFactory(reseller=reseller)
    for _ in range(3):
        order_confirm(order=order_create(client=client, reseller_plan=plan), at=NOON_14_DEC)
    with CaptureQueriesContext(connection) as few:
        html_of(panel.get(reverse("orders:list")))
    for _ in range(27):
        order_confirm(order=order_create(client=client, reseller_plan=plan), at=NOON_14_DEC)
    with CaptureQueriesContext(connection) as many:
        html = html_of(panel.get(reverse("orders:list")))
    assert len(many) == len(few)
    assert "page=2" in html and "Всего: 30" in html


# --- new order ----------------------------------------------------------------------------


def test_new_order_prefills_the_plans_minimum_and_bounds_the_seats(panel, reseller, plan):
    client = ClientFactory(reseller=reseller, name="ООО Ромашка")
    ResellerPlanFactory(
        reseller=reseller,
        status=ResellerPlan.Status.INACTIVE,
        vendor_plan=VendorPlanFactory(name="Неактивный план"),
    )
    html = html_of(panel.get(reverse("orders:new"), {"client": client.pk}))
    for field in ("client", "reseller_plan", "seats"):
        assert f'for="id_{field}"' in html
    assert 'type="number"' in html and 'min="5"' in html and 'max="50"' in html
    assert 'value="5"' in html
    assert f'<option value="{client.pk}" selected>ООО Ромашка</option>' in html
    assert "Минимальное количество лицензий будет включено в заказ автоматически" in html
    assert "Неактивный план" not in html


def test_new_order_for_another_resellers_client_is_404(panel, plan):
    other = ClientFactory(reseller=ResellerFactory())
    assert panel.get(reverse("orders:new"), {"client": other.pk}).status_code == 404


def test_create_then_confirm_shows_the_amount_due_and_the_pending_subscription(reseller, plan):
    client = ClientFactory(reseller=reseller)
    with time_machine.travel(NOON_14_DEC, tick=False):
        panel = sign_in(reseller, "manager@reseller.example")  # a session of that day
        response = panel.post(
            reverse("orders:new"),
            {"client": client.pk, "reseller_plan": plan.pk, "seats": "5"},
        )
        order = Order.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("orders:detail", args=[order.pk])
        assert (order.status, order.seats, order.client) == (OrderStatus.DRAFT, 5, client)
        assert Subscription.objects.count() == 0

        html = html_of(panel.get(response["Location"]))
        # S7 for 14 Dec: 290.32 (14-31 Dec) + 193.55 (1-12 Jan).
        assert "483,87 ₽" in html and "290,32 ₽" in html and "193,55 ₽" in html
        assert "Подтвердить" in html
        assert "составляет 1 месяц с момента покупки и продлевается автоматически" in html
        assert "Пробный период отсутствует" in html

        response = panel.post(reverse("orders:confirm", args=[order.pk]))
        assert response.status_code == 302
    sub = Subscription.objects.get()
    assert sub.status == SubscriptionStatus.PENDING_PAYMENT
    order.refresh_from_db()
    assert order.amount_due == Decimal("483.87")
    html = html_of(panel.get(reverse("orders:detail", args=[order.pk])))
    assert "ожидает оплаты" in html and "Осталось оплатить" in html and "483,87 ₽" in html
    assert "перейдите в раздел «Платежи»" in html
    payments = f"{reverse('payments:new')}?client={client.pk}&amp;order={order.pk}"
    assert f'<a href="{payments}">Платежи</a>' in html


def test_confirm_with_enough_balance_activates_at_once(panel, reseller, plan):
    client = ClientFactory(reseller=reseller)
    payment_register(client=client, amount=Decimal("1000.00"), at=NOON_14_DEC)
    order = order_create(client=client, reseller_plan=plan)
    panel.post(reverse("orders:confirm", args=[order.pk]))
    assert Subscription.objects.get().status == SubscriptionStatus.ACTIVE
    html = html_of(panel.get(reverse("orders:detail", args=[order.pk])))
    assert "Заказ подтверждён, подписка активна." in html and "активна" in html


@pytest.mark.parametrize(
    ("seats", "error"),
    [
        ("4", "Введите целое число мест от 5 до 50."),
        ("51", "Введите целое число мест от 5 до 50."),
        ("пять", "Введите целое число мест от 5 до 50."),
        ("", "Введите целое число мест от 5 до 50."),
        ("-3", "Введите целое число мест от 5 до 50."),
        ("5.5", "Введите целое число мест от 5 до 50."),
        ("12345678901234567890", "Введите целое число мест от 5 до 50."),
    ],
)
def test_bad_seats_are_shown_beside_the_field_and_nothing_is_written(
    panel, reseller, plan, seats, error
):
    client = ClientFactory(reseller=reseller)
    before = counts()
    response = panel.post(
        reverse("orders:new"), {"client": client.pk, "reseller_plan": plan.pk, "seats": seats}
    )
    html = html_of(response)
    assert response.context["form"].errors == {"seats": [error]}
    assert f'<p class="error" role="alert">{error}</p>' in html
    assert counts() == before


def test_another_resellers_client_or_plan_cannot_be_ordered(panel, reseller, plan):
    other_client = ClientFactory(reseller=ResellerFactory())
    other_plan = ResellerPlanFactory()
    mine = ClientFactory(reseller=reseller)
    before = counts()
    for data in (
        {"client": other_client.pk, "reseller_plan": plan.pk, "seats": "5"},
        {"client": mine.pk, "reseller_plan": other_plan.pk, "seats": "5"},
    ):
        response = panel.post(reverse("orders:new"), data)
        assert response.status_code == 200
        assert response.context["form"].errors
    assert counts() == before


def test_cancel_a_draft(panel, reseller, plan):
    order = order_create(client=ClientFactory(reseller=reseller), reseller_plan=plan)
    response = panel.post(reverse("orders:cancel", args=[order.pk]))
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert "Заказ отменён." in html_of(panel.get(reverse("orders:detail", args=[order.pk])))


def test_confirming_twice_shows_an_error_and_writes_nothing_more(panel, reseller, plan):
    order = order_create(client=ClientFactory(reseller=reseller), reseller_plan=plan)
    panel.post(reverse("orders:confirm", args=[order.pk]))
    before = counts()
    response = panel.post(reverse("orders:confirm", args=[order.pk]), follow=True)
    assert "Заказ уже подтверждён или отменён." in html_of(response)
    assert counts() == before


def test_actions_need_post(panel, reseller, plan):
    order = order_create(client=ClientFactory(reseller=reseller), reseller_plan=plan)
    assert panel.get(reverse("orders:confirm", args=[order.pk])).status_code == 405
    assert panel.get(reverse("orders:cancel", args=[order.pk])).status_code == 405
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT


def test_another_resellers_order_is_404_and_untouched():
    order = foreign_order()
    panel = sign_in(ResellerFactory())
    for name in ("orders:detail",):
        assert panel.get(reverse(name, args=[order.pk])).status_code == 404
    for name in ("orders:confirm", "orders:cancel"):
        assert panel.post(reverse(name, args=[order.pk])).status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT
    assert panel.get(reverse("orders:detail", args=[999999])).status_code == 404


@pytest.mark.parametrize("name", ["orders:list", "orders:new"])
def test_anonymous_is_sent_to_the_login(name):
    url = reverse(name)
    response = HttpClient().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


def test_the_client_page_links_to_a_new_order(panel, reseller):
    client = ClientFactory(reseller=reseller)
    url = f"{reverse('orders:new')}?client={client.pk}"
    assert html_of(panel.get(url))
