"""In a browser (issue 11 item 6): a loss-making seat price is a warning with the margin and
a confirmation, not a green «сохранена»; deactivating a plan that runs two subscriptions
asks first and says two. At 1280 and 390 px."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Membership
from plans.models import ResellerPlan
from tests.factories import ClientFactory, ResellerPlanFactory, UserFactory, VendorPlanFactory

from .conftest import paid_subscription

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "s3cret-pass"


@pytest.mark.parametrize("width", [1280, 390])
def test_a_loss_price_needs_a_confirmation_and_deactivation_says_how_many(page: Page, width):
    page.set_viewport_size({"width": width, "height": 900})
    plan = ResellerPlanFactory(
        vendor_plan=VendorPlanFactory(
            name="ESET PROTECT Entry", min_seats=5, purchase_price=Decimal("78.00")
        ),
        seat_price=Decimal("120.00"),
    )
    client = ClientFactory(reseller=plan.reseller)
    paid_subscription(client, plan, 5)
    paid_subscription(client, plan, 5)
    user = UserFactory(username="admin@reseller.example")
    user.set_password(PASSWORD)
    user.save()
    Membership.objects.create(user=user, reseller=plan.reseller, role=Membership.Role.ADMIN)
    page.goto("/panel/login/")
    page.locator("input[name=username]").fill("admin@reseller.example")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()

    page.goto(f"/panel/plans/{plan.vendor_plan_id}/resources/workplace/")
    field = page.get_by_label("Абонентская плата/ежемесячно")
    expect(field).to_have_value("120,00")
    field.fill("50")
    page.get_by_role("button", name="Сохранить").click()
    warning = page.locator("#loss-warning")
    expect(warning).to_contain_text("Цена не сохранена: она ниже закупочной.")
    expect(warning).to_contain_text(re.compile(r"-28,00\s₽"))
    expect(warning).to_contain_text(re.compile(r"-140,00\s₽"))  # at the minimum of 5
    expect(warning).to_contain_text(re.compile(r"-280,00\s₽"))  # on the 10 active seats
    assert ResellerPlan.objects.get(pk=plan.pk).seat_price == Decimal("120.00")
    page.get_by_label("Да, продавать по этой цене в убыток").check()
    page.get_by_role("button", name="Сохранить в убыток").click()
    expect(page.locator(".msg-warning", has_text="сохранена ниже закупочной цены")).to_be_visible()
    expect(page.get_by_label("Абонентская плата/ежемесячно")).to_have_value("50,00")
    assert ResellerPlan.objects.get(pk=plan.pk).seat_price == Decimal("50.00")

    page.goto(f"/panel/plans/{plan.vendor_plan_id}/")
    page.get_by_role("button", name="Деактивировать").click()
    expect(page.locator("#confirm-why")).to_contain_text(
        "Действующих подписок (активных или приостановленных) на этом плане: 2."
    )
    assert ResellerPlan.objects.get(pk=plan.pk).status == ResellerPlan.Status.ACTIVE
    page.get_by_role("button", name="Деактивировать").click()
    expect(page.get_by_role("button", name="Активировать")).to_be_visible()
    assert ResellerPlan.objects.get(pk=plan.pk).status == ResellerPlan.Status.INACTIVE
