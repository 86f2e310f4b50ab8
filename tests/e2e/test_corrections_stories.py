"""Browser stories of issue 11's corrections and cancel now, at 1280 and 390 px:

(1) an accountant double-clicks «Провести платёж»: one payment; the same form sent again
    (a reload) is shown the first payment, and nothing more is written;
(2) the accountant reverses a duplicate payment from the payments list, reading what will
    follow, and sees it in the client's statement;
(3) the client's owner cancels a subscription now in the portal after reading the last
    billed day and the amount freed.

The live server runs the real clock: amounts are read off the page or from the domain."""

from __future__ import annotations

import os
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Membership
from billing.models import BalanceEntry, Payment
from billing.services import cancel_quote, payment_register
from config.formats import format_day, format_rub
from core.clock import financial_day
from orders.models import SubscriptionStatus
from tests.factories import (
    ClientFactory,
    ResellerFactory,
    ResellerPlanFactory,
    UserFactory,
    VendorPlanFactory,
)

from .conftest import paid_subscription

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "s3cret-pass"
WIDTHS = (1280, 390)
SHOTS = os.environ.get("E2E_SCREENSHOTS", "")


def _shot(page: Page, name: str, width: int) -> None:
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{width}-{name}.png", full_page=True)


def _no_horizontal_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _accountant(reseller):
    user = UserFactory(username="buh@reseller.example")
    user.set_password(PASSWORD)
    user.save()
    Membership.objects.create(user=user, reseller=reseller, role=Membership.Role.ACCOUNTANT)
    return user


def _sign_in(page: Page, path: str, username: str) -> None:
    page.goto(path)
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_double_click_registers_one_payment(page: Page, width: int):
    page.set_viewport_size({"width": width, "height": 900})
    reseller = ResellerFactory(name="ООО Реселлер")
    _accountant(reseller)
    client = ClientFactory(reseller=reseller, name="ООО Ромашка")
    _sign_in(page, "/panel/login/", "buh@reseller.example")
    page.goto(f"/panel/payments/new/?client={client.pk}")
    page.get_by_label("Сумма, ₽").fill("1 500,00")
    page.get_by_label("Основание").fill("п/п 42")
    form_token = page.locator("input[name=form_token]").input_value()
    page.get_by_role("button", name="Провести платёж").dblclick()
    expect(page.get_by_text("Платёж проведён.")).to_be_visible()
    assert Payment.objects.filter(client=client).count() == 1
    payment = Payment.objects.get(client=client)
    assert payment.amount == Decimal("1500.00")
    _no_horizontal_scroll(page)
    _shot(page, "payment-after-double-click", width)

    # The same form sent again (a reload of the POST, a stale tab): the first payment's
    # page, not a second payment. The token is what the server knows the form by.
    csrf = page.context.cookies()
    token = next(c["value"] for c in csrf if c["name"] == "csrftoken")
    again = page.request.post(
        f"/panel/payments/new/?client={client.pk}",
        form={
            "amount": "1 500,00",
            "method": "bank_transfer",
            "reference": "п/п 42",
            "form_token": form_token,
            "csrfmiddlewaretoken": token,
        },
        headers={"Referer": page.url},
    )
    assert again.ok and again.url.endswith(f"/panel/payments/{payment.pk}/")
    assert "Эта форма уже была отправлена" in again.text()
    assert Payment.objects.filter(client=client).count() == 1


@pytest.mark.parametrize("width", WIDTHS)
def test_the_accountant_reverses_a_duplicate_payment(page: Page, width: int):
    page.set_viewport_size({"width": width, "height": 900})
    reseller = ResellerFactory(name="ООО Реселлер")
    _accountant(reseller)
    client = ClientFactory(reseller=reseller, name="ООО Ромашка")
    at = timezone.now()
    payment_register(client=client, amount=Decimal("700.00"), at=at, reference="п/п 1")
    duplicate = payment_register(client=client, amount=Decimal("700.00"), at=at, reference="п/п 1")

    _sign_in(page, "/panel/login/", "buh@reseller.example")
    page.goto("/panel/payments/")
    page.locator(
        "tr", has=page.get_by_role("link", name=str(duplicate.pk), exact=True)
    ).get_by_role("link", name="Сторнировать").click()
    # What will follow: 700,00 taken back, the balance 1 400,00 → 700,00.
    box = page.locator(".confirm-box")
    expect(box).to_contain_text("-700,00")
    expect(box).to_contain_text(re.compile(r"1\s400,00\s₽\s→\s700,00\s₽"))
    _no_horizontal_scroll(page)
    _shot(page, "payment-reverse-confirm", width)
    page.get_by_label("Причина сторно").select_option(label="платёж внесён дважды")
    page.get_by_role("button", name="Сторнировать").click()
    expect(page.get_by_text(re.compile("Платёж сторнирован"))).to_be_visible()
    entry = BalanceEntry.objects.get(kind=BalanceEntry.Kind.REVERSAL)
    assert (entry.reversed_payment_id, entry.amount, entry.created_by.username) == (
        duplicate.pk,
        Decimal("-700.00"),
        "buh@reseller.example",
    )
    client.refresh_from_db()
    assert client.balance == Decimal("700.00")

    # The client's statement shows it, the reason in words.
    page.get_by_role("link", name="ООО Ромашка").first.click()
    row = page.locator("#corrections ~ .table-wrap").first.locator("tr", has_text="Сторно платежа")
    expect(row).to_contain_text("платёж внесён дважды")
    expect(row).to_contain_text("-700,00")
    _no_horizontal_scroll(page)
    _shot(page, "client-with-reversal", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_owner_cancels_a_subscription_now_in_the_portal(page: Page, width: int):
    page.set_viewport_size({"width": width, "height": 900})
    reseller = ResellerFactory(name="ООО Реселлер")
    client = ClientFactory(reseller=reseller, name="ООО Ромашка", email="owner@romashka.example")
    client.owner.set_password(PASSWORD)
    client.owner.save()
    plan = ResellerPlanFactory(
        reseller=reseller,
        vendor_plan=VendorPlanFactory(name="ESET PROTECT Entry", min_seats=3),
        seat_price=Decimal("100.00"),
    )
    subscription = paid_subscription(client, plan, seats=3)
    today = financial_day(timezone.now())
    quote = cancel_quote(subscription=subscription, day=today)

    _sign_in(page, "/portal/login/", "owner@romashka.example")
    page.goto(f"/portal/subscriptions/{subscription.pk}/")
    page.get_by_role("link", name="Отменить подписку сейчас").click()
    box = page.locator(".confirm-box")
    expect(box).to_contain_text(
        re.compile(rf"Последний оплаченный день\s*{re.escape(format_day(today))}")
    )
    parts = format_rub(quote.freed).replace("\xa0", " ").split(" ")
    expect(box).to_contain_text(re.compile(r"\s".join(re.escape(p) for p in parts)))
    _no_horizontal_scroll(page)
    _shot(page, "portal-cancel-confirm", width)
    page.get_by_role("button", name="Отменить подписку сейчас").click()
    expect(page.get_by_text(re.compile("отменена. Последний оплаченный день"))).to_be_visible()
    subscription.refresh_from_db()
    assert (subscription.status, subscription.cancelled_on) == (
        SubscriptionStatus.CANCELLED,
        today,
    )
    expect(page.get_by_role("link", name="Отменить подписку сейчас")).to_have_count(0)
    _shot(page, "portal-cancelled", width)
