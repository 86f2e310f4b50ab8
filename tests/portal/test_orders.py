"""Published plans and ordering one from the portal (S5-S7)."""

from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from orders.models import Order, Subscription, SubscriptionStatus
from orders.services import order_create
from tests.factories import (
    ClientFactory,
    ResellerFactory,
    ResellerPlanFactory,
    VendorPlanFactory,
    msk,
)

pytestmark = pytest.mark.django_db

NOW = msk(2026, 11, 1, 10)


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def plan_for(reseller, name="ESET PROTECT Entry", **kwargs):
    vendor = VendorPlanFactory(name=name, min_seats=5, max_seats=50)
    return ResellerPlanFactory(
        reseller=reseller, vendor_plan=vendor, seat_price=Decimal("1234.50"), **kwargs
    )


def test_only_the_resellers_published_active_plans_are_listed(portal, reseller):
    plan_for(reseller, name="ESET PROTECT Entry")
    plan_for(reseller, name="ESET Скрытый", is_published=False)
    plan_for(reseller, name="ESET Неактивный", status="inactive")
    plan_for(ResellerFactory(), name="ESET Чужой")
    html = html_of(portal.get(reverse("portal:plans")))
    assert "Тарифные планы" in html and "ESET PROTECT Entry" in html
    assert "1 234,50 ₽" in html and "Заказать" in html
    assert "ESET Скрытый" not in html and "ESET Неактивный" not in html
    assert "ESET Чужой" not in html


def test_the_order_form_prefills_the_minimum_seats_and_its_bounds(portal, reseller):
    plan = plan_for(reseller)
    html = html_of(portal.get(reverse("portal:plan-order", args=[plan.pk])))
    assert 'value="5"' in html and 'min="5"' in html and 'max="50"' in html
    assert "Минимальное количество лицензий будет включено в заказ автоматически" in html


@pytest.mark.parametrize(
    "plan_kwargs",
    [{"is_published": False}, {"status": "inactive"}],
    ids=["unpublished", "inactive"],
)
def test_an_unlisted_plan_cannot_be_ordered_by_id(portal, reseller, plan_kwargs):
    plan = plan_for(reseller, **plan_kwargs)
    url = reverse("portal:plan-order", args=[plan.pk])
    assert portal.get(url).status_code == 404
    assert portal.post(url, {"seats": "5"}).status_code == 404
    assert Order.objects.count() == 0


def test_another_resellers_plan_is_404(portal):
    plan = plan_for(ResellerFactory())
    assert (
        portal.post(reverse("portal:plan-order", args=[plan.pk]), {"seats": "5"}).status_code == 404
    )
    assert Order.objects.count() == 0


@pytest.mark.parametrize("seats", ["4", "51", "abc", ""])
def test_seats_out_of_range_show_an_error_beside_the_field_and_write_nothing(
    portal, reseller, seats
):
    plan = plan_for(reseller)
    html = html_of(portal.post(reverse("portal:plan-order", args=[plan.pk]), {"seats": seats}))
    assert 'id="id_seats_error"' in html
    assert Order.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_order_shows_the_amount_due_then_confirm_leaves_it_waiting_for_the_reseller(
    portal, reseller, client_
):
    plan = plan_for(reseller)
    response = portal.post(reverse("portal:plan-order", args=[plan.pk]), {"seats": "5"})
    order = Order.objects.get()
    assert order.client == client_ and order.seats == 5 and order.source == Order.Source.PORTAL
    assert response["Location"] == reverse("portal:order", args=[order.pk])
    html = html_of(portal.get(response["Location"]))
    # 5 seats × 1 234,50 ₽ for 1.11-30.11 (30 days of 30): 6 172,50 ₽.
    assert "Сумма к оплате" in html and "6 172,50 ₽" in html and "Подтвердить" in html
    response = portal.post(reverse("portal:order-confirm", args=[order.pk]))
    assert response.status_code == 302
    html = html_of(portal.get(response["Location"]))
    assert "Заказ подтверждён, подписка ожидает оплаты." in html
    assert "Осталось оплатить" in html and "6 172,50 ₽" in html
    assert "реселлер" in html
    assert Subscription.objects.get().status == SubscriptionStatus.PENDING_PAYMENT


def test_another_clients_order_is_404(portal, reseller):
    other = ClientFactory(reseller=reseller)
    order = order_create(client=other, reseller_plan=plan_for(reseller))
    assert portal.get(reverse("portal:order", args=[order.pk])).status_code == 404
    assert portal.post(reverse("portal:order-confirm", args=[order.pk])).status_code == 404
    order.refresh_from_db()
    assert order.status == "draft"


def test_the_order_list_shows_the_clients_own_orders_and_filters_by_status(
    portal, client_, reseller
):
    plan = plan_for(reseller)
    mine = order_create(client=client_, reseller_plan=plan, seats=7)
    with time_machine.travel(NOW, tick=False):
        portal.post(reverse("portal:order-confirm", args=[mine.pk]))
    draft = order_create(client=client_, reseller_plan=plan, seats=9)
    theirs = order_create(client=ClientFactory(reseller=reseller), reseller_plan=plan)

    html = html_of(portal.get(reverse("portal:orders")))
    assert "Заказы" in html
    assert reverse("portal:order", args=[mine.pk]) in html
    assert reverse("portal:order", args=[draft.pk]) in html
    assert reverse("portal:order", args=[theirs.pk]) not in html
    assert "8 641,50 ₽" in html  # 7 seats × 1 234,50 ₽: what the confirmed order asks

    drafts = html_of(portal.get(reverse("portal:orders"), {"status": "draft"}))
    assert reverse("portal:order", args=[draft.pk]) in drafts
    assert reverse("portal:order", args=[mine.pk]) not in drafts


def test_the_order_list_takes_a_fixed_number_of_queries(portal, client_, reseller):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    plan = plan_for(reseller)
    for _ in range(3):
        order_create(client=client_, reseller_plan=plan)
    with CaptureQueriesContext(connection) as few:
        html_of(portal.get(reverse("portal:orders")))
    for _ in range(27):
        order_create(client=client_, reseller_plan=plan)
    with CaptureQueriesContext(connection) as many:
        html_of(portal.get(reverse("portal:orders")))
    assert len(many) == len(few)
