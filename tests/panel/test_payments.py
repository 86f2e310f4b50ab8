"""Payment pages (S8): list with filters, new payment through payment_register_outcome."""

import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Client
from billing.models import BalanceEntry, Payment
from billing.services import payment_register
from billing.submissions import token_issue
from orders.models import Order, SubscriptionStatus
from orders.services import order_confirm, order_create
from tests.factories import ClientFactory, ResellerFactory, ResellerPlanFactory, msk
from tests.panel.conftest import sign_in

pytestmark = pytest.mark.django_db

NOW = msk(2026, 12, 14, 15)


@pytest.fixture
def frozen_panel(reseller):
    """Signed in at NOW with the clock stopped there: the view's today is 14.12.2026."""
    with time_machine.travel(NOW, tick=False):
        yield sign_in(reseller, "cashier@reseller.example")


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def pending_order(client: Client, seats: int = 5) -> Order:
    """A confirmed order of 5 seats at 100,00 ₽ from 14.12.2026: 290,32 + 193,55 due."""
    plan = ResellerPlanFactory(reseller=client.reseller, seat_price=Decimal("100.00"))
    order = order_create(client=client, reseller_plan=plan, seats=seats)
    order_confirm(order=order, at=NOW)
    order.refresh_from_db()
    return order


def written(client: Client) -> tuple[int, int, Decimal]:
    client.refresh_from_db()
    return (Payment.objects.count(), BalanceEntry.objects.count(), client.balance)


# --- list ---------------------------------------------------------------------------------


def test_list_shows_only_this_resellers_payments(panel, reseller):
    client = ClientFactory(reseller=reseller, name="ООО Ромашка")
    payment_register(client=client, amount=Decimal("1234.50"), at=NOW, reference="п/п 17")
    payment_register(client=ClientFactory(name="Чужой"), amount=Decimal("777.00"), at=NOW)
    html = html_of(panel.get(reverse("payments:list")))
    assert "Платежи" in html and "Новый платёж" in html
    assert "ООО Ромашка" in html and "1 234,50 ₽" in html and "п/п 17" in html
    assert "14.12.2026 15:00" in html  # Moscow time
    assert "Чужой" not in html and "777,00 ₽" not in html


def test_list_filters_by_client_dates_and_method(panel, reseller):
    first = ClientFactory(reseller=reseller, name="ООО Ромашка")
    second = ClientFactory(reseller=reseller, name="АО Василёк")
    payment_register(client=first, amount=Decimal("101.00"), at=msk(2026, 12, 1))
    payment_register(client=first, amount=Decimal("102.00"), at=msk(2026, 12, 10), method="card")
    payment_register(client=second, amount=Decimal("103.00"), at=msk(2026, 12, 10))
    url = reverse("payments:list")

    html = html_of(panel.get(url, {"client": first.pk}))
    assert "101,00 ₽" in html and "102,00 ₽" in html and "103,00 ₽" not in html
    html = html_of(panel.get(url, {"date_from": "05.12.2026", "date_to": "2026-12-10"}))
    assert "101,00 ₽" not in html and "102,00 ₽" in html and "103,00 ₽" in html
    html = html_of(panel.get(url, {"method": "card"}))
    assert "101,00 ₽" not in html and "102,00 ₽" in html and "103,00 ₽" not in html
    # Another reseller's client is not a valid choice: the filter is ignored, nothing leaks.
    other = ClientFactory(reseller=ResellerFactory())
    payment_register(client=other, amount=Decimal("999.00"), at=NOW)
    assert "999,00 ₽" not in html_of(panel.get(url, {"client": other.pk}))


def test_list_takes_a_fixed_number_of_queries(panel, reseller):
    client = ClientFactory(reseller=reseller)

    def pay(n: int) -> None:
        for _ in range(n):
            order = pending_order(client, seats=1)
            payment_register(client=client, amount=Decimal("1.00"), at=NOW, order=order)

    pay(3)
    with CaptureQueriesContext(connection) as few:
        html_of(panel.get(reverse("payments:list")))
    pay(27)
    with CaptureQueriesContext(connection) as many:
        html_of(panel.get(reverse("payments:list")))
    assert len(many) == len(few)


# --- new payment --------------------------------------------------------------------------


def test_new_payment_without_a_client_asks_for_one(panel, reseller):
    ClientFactory(reseller=reseller, name="ООО Ромашка")
    ClientFactory(name="Чужой")
    html = html_of(panel.get(reverse("payments:new")))
    assert "Новый платёж" in html and 'for="id_client"' in html
    assert "ООО Ромашка" in html and "Чужой" not in html


def test_new_payment_form_offers_the_clients_pending_orders(panel, reseller):
    client = ClientFactory(reseller=reseller, name="ООО Ромашка")
    order = pending_order(client)
    pending_order(ClientFactory(reseller=reseller))  # another client's order
    html = html_of(panel.get(reverse("payments:new"), {"client": client.pk, "order": order.pk}))
    for field in ("amount", "method", "reference", "order"):
        assert f'for="id_{field}"' in html
    assert f'<option value="{order.pk}" selected>' in html
    select = re.search(r'<select name="order".*?</select>', html, re.S)
    assert select is not None
    assert select.group(0).count("<option") == 2  # "no order" and this client's order


def test_a_payment_that_covers_a_pending_order_activates_it(frozen_panel, reseller):
    panel = frozen_panel
    client = ClientFactory(reseller=reseller, name="ООО Ромашка")
    order = pending_order(client)
    url = f"{reverse('payments:new')}?client={client.pk}"
    response = panel.post(
        url,
        {
            "form_token": token_issue(),
            "amount": "483,87",
            "method": "bank_transfer",
            "reference": "п/п 1",
            "order": order.pk,
        },
    )
    payment = Payment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("payments:detail", args=[payment.pk])
    assert (payment.amount, payment.order, payment.reference) == (
        Decimal("483.87"),
        order,
        "п/п 1",
    )
    order.subscription.refresh_from_db()
    assert order.subscription.status == SubscriptionStatus.ACTIVE
    html = html_of(panel.get(response["Location"]))
    assert "Платёж проведён." in html
    sub = order.subscription
    link = reverse("subscriptions:detail", args=[sub.pk])
    # Named and linked, not a count (test_payment_activation.py has the rest).
    plan = sub.reseller_plan.vendor_plan.name
    assert (
        f'Подписка активирована: <a href="{link}">№{sub.pk} «{plan}» (рабочих мест: 5)</a>.' in html
    )
    assert "Подписка активирована: 1." not in html
    assert "Подписка активна." in html
    assert "осталось оплатить" not in html


def test_a_short_payment_says_how_much_is_still_due(frozen_panel, reseller):
    panel = frozen_panel
    client = ClientFactory(reseller=reseller)
    order = pending_order(client)  # 483,87 ₽ due
    response = panel.post(
        f"{reverse('payments:new')}?client={client.pk}",
        {"form_token": token_issue(), "amount": "1 000", "method": "card", "order": order.pk},
    )
    assert response.status_code == 302
    html = html_of(panel.get(response["Location"]))
    assert "Ни одна подписка не активирована этим платежом." not in html  # 1000 covers it
    second = pending_order(client, seats=20)  # 1 935,48 ₽, of which 516,13 ₽ is available
    response = panel.post(
        f"{reverse('payments:new')}?client={client.pk}",
        {"form_token": token_issue(), "amount": "1234.50", "method": "card", "order": second.pk},
    )
    html = html_of(panel.get(response["Location"]))
    assert "Ни одна подписка не активирована этим платежом." in html
    # 1 935,48 − (1 000,00 + 1 234,50 − 483,87) = 184,85
    assert "осталось оплатить 184,85 ₽" in html


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        ("0", "Введите сумму от 0,01 до 9 999 999 999,99 ₽."),
        ("-5", "Введите сумму от 0,01 до 9 999 999 999,99 ₽."),
        (
            "0,001",
            "Не больше двух знаков после запятой. Введите сумму от 0,01 до 9 999 999 999,99 ₽.",
        ),
        ("десять", "Введите сумму от 0,01 до 9 999 999 999,99 ₽."),
        ("", "Введите сумму от 0,01 до 9 999 999 999,99 ₽."),
        ("12345678901234567890", "Введите сумму от 0,01 до 9 999 999 999,99 ₽."),
    ],
)
def test_bad_amount_is_shown_beside_the_field_and_nothing_is_written(
    panel, reseller, amount, error
):
    client = ClientFactory(reseller=reseller)
    order = pending_order(client)
    before = written(client)
    response = panel.post(
        f"{reverse('payments:new')}?client={client.pk}",
        {
            "form_token": token_issue(),
            "amount": amount,
            "method": "bank_transfer",
            "order": order.pk,
        },
    )
    html = html_of(response)
    assert response.context["form"].errors == {"amount": [error]}
    assert f'<div id="id_amount_error"><p class="error" role="alert">{error}</p></div>' in html
    assert written(client) == before


def test_a_link_naming_another_clients_order_is_404(panel, reseller):
    client = ClientFactory(reseller=reseller)
    neighbour = pending_order(ClientFactory(reseller=reseller))
    foreign = pending_order(ClientFactory(reseller=ResellerFactory()))
    url = reverse("payments:new")
    for order in (neighbour, foreign):
        assert panel.get(url, {"client": client.pk, "order": order.pk}).status_code == 404


def test_another_clients_order_is_refused_and_nothing_is_written(panel, reseller):
    client = ClientFactory(reseller=reseller)
    foreign = pending_order(ClientFactory(reseller=ResellerFactory()))
    before = written(client)
    response = panel.post(
        f"{reverse('payments:new')}?client={client.pk}",
        {
            "form_token": token_issue(),
            "amount": "100",
            "method": "bank_transfer",
            "order": foreign.pk,
        },
    )
    assert list(response.context["form"].errors) == ["order"]
    assert written(client) == before


def test_another_resellers_client_and_payment_are_404(panel):
    other = ClientFactory(reseller=ResellerFactory())
    payment = payment_register(client=other, amount=Decimal("10.00"), at=NOW)
    assert panel.get(reverse("payments:new"), {"client": other.pk}).status_code == 404
    response = panel.post(
        f"{reverse('payments:new')}?client={other.pk}",
        {"form_token": token_issue(), "amount": "10", "method": "card"},
    )
    assert response.status_code == 404
    assert Payment.objects.count() == 1
    assert panel.get(reverse("payments:detail", args=[payment.pk])).status_code == 404


def test_pages_require_sign_in(client):
    for url in (reverse("payments:list"), reverse("payments:new")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
