"""The portal speaks Russian by default and English on request (locale/en/LC_MESSAGES),
like the panel: the choice is the django_language cookie that Django's set_language view
(/i18n/setlang/) keeps. Data (client and plan names) and money (`1 234,50 ₽`) are not
translated."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.urls import reverse

from billing.services import payment_register
from notifications.models import Notification, NotificationKind
from notifications.services import NotificationSpec, notify
from orders.models import Subscription
from orders.services import order_confirm, order_create
from plans.models import ResellerPlan
from tests.factories import ResellerPlanFactory, VendorPlanFactory, msk

pytestmark = pytest.mark.django_db

AT = msk(2026, 11, 20, 10)


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def english(portal) -> HttpClient:
    portal.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return portal


@pytest.fixture
def plan(reseller) -> ResellerPlan:
    vendor = VendorPlanFactory(name="ESET PROTECT Entry", min_seats=5, max_seats=50)
    return ResellerPlanFactory(reseller=reseller, vendor_plan=vendor, seat_price=Decimal("1234.50"))


@pytest.fixture
def subscription(client_, plan) -> Subscription:
    order = order_create(client=client_, reseller_plan=plan)
    sub = order_confirm(order=order, at=AT)
    order.refresh_from_db()
    payment_register(client=client_, amount=order.amount_due, at=AT, order=order)
    sub.refresh_from_db()
    return sub


@pytest.fixture
def notification(client_) -> Notification:
    notify(
        specs=[
            NotificationSpec(
                kind=NotificationKind.ACTIVATION_DATA,
                key=f"i18n:{client_.pk}",
                reseller_id=client_.reseller_id,
                client_id=client_.pk,
                subscription_id=None,
                recipient_id=client_.owner_id,
                email_to=client_.email,
                payload={
                    "license_key": "AAAA-BBBB-CCCC-DDDD-EEEE",
                    "public_license_id": "3AB-7YC-K9D",
                    "product": "ESET PROTECT Entry",
                    "seats": 5,
                    "expires_on": "2027-01-14",
                    "client": client_.name,
                },
            )
        ],
        at=AT,
    )
    return Notification.objects.filter(client=client_).latest("pk")


def assert_english(html: str, *, shown: list[str], hidden: list[str]) -> None:
    for word in shown:
        assert word in html, word
    for word in hidden:
        assert word not in html, word
    # The sidebar is translated on every page.
    assert "Client portal" in html and "Notification journal" in html and "Home" in html
    assert "Портал клиента" not in html and "Журнал уведомлений" not in html
    assert "Главная" not in html


# --- the switch ---------------------------------------------------------------------------


def test_the_portal_is_russian_by_default(portal, subscription):
    html = html_of(portal.get(reverse("portal:home")))
    assert "Портал клиента" in html and "Доступный баланс" in html and "Все подписки" in html
    assert "Client portal" not in html and "Available balance" not in html


def test_set_language_switches_the_portal_to_english_and_back(portal, subscription):
    response = portal.post("/i18n/setlang/", {"language": "en", "next": "/portal/"})
    assert response.status_code == 302
    assert portal.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Client portal" in html_of(portal.get(reverse("portal:home")))

    portal.post("/i18n/setlang/", {"language": "ru", "next": "/portal/"})
    html = html_of(portal.get(reverse("portal:home")))
    assert "Портал клиента" in html and "Client portal" not in html


# --- the pages ----------------------------------------------------------------------------


def test_home_in_english(english, client_, subscription):
    html = html_of(english.get(reverse("portal:home")))
    assert_english(
        html,
        shown=["Available balance", "Unread notifications", "Order a tariff plan", "active"],
        hidden=["Доступный баланс", "Непрочитанных уведомлений", "Все подписки", "активна"],
    )
    assert "All subscriptions" in html
    assert "ООО Ромашка" in html and "ESET PROTECT Entry" in html  # data is not translated


def test_plans_in_english_keep_russian_money(english, plan):
    html = html_of(english.get(reverse("portal:plans")))
    assert_english(
        html,
        shown=["Tariff plans", "Subscription fee / monthly", "per seat", "Order"],
        hidden=["Тарифные планы", "Абонентская плата", "за место", "Заказать"],
    )
    assert "1 234,50 ₽" in html


def test_plan_order_form_in_english(english, plan):
    html = html_of(english.get(reverse("portal:plan-order", args=[plan.pk])))
    assert_english(
        html,
        shown=["New order", "per seat", "from 5 to 50", "Number of licences (seats)"],
        hidden=["Новый заказ", "за рабочее место", "от 5 до 50", "Далее"],
    )


def test_subscription_detail_in_english(english, subscription):
    html = html_of(english.get(reverse("portal:subscription", args=[subscription.pk])))
    assert_english(
        html,
        shown=["Subscription no.", "Service periods", "Auto-renewal", "Charges", "Paid through"],
        hidden=["Подписка №", "Периоды предоставления услуг", "Автопродление", "Списания"],
    )


def test_balance_in_english(english, subscription):
    html = html_of(english.get(reverse("portal:balance")))
    assert_english(
        html,
        shown=["Available balance", "Charges", "Payments", "registered by your reseller"],
        hidden=["Доступный баланс", "Списания", "Платежи", "реселлер"],
    )


def test_journal_in_english(english, notification):
    html = html_of(english.get(reverse("portal:notifications")))
    assert_english(html, shown=["activation data", "Kind"], hidden=["данные активации", "Тип"])

    html = html_of(english.get(reverse("portal:notification", args=[notification.pk])))
    assert_english(
        html,
        shown=["Activation data", "Licence key", "Mark as read", "AAAA-BBBB-CCCC-DDDD-EEEE"],
        hidden=["Лицензионный ключ", "Получатель", "Отметить прочитанным"],
    )
