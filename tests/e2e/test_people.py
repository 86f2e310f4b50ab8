"""Browser stories of people and roles (issue 11): a client the reseller creates gets in by
its invitation and orders; an accountant sees payments but no seat-change button, at 1280
and 390 px. Screenshots go to E2E_SCREENSHOTS when it is set."""

from __future__ import annotations

import os
import re
import time
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from accounts.models import Client, Invitation, Membership
from orders.models import Order, Subscription, SubscriptionStatus
from tests.factories import (
    ClientFactory,
    ResellerFactory,
    ResellerPlanFactory,
    UserFactory,
    VendorPlanFactory,
)

from .conftest import paid_subscription

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "s3cret-pass-2026"
OWNER_PASSWORD = "Romashka-owner-2026"
SHOTS = os.environ.get("E2E_SCREENSHOTS", "")
LINK = re.compile(r"https?://[^/\s]+(/invite/\d+/[0-9a-f]+/)")


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        width = page.viewport_size["width"] if page.viewport_size else 0
        page.screenshot(path=f"{SHOTS}/{width}-people-{name}.png", full_page=True)


def _staff(reseller, username: str, role: str):
    user = UserFactory(username=username)
    user.set_password(PASSWORD)
    user.save()
    Membership.objects.create(user=user, reseller=reseller, role=role)
    return user


def _sign_in(page: Page, path: str, username: str, password: str = PASSWORD) -> None:
    page.goto(path)
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Войти").click()


def _invitation_link(email: str) -> str:
    """The link in the last e-mail to `email` (the outbox is drained after commit, in the
    live server's thread; wait for it a moment)."""
    for _ in range(50):
        bodies = [m.body for m in mail.outbox if m.to == [email]]
        if bodies:
            match = LINK.search(bodies[-1])
            assert match, bodies[-1]
            return match.group(1)
        time.sleep(0.1)
    raise AssertionError(f"no invitation e-mail to {email}")


def test_invited_owner_sets_a_password_signs_in_and_orders(page: Page, browser, live_server):
    reseller = ResellerFactory(name="ООО Реселлер")
    _staff(reseller, "admin@reseller.example", Membership.Role.ADMIN)
    ResellerPlanFactory(
        reseller=reseller,
        vendor_plan=VendorPlanFactory(
            name="ESET PROTECT Entry", min_seats=3, max_seats=50, purchase_price=Decimal("60")
        ),
        seat_price=Decimal("100.00"),
        is_published=True,
    )

    # The reseller creates the client; its owner is invited.
    _sign_in(page, "/panel/login/", "admin@reseller.example")
    page.goto("/panel/clients/")
    page.get_by_role("link", name="Новый клиент").click()
    page.get_by_label("Название").fill("ООО Ромашка")
    page.get_by_label("E-mail владельца").fill("owner@romashka.example")
    page.get_by_label("Регион").fill("Москва")
    page.get_by_label("Город").fill("Москва")
    page.get_by_label("Улица, дом").fill("ул. Тверская, д. 1")
    page.get_by_label("Индекс").fill("125009")
    page.get_by_role("button", name="Создать").click()
    expect(
        page.get_by_text("Владельцу отправлено приглашение на owner@romashka.example")
    ).to_be_visible()
    expect(page.get_by_text("приглашение отправлено, ссылка действует до")).to_be_visible()
    _shot(page, "client-invited")
    client = Client.objects.get(name="ООО Ромашка")
    assert not client.owner.has_usable_password()

    # The owner, in a browser of their own, follows the link from the e-mail.
    link = _invitation_link("owner@romashka.example")
    context = browser.new_context(base_url=live_server.url, locale="ru-RU")
    owner = context.new_page()
    owner.goto(link)
    expect(owner.get_by_role("heading", name="Пароль для входа")).to_be_visible()
    expect(owner.get_by_text("Логин: owner@romashka.example")).to_be_visible()
    _shot(owner, "set-password")
    owner.locator("input[name=new_password1]").fill(OWNER_PASSWORD)
    owner.locator("input[name=new_password2]").fill(OWNER_PASSWORD)
    owner.get_by_role("button", name="Задать пароль").click()
    expect(owner.get_by_text("Пароль задан. Войдите с ним.")).to_be_visible()
    assert Invitation.objects.get(user=client.owner).used_at is not None

    # Signs in to the portal and orders the published plan.
    owner.locator("input[name=username]").fill("owner@romashka.example")
    owner.locator("input[name=password]").fill(OWNER_PASSWORD)
    owner.get_by_role("button", name="Войти").click()
    nav = owner.get_by_role("navigation", name="Разделы")
    expect(nav.get_by_role("link", name="Тарифные планы")).to_be_visible()
    nav.get_by_role("link", name="Тарифные планы").click()
    owner.get_by_role("row", name=re.compile("ESET PROTECT Entry")).get_by_role(
        "link", name="Заказать"
    ).click()
    expect(owner.get_by_label("Количество лицензий (рабочих мест)")).to_have_value("3")
    owner.get_by_role("button", name="Далее").click()
    owner.get_by_role("button", name="Подтвердить").click()
    expect(owner.get_by_text("Ожидает оплаты").first).to_be_visible()
    _shot(owner, "ordered")
    order = Order.objects.get(client=client)
    assert order.created_by == client.owner
    assert Subscription.objects.get(order=order).status == SubscriptionStatus.PENDING_PAYMENT

    # The link is spent: opening it again says so.
    owner.goto(link)
    expect(owner.get_by_text("Ссылка недействительна")).to_have_count(2)
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_an_accountant_sees_payments_but_no_seat_change_button(page: Page, width: int):
    page.set_viewport_size({"width": width, "height": 900})
    reseller = ResellerFactory(name="ООО Реселлер")
    _staff(reseller, "acc@reseller.example", Membership.Role.ACCOUNTANT)
    plan = ResellerPlanFactory(
        reseller=reseller,
        vendor_plan=VendorPlanFactory(name="ESET PROTECT Entry", min_seats=2, max_seats=50),
        seat_price=Decimal("100.00"),
    )
    client = ClientFactory(reseller=reseller, name="ООО Ромашка")
    subscription = paid_subscription(client, plan, seats=2)

    _sign_in(page, "/panel/login/", "acc@reseller.example")
    page.goto("/panel/payments/")
    expect(page.get_by_role("heading", name="Платежи")).to_be_visible()
    expect(page.locator("table").get_by_text("ООО Ромашка").first).to_be_visible()
    expect(page.get_by_role("link", name="Новый платёж")).to_be_visible()
    _shot(page, "accountant-payments")

    page.goto(f"/panel/subscriptions/{subscription.pk}/")
    expect(page.get_by_text("Изменение количества рабочих мест")).to_be_visible()
    expect(page.get_by_text("Ваша роль не позволяет менять число мест.")).to_be_visible()
    expect(page.get_by_role("button", name="Изменить")).to_have_count(0)
    expect(page.locator("input[name=seats]")).to_have_count(0)
    expect(page.get_by_role("button", name="Выключить автопродление")).to_have_count(0)
    _shot(page, "accountant-subscription")
    # Nor staff management: the list is there, its buttons are not.
    page.goto("/panel/staff/")
    expect(page.get_by_text("acc@reseller.example").first).to_be_visible()
    expect(page.get_by_role("button", name="Пригласить")).to_have_count(0)
    # And the page the button would post to refuses.
    response = page.request.post(
        f"/panel/subscriptions/{subscription.pk}/seats/", form={"seats": "3"}
    )
    assert response.status == 403
