"""The three browser stories of issue 3, each a person at a real Chromium window.

(1) The reseller, S1-S9: sign in, activate a plan, set its price, create a client, order
    with the minimum seats prefilled, confirm, register a payment, read the activation data.
(2) The client: signs in to the portal, reads the activation data, orders a published plan
    and requests a seat change.
(3) A bad seat count: the error stands next to the field, in Russian, and nothing is written.

The live server runs the real clock, so the stories read amounts off the page rather than
assume a date; the rules' arithmetic is pinned by the engine's tests.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Membership
from eset_gateway.models import EsetLicense
from notifications.models import Notification, NotificationKind
from orders.models import Order, SeatChange, Subscription, SubscriptionStatus
from plans.models import ResellerPlan
from tests.factories import (
    ClientFactory,
    ResellerFactory,
    ResellerPlanFactory,
    UserFactory,
    VendorPlanFactory,
)

from .conftest import paid_subscription, rub

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "s3cret-pass"


def _panel_user(reseller):
    user = UserFactory(username="manager@reseller.example")
    user.set_password(PASSWORD)
    user.save()
    Membership.objects.create(user=user, reseller=reseller, role=Membership.Role.ADMIN)
    return user


def _sign_in(page: Page, path: str, username: str) -> None:
    page.goto(path)
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()


def test_reseller_story_s1_to_s9(page: Page):
    reseller = ResellerFactory(name="ООО Реселлер", email="sales@reseller.example")
    _panel_user(reseller)
    vendor = VendorPlanFactory(
        name="ESET PROTECT Entry", min_seats=5, max_seats=250, purchase_price=Decimal("60.00")
    )

    # Sign in; the panel opens on the distributor's catalogue (S1).
    _sign_in(page, "/panel/login/", "manager@reseller.example")
    expect(page.get_by_role("heading", name="Тарифные планы")).to_be_visible()
    page.get_by_role("link", name="ESET PROTECT Entry").click()

    # S2: the plan is inactive until the reseller presses «Активировать».
    expect(page.get_by_text("Общая информация")).to_be_visible()
    page.get_by_role("button", name="Активировать").click()
    expect(page.get_by_role("button", name="Деактивировать")).to_be_visible()
    page.get_by_role("button", name="Опубликовать").click()
    # No seat price yet: publishing asks first and says why (DESIGN.md §8).
    expect(page.get_by_role("heading", name="Опубликовать без маржи?")).to_be_visible()
    page.get_by_role("button", name="Опубликовать без маржи").click()
    expect(page.get_by_role("button", name="Снять с публикации")).to_be_visible()

    # S3-S4: Ресурсы → Рабочее место → Абонентская плата/ежемесячно.
    page.get_by_role("link", name="Ресурсы").click()
    page.get_by_role("link", name="Рабочее место").first.click()
    expect(page.get_by_text("без маржи")).to_be_visible()  # no price yet: the warning
    page.get_by_label("Абонентская плата/ежемесячно").fill("100")
    page.get_by_role("button", name="Сохранить").click()
    margin = page.locator("dt", has_text="Маржа за место в месяц").locator(
        "xpath=following-sibling::dd[1]"
    )
    expect(margin).to_have_text(re.compile(r"40,00\s₽"))
    assert ResellerPlan.objects.get(reseller=reseller, vendor_plan=vendor).seat_price == Decimal(
        "100.00"
    )

    # A client of the reseller.
    page.get_by_role("navigation").get_by_role("link", name="Клиенты").click()
    page.get_by_role("link", name="Новый клиент").click()
    page.get_by_label("Название").fill("ООО Ромашка")
    page.get_by_label("E-mail владельца").fill("owner@romashka.example")
    # The address ESET needs for the client's company.
    page.get_by_label("Регион").fill("Московская область")
    page.get_by_label("Город").fill("Химки")
    page.get_by_label("Улица, дом").fill("ул. Победы, д. 3")
    page.get_by_label("Индекс").fill("141400")
    page.get_by_role("button", name="Создать").click()
    expect(page.get_by_role("heading", name="ООО Ромашка")).to_be_visible()

    # S5-S6: a new order; choosing the plan puts its minimum (5) into the seats field.
    page.get_by_role("link", name="Новый заказ").click()
    page.get_by_label("Тарифный план").select_option(label="ESET PROTECT Entry (от 5 до 250 мест)")
    expect(page.get_by_label("Количество лицензий (рабочих мест)")).to_have_value("5")
    page.get_by_role("button", name="Далее").click()

    # S7: the amount due is shown before «Подтвердить».
    due = rub(page.locator(".amount-due strong").inner_text())
    assert due > 0
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.get_by_text("Осталось оплатить")).to_be_visible()
    order = Order.objects.get(client__reseller=reseller)
    assert order.seats == 5
    assert Subscription.objects.get(order=order).status == SubscriptionStatus.PENDING_PAYMENT

    # S8: Платежи → a payment for the order; the subscription activates.
    page.get_by_role("main").get_by_role("link", name="Платежи").click()
    page.get_by_label("Сумма, ₽").fill(str(due).replace(".", ","))
    page.get_by_role("button", name="Провести платёж").click()
    expect(page.get_by_text("Платёж проведён.")).to_be_visible()
    expect(page.get_by_text(re.compile("активирован"))).to_be_visible()
    subscription = Subscription.objects.get(order=order)
    assert subscription.status == SubscriptionStatus.ACTIVE

    # S9: the journal holds the activation data, the licence key in full.
    page.get_by_role("navigation").get_by_role("link", name="Журнал уведомлений").click()
    page.locator("tr", has_text="данные активации").get_by_role("link").first.click()
    key = EsetLicense.objects.get(subscription=subscription).license_key
    expect(page.get_by_text(key, exact=True)).to_be_visible()
    assert Notification.objects.filter(
        subscription=subscription, kind=NotificationKind.ACTIVATION_DATA
    ).exists()


def test_client_story_portal(page: Page):
    reseller = ResellerFactory(name="ООО Реселлер")
    client = ClientFactory(reseller=reseller, name="ООО Ромашка", email="owner@romashka.example")
    client.owner.set_password(PASSWORD)
    client.owner.save()
    owned = ResellerPlanFactory(
        reseller=reseller, vendor_plan=VendorPlanFactory(name="ESET PROTECT Entry")
    )
    published = ResellerPlanFactory(
        reseller=reseller,
        vendor_plan=VendorPlanFactory(name="ESET PROTECT Advanced", min_seats=3, max_seats=50),
        seat_price=Decimal("150.00"),
    )
    ResellerPlanFactory(
        reseller=reseller,
        vendor_plan=VendorPlanFactory(name="ESET PROTECT Hidden"),
        is_published=False,
    )
    bought = paid_subscription(client, owned, seats=2)
    # The client pays ahead so that the next order activates on confirmation.
    from django.utils import timezone

    from billing.services import payment_register

    payment_register(client=client, amount=Decimal("5000.00"), at=timezone.now())

    _sign_in(page, "/portal/login/", "owner@romashka.example")

    # The activation data of the subscription already bought (S9).
    page.get_by_role("navigation").get_by_role("link", name="Журнал уведомлений").click()
    page.locator("tr", has_text="данные активации").get_by_role("link").first.click()
    key = EsetLicense.objects.get(subscription=bought).license_key
    expect(page.get_by_text(key, exact=True)).to_be_visible()

    # Only the published plans of its reseller (S5).
    page.get_by_role("navigation").get_by_role("link", name="Тарифные планы").click()
    expect(page.get_by_text("ESET PROTECT Advanced")).to_be_visible()
    expect(page.get_by_text("ESET PROTECT Hidden")).to_have_count(0)
    page.get_by_role("row", name=re.compile("ESET PROTECT Advanced")).get_by_role(
        "link", name="Заказать"
    ).click()
    expect(page.get_by_label("Количество лицензий (рабочих мест)")).to_have_value("3")
    page.get_by_role("button", name="Далее").click()
    rub(page.locator(".amount-due strong").inner_text())
    page.get_by_role("button", name="Подтвердить").click()
    order = Order.objects.get(client=client, reseller_plan=published)
    subscription = Subscription.objects.get(order=order)
    assert subscription.status == SubscriptionStatus.ACTIVE

    # S11: a seat change, applied at the next 00:30 MSK.
    page.goto(f"/portal/subscriptions/{subscription.pk}/")
    page.get_by_label("Новое количество рабочих мест").fill("7")
    page.get_by_role("button", name="Изменить").click()
    change = SeatChange.objects.get(subscription=subscription)
    assert change.seats == 7
    expect(page.get_by_role("cell", name="00:30 МСК")).to_have_text(
        f"{change.effective_on:%d.%m.%Y} 00:30 МСК"
    )


def test_bad_seat_count_shows_a_russian_error_and_writes_nothing(page: Page):
    reseller = ResellerFactory(name="ООО Реселлер")
    _panel_user(reseller)
    ClientFactory(reseller=reseller, name="ООО Ромашка")
    ResellerPlanFactory(
        reseller=reseller,
        vendor_plan=VendorPlanFactory(name="ESET PROTECT Entry", min_seats=5, max_seats=250),
    )
    _sign_in(page, "/panel/login/", "manager@reseller.example")
    page.goto("/panel/orders/new/")
    page.get_by_label("Клиент").select_option(label="ООО Ромашка")
    page.get_by_label("Тарифный план").select_option(label="ESET PROTECT Entry (от 5 до 250 мест)")
    page.get_by_label("Количество лицензий (рабочих мест)").fill("2")
    page.get_by_role("button", name="Далее").click()

    error = page.locator("#id_seats_error")
    expect(error).to_contain_text("5")
    expect(error).to_contain_text(re.compile("[а-яё]{4,}"))  # Russian words, not English
    assert Order.objects.count() == 0
