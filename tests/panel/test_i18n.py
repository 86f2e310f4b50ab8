"""The panel speaks Russian by default and English on request (locale/en/LC_MESSAGES).

English is asked for the way a person does it, through Django's set_language view
(/i18n/setlang/), which keeps the choice in the django_language cookie; money keeps its
Russian form `1 234,50 ₽` in both languages (it is a filter, not a translation)."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.models import Client, Reseller
from billing.services import payment_register
from notifications.models import Notification, NotificationKind
from notifications.services import NotificationSpec, notify
from orders.models import Subscription
from orders.services import order_confirm, order_create
from plans.models import ResellerPlan
from tests.factories import ClientFactory, ResellerPlanFactory, VendorPlanFactory, msk

pytestmark = pytest.mark.django_db

AT = msk(2026, 11, 20, 10)


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def in_english(panel: HttpClient) -> HttpClient:
    response = panel.post("/i18n/setlang/", {"language": "en", "next": "/panel/"})
    assert response.status_code == 302
    assert panel.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    return panel


@pytest.fixture
def english(panel) -> HttpClient:
    return in_english(panel)


@pytest.fixture
def plan(reseller) -> ResellerPlan:
    vendor = VendorPlanFactory(
        name="ESET PROTECT Entry", min_seats=5, max_seats=50, purchase_price=Decimal("1234.50")
    )
    return ResellerPlanFactory(reseller=reseller, vendor_plan=vendor, seat_price=None)


@pytest.fixture
def client_(reseller) -> Client:
    return ClientFactory(reseller=reseller, name="ООО Ромашка")


def subscribe(reseller: Reseller, client: Client) -> Subscription:
    vendor = VendorPlanFactory(name="ESET PROTECT Advanced", min_seats=5, max_seats=50)
    plan = ResellerPlanFactory(reseller=reseller, vendor_plan=vendor, seat_price=Decimal("100.00"))
    order = order_create(client=client, reseller_plan=plan)
    sub = order_confirm(order=order, at=AT)
    order.refresh_from_db()
    payment_register(client=client, amount=order.amount_due, at=AT, order=order)
    sub.refresh_from_db()
    return sub


def note(client: Client) -> Notification:
    notify(
        specs=[
            NotificationSpec(
                kind=NotificationKind.ACTIVATION_DATA,
                key=f"i18n:{client.pk}",
                reseller_id=client.reseller_id,
                client_id=client.pk,
                subscription_id=None,
                recipient_id=client.owner_id,
                email_to=client.email,
                payload={
                    "license_key": "AAAA-BBBB-CCCC-DDDD-EEEE",
                    "public_license_id": "3AB-7YC-K9D",
                    "product": "ESET PROTECT Entry",
                    "seats": 5,
                    "expires_on": "2027-01-14",
                    "client": client.name,
                },
            )
        ],
        at=AT,
    )
    return Notification.objects.filter(client=client).latest("pk")


def assert_english(html: str, *, shown: list[str], hidden: list[str]) -> None:
    for word in shown:
        assert word in html, word
    for word in hidden:
        assert word not in html, word
    # The sidebar and the language switch are translated on every page.
    assert "Tariff plans" in html and "Notification journal" in html
    assert "Тарифные планы" not in html and "Журнал уведомлений" not in html


# --- the switch ---------------------------------------------------------------------------


def test_the_panel_is_russian_by_default(panel, plan):
    html = html_of(panel.get(reverse("plans:list")))
    assert "Тарифные планы" in html and "Абонентская плата/ежемесячно" in html
    assert "Tariff plans" not in html and "Subscription fee / monthly" not in html


def test_the_cookie_alone_switches_the_panel_to_english(panel, plan):
    panel.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = html_of(panel.get(reverse("plans:list")))
    assert "Tariff plans" in html and "Тарифные планы" not in html


def test_switching_back_to_russian(english, plan):
    english.post("/i18n/setlang/", {"language": "ru", "next": "/panel/"})
    html = html_of(english.get(reverse("plans:list")))
    assert "Тарифные планы" in html and "Tariff plans" not in html


# --- tariff plans -------------------------------------------------------------------------


def test_plan_list_in_english_keeps_russian_money(english, plan):
    html = html_of(english.get(reverse("plans:list")))
    assert_english(
        html,
        shown=["Subscription fee / monthly", "Purchase price", "Active", "no margin"],
        hidden=["Абонентская плата", "Закупочная цена", "Активен", "без наценки"],
    )
    assert "1 234,50 ₽" in html


def test_plan_general_tab_in_english(english, reseller):
    vendor = VendorPlanFactory(name="ESET PROTECT Complete")  # not yet activated
    html = html_of(english.get(reverse("plans:detail", args=[vendor.pk])))
    assert_english(
        html,
        shown=["General information", "Resources", "Activate", "Service period", "30 days"],
        hidden=["Общая информация", "Ресурсы", "Активировать", "Период предоставления услуг"],
    )


def test_active_plan_general_tab_offers_deactivate_and_publish(english, plan):
    html = html_of(english.get(reverse("plans:detail", args=[plan.vendor_plan.pk])))
    assert "Deactivate" in html and "Publish" in html
    assert "Деактивировать" not in html and "Опубликовать" not in html


def test_plan_resources_tab_in_english(english, plan):
    html = html_of(english.get(reverse("plans:resources", args=[plan.vendor_plan.pk])))
    assert_english(
        html, shown=["Resources", "Workplace", "Minimum"], hidden=["Рабочее место", "Минимум"]
    )


def test_workplace_form_in_english(english, plan):
    html = html_of(english.get(reverse("plans:workplace", args=[plan.vendor_plan.pk])))
    assert_english(
        html,
        shown=["Workplace", "Subscription fee / monthly", "Purchase price per seat per month"],
        hidden=["Рабочее место", "Абонентская плата", "Закупочная цена", "Сохранить"],
    )
    assert "Save" in html
    assert "1 234,50 ₽" in html


# --- clients, orders, subscriptions, payments ---------------------------------------------


def test_clients_list_and_detail_in_english(english, reseller, client_):
    html = html_of(english.get(reverse("accounts:client-list")))
    assert_english(
        html, shown=["Clients", "New client", "Search by name"], hidden=["Новый клиент", "Найти"]
    )
    assert "ООО Ромашка" in html  # data is not translated

    html = html_of(english.get(reverse("accounts:client-detail", args=[client_.pk])))
    assert_english(
        html, shown=["Balance", "Available balance"], hidden=["Доступный баланс", "Баланс"]
    )


def test_new_order_form_in_english(english, reseller, client_, plan):
    html = html_of(english.get(reverse("orders:new")))
    assert_english(html, shown=["New order", "Client"], hidden=["Новый заказ", "Клиент"])


def test_orders_and_subscriptions_in_english(english, reseller, client_):
    sub = subscribe(reseller, client_)

    html = html_of(english.get(reverse("orders:list")))
    assert_english(html, shown=["Orders", "completed"], hidden=["Заказы", "выполнен"])

    html = html_of(english.get(reverse("orders:detail", args=[sub.order_id])))
    assert_english(
        html, shown=["Order no.", "Open the subscription"], hidden=["Заказ №", "Открыть подписку"]
    )

    html = html_of(english.get(reverse("subscriptions:list")))
    assert_english(html, shown=["Subscriptions", "active"], hidden=["Подписки", "активна"])

    html = html_of(english.get(reverse("subscriptions:detail", args=[sub.pk])))
    assert_english(
        html,
        shown=["Subscription no.", "Service periods", "Auto-renewal", "Change the number of seats"],
        hidden=["Подписка №", "Периоды предоставления услуг", "Автопродление"],
    )


def test_payments_in_english(english, reseller, client_):
    subscribe(reseller, client_)
    html = html_of(english.get(reverse("payments:list")))
    assert_english(
        html, shown=["Payments", "Method", "New payment"], hidden=["Платежи", "Новый платёж"]
    )


def test_notification_journal_in_english(english, reseller, client_):
    notification = note(client_)
    html = html_of(english.get(reverse("notifications:list")))
    assert_english(html, shown=["activation data", "Kind"], hidden=["данные активации", "Тип"])

    html = html_of(english.get(reverse("notifications:detail", args=[notification.pk])))
    assert_english(
        html,
        shown=["Activation data", "Licence key", "Public licence ID", "AAAA-BBBB-CCCC-DDDD-EEEE"],
        hidden=["Лицензионный ключ", "Получатель", "Отметить прочитанным"],
    )


def test_dashboard_in_english(english, reseller, client_):
    subscribe(reseller, client_)
    html = html_of(english.get(reverse("dashboard:index")))
    assert_english(
        html,
        shown=["Dashboard", "Revenue", "Margin", "as of "],
        hidden=["Дашборд", "Выручка", "Маржа", "(МСК)"],
    )


def test_a_domain_refusal_reads_in_english_beside_its_field(english, reseller, client_, plan):
    plan.status = ResellerPlan.Status.ACTIVE
    plan.save()
    response = english.post(
        reverse("orders:new"), {"client": client_.pk, "reseller_plan": plan.pk, "seats": "2"}
    )
    html = html_of(response)
    # The form and orders.services refuse in the same words (core.bounds).
    assert "Enter a whole number of seats from 5 to 50." in html
    assert "Введите целое число мест" not in html
    assert not client_.orders.exists()


def test_a_notification_reads_in_english_and_keeps_its_russian_record(english, client_):
    notification = note(client_)
    html = html_of(english.get(reverse("notifications:detail", args=[notification.pk])))
    assert "ESET subscription activated: ESET PROTECT Entry" in html
    assert "Activation key: AAAA-BBBB-CCCC-DDDD-EEEE" in html
    assert "Подписка ESET активирована" not in html
    listing = html_of(english.get(reverse("notifications:list")))
    assert "ESET subscription activated: ESET PROTECT Entry" in listing
    notification.refresh_from_db()
    assert notification.subject == "Подписка ESET активирована: ESET PROTECT Entry"
