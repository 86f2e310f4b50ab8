"""A seat price that sells at a loss (below the purchase price, or 0 ₽) is not saved
until someone confirms it: in the domain, the API and the panel's Workplace form, which
shows the margin per seat and per month (DESIGN.md §8, issue 11 item 6)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from billing.services import payment_register
from config.errors import Conflict
from orders.models import Subscription, SubscriptionStatus
from orders.services import order_confirm, order_create
from plans.models import ResellerPlan
from plans.selectors import seat_price_margin
from plans.services import SEAT_PRICE_BELOW_COST, reseller_plan_set_seat_price
from tests.factories import (
    ClientFactory,
    ResellerFactory,
    ResellerPlanFactory,
    VendorPlanFactory,
    msk,
)
from tests.panel.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan() -> ResellerPlan:
    return ResellerPlanFactory(
        vendor_plan=VendorPlanFactory(min_seats=5, purchase_price=Decimal("78.00")),
        seat_price=Decimal("120.00"),
    )


# --------------------------------------------------------------------------- the domain


@pytest.mark.parametrize("price", [Decimal("50.00"), Decimal("0"), Decimal("77.99")])
def test_a_loss_price_is_refused_without_confirmation_and_nothing_is_written(plan, price):
    audits = AuditEvent.objects.count()
    with pytest.raises(Conflict) as refused:
        reseller_plan_set_seat_price(reseller_plan=plan, seat_price=price, confirm_loss=False)
    assert (refused.value.code, refused.value.field) == (SEAT_PRICE_BELOW_COST, "seat_price")
    assert ResellerPlan.objects.get(pk=plan.pk).seat_price == Decimal("120.00")
    assert AuditEvent.objects.count() == audits


def test_the_refusal_says_both_prices():
    plan = ResellerPlanFactory(vendor_plan=VendorPlanFactory(purchase_price=Decimal("78.00")))
    with pytest.raises(Conflict) as refused:
        reseller_plan_set_seat_price(
            reseller_plan=plan, seat_price=Decimal("50"), confirm_loss=False
        )
    assert refused.value.message == (
        "Абонентская плата 50,00 ₽ ниже закупочной цены 78,00 ₽: подтвердите продажу в убыток."
    )


@pytest.mark.parametrize("price", [Decimal("50.00"), Decimal("0.00")])
def test_a_confirmed_loss_price_is_saved(plan, price):
    reseller_plan_set_seat_price(reseller_plan=plan, seat_price=price, confirm_loss=True)
    assert ResellerPlan.objects.get(pk=plan.pk).seat_price == price


def test_a_caller_of_the_domain_api_that_asks_nobody_sets_the_price_as_given(plan):
    # DESIGN.md §12: reseller_plan_set_seat_price(*, reseller_plan, seat_price); only the
    # panel and the API ask a person, and they pass confirm_loss.
    reseller_plan_set_seat_price(reseller_plan=plan, seat_price=Decimal("50.00"))
    assert ResellerPlan.objects.get(pk=plan.pk).seat_price == Decimal("50.00")


def test_the_purchase_price_itself_needs_no_confirmation(plan):
    # No margin, but no loss either: the panel warns of it on publication instead.
    reseller_plan_set_seat_price(reseller_plan=plan, seat_price=Decimal("78.00"))
    assert ResellerPlan.objects.get(pk=plan.pk).seat_price == Decimal("78.00")


def subscribed(plan: ResellerPlan, *seats: int) -> list[Subscription]:
    """Active subscriptions of `plan`, paid through the domain API as the faces do."""
    client = ClientFactory(reseller=plan.reseller)
    subs = [
        order_confirm(order=order_create(client=client, reseller_plan=plan, seats=n), at=AT)
        for n in seats
    ]
    payment_register(client=client, amount=Decimal("100000.00"), at=AT)
    return subs


AT = msk(2026, 12, 14, 10)


def test_the_margin_per_seat_per_month_at_the_minimum_and_on_active_seats(plan):
    subscribed(plan, 7, 5)
    waiting = ClientFactory(reseller=plan.reseller)  # not paid: not counted
    order_confirm(order=order_create(client=waiting, reseller_plan=plan, seats=100), at=AT)
    assert Subscription.objects.filter(status=SubscriptionStatus.ACTIVE).count() == 2
    quote = seat_price_margin(
        reseller=plan.reseller, reseller_plan=plan, seat_price=Decimal("50.00")
    )
    assert (quote.per_seat, quote.per_month_min, quote.active_seats, quote.per_month_active) == (
        Decimal("-28.00"),
        Decimal("-140.00"),
        12,
        Decimal("-336.00"),
    )


# --------------------------------------------------------------------------- the panel


@pytest.fixture
def panel(plan):
    return sign_in(plan.reseller)


def url_of(plan: ResellerPlan) -> str:
    return reverse("plans:workplace", args=[plan.vendor_plan_id])


def test_the_form_warns_with_the_margin_and_saves_nothing(panel, plan):
    subscribed(plan, 6)
    response = panel.post(url_of(plan), {"seat_price": "50"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Цена не сохранена: она ниже закупочной." in html
    assert 'id="id_confirm_loss"' in html and "Сохранить в убыток" in html
    loss = response.context["loss"]
    assert (loss.per_seat, loss.per_month_min) == (Decimal("-28.00"), Decimal("-140.00"))
    assert "-28,00 ₽" in html and "-140,00 ₽" in html
    # On the 6 seats now active: −28,00 × 6.
    assert "В месяц на активных подписках (мест: 6)" in html and "-168,00 ₽" in html
    assert "Абонентская плата сохранена." not in html
    assert ResellerPlan.objects.get(pk=plan.pk).seat_price == Decimal("120.00")


def test_zero_is_a_loss_too(panel, plan):
    response = panel.post(url_of(plan), {"seat_price": "0"})
    assert response.context["loss"].per_seat == Decimal("-78.00")
    assert ResellerPlan.objects.get(pk=plan.pk).seat_price == Decimal("120.00")


def test_the_form_saves_a_confirmed_loss_with_a_warning_not_a_green_message(panel, plan):
    response = panel.post(url_of(plan), {"seat_price": "50,00", "confirm_loss": "on"})
    assert response.status_code == 302
    assert ResellerPlan.objects.get(pk=plan.pk).seat_price == Decimal("50.00")
    html = panel.get(url_of(plan)).content.decode()
    assert "Абонентская плата сохранена." not in html
    assert (
        '<li class="msg msg-warning" role="status">Абонентская плата 50,00 ₽ сохранена ниже '
        "закупочной цены 78,00 ₽: маржа -28,00 ₽ за место в месяц.</li>"
    ) in html
    assert "каждое рабочее место продаётся в убыток" in html


def test_a_margin_price_is_saved_in_green_with_its_monthly_margin(panel, plan):
    response = panel.post(url_of(plan), {"seat_price": "100.50"})
    assert response.status_code == 302
    html = panel.get(url_of(plan)).content.decode()
    assert '<li class="msg msg-success" role="status">Абонентская плата сохранена.</li>' in html
    # 22,50 ₽ a seat, ×5 at the plan's minimum.
    assert "22,50 ₽" in html and "112,50 ₽" in html


@pytest.mark.parametrize("typed", ["1099,50", "1099.50", "1 099,50"])
def test_the_saved_price_reads_back_with_a_comma(panel, plan, typed):
    panel.post(url_of(plan), {"seat_price": typed})
    assert ResellerPlan.objects.get(pk=plan.pk).seat_price == Decimal("1099.50")
    html = panel.get(url_of(plan)).content.decode()
    assert 'value="1099,50"' in html and "1099.50" not in html


def test_another_resellers_plan_has_no_margin_for_me(plan):
    from config.errors import NotFound

    with pytest.raises(NotFound):
        seat_price_margin(reseller=ResellerFactory(), reseller_plan=plan, seat_price=Decimal("1"))
