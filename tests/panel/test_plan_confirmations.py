"""Consequential plan actions ask first and say why (DESIGN.md §8, issue 11 item 6):
publishing a plan without margin, deactivating a plan that subscriptions run on. Without
the confirmation nothing changes."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from billing.services import payment_register
from orders.services import order_confirm, order_create
from plans.models import ResellerPlan
from tests.factories import ClientFactory, ResellerPlanFactory, VendorPlanFactory, msk

from .conftest import sign_in

pytestmark = pytest.mark.django_db

AT = msk(2026, 12, 14, 10)


def make_plan(seat_price: Decimal | None, **kwargs) -> ResellerPlan:
    return ResellerPlanFactory(
        vendor_plan=VendorPlanFactory(min_seats=5, purchase_price=Decimal("78.00")),
        seat_price=seat_price,
        **kwargs,
    )


def state(plan: ResellerPlan) -> tuple:
    plan.refresh_from_db()
    return (plan.status, plan.is_published, AuditEvent.objects.count())


@pytest.mark.parametrize(
    ("price", "why"),
    [
        (
            None,
            "Абонентская плата не задана: клиенты будут заказывать лицензии по закупочной "
            "цене 78,00 ₽ за место в месяц, и вы ничего не заработаете.",
        ),
        (Decimal("78.00"), "Абонентская плата 78,00 ₽ не выше закупочной цены 78,00 ₽"),
        (Decimal("50.00"), "Абонентская плата 50,00 ₽ не выше закупочной цены 78,00 ₽"),
    ],
)
def test_publishing_without_margin_asks_first_and_says_why(price, why):
    plan = make_plan(price, is_published=False)
    panel = sign_in(plan.reseller)
    before = state(plan)
    response = panel.post(reverse("plans:publish", args=[plan.vendor_plan_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Опубликовать без маржи?" in html and why in html
    assert 'name="confirm" value="1"' in html
    assert state(plan) == before  # not published, nothing audited

    response = panel.post(reverse("plans:publish", args=[plan.vendor_plan_id]), {"confirm": "1"})
    assert response.status_code == 302
    assert state(plan)[1] is True


def test_publishing_with_margin_asks_nothing():
    plan = make_plan(Decimal("100.00"), is_published=False)
    panel = sign_in(plan.reseller)
    response = panel.post(reverse("plans:publish", args=[plan.vendor_plan_id]))
    assert response.status_code == 302
    assert state(plan)[1] is True


def test_the_no_margin_confirmation_shows_the_monthly_margin():
    plan = make_plan(Decimal("50.00"), is_published=False)
    html = (
        sign_in(plan.reseller)
        .post(reverse("plans:publish", args=[plan.vendor_plan_id]))
        .content.decode()
    )
    # −28,00 ₽ a seat, ×5 at the plan's minimum.
    assert "-28,00 ₽" in html and "В месяц на минимуме (мест: 5)" in html and "-140,00 ₽" in html


def running_subscriptions(plan: ResellerPlan, count: int) -> None:
    client = ClientFactory(reseller=plan.reseller)
    for _ in range(count):
        order_confirm(order=order_create(client=client, reseller_plan=plan), at=AT)
    payment_register(client=client, amount=Decimal("100000.00"), at=AT)


def test_deactivating_a_plan_with_active_subscriptions_asks_first_and_says_how_many():
    plan = make_plan(Decimal("100.00"), is_published=True)
    running_subscriptions(plan, 2)
    panel = sign_in(plan.reseller)
    before = state(plan)
    response = panel.post(reverse("plans:deactivate", args=[plan.vendor_plan_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Деактивировать тарифный план?" in html
    assert "Действующих подписок (активных или приостановленных) на этом плане: 2." in html
    assert "продолжат работать и продлеваться" in html
    assert "Новые заказы по плану станут невозможны" in html
    assert state(plan) == before

    response = panel.post(reverse("plans:deactivate", args=[plan.vendor_plan_id]), {"confirm": "1"})
    assert response.status_code == 302
    assert state(plan)[:2] == (ResellerPlan.Status.INACTIVE, False)


def test_deactivating_a_plan_nobody_runs_on_asks_nothing():
    plan = make_plan(Decimal("100.00"))
    response = sign_in(plan.reseller).post(reverse("plans:deactivate", args=[plan.vendor_plan_id]))
    assert response.status_code == 302
    assert state(plan)[0] == ResellerPlan.Status.INACTIVE


def test_a_confirmation_does_not_reach_another_resellers_plan():
    plan = make_plan(None, is_published=False)
    running_subscriptions(plan, 1)
    stranger = sign_in(ResellerPlanFactory().reseller, username="stranger@example")
    before = state(plan)
    for action in ("publish", "deactivate"):
        response = stranger.post(
            reverse(f"plans:{action}", args=[plan.vendor_plan_id]), {"confirm": "1"}
        )
        assert response.status_code == 404
    assert state(plan) == before


def test_the_confirmations_read_in_english():
    plan = make_plan(None, is_published=False)
    running_subscriptions(plan, 1)
    panel = sign_in(plan.reseller)
    panel.post(reverse("set_language"), {"language": "en", "next": "/panel/plans/"})
    html = panel.post(reverse("plans:publish", args=[plan.vendor_plan_id])).content.decode()
    assert "Publish without margin?" in html and "you will earn nothing" in html
    html = panel.post(reverse("plans:deactivate", args=[plan.vendor_plan_id])).content.decode()
    assert "Running subscriptions (active or suspended) on this plan: 1." in html
    html = panel.post(
        reverse("plans:workplace", args=[plan.vendor_plan_id]), {"seat_price": "50"}
    ).content.decode()
    assert "The price is not saved: it is below the purchase price." in html
    assert "Yes, sell at this price at a loss" in html
