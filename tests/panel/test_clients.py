"""Client pages: list with search, create through client_create, detail with money tables."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Client, Membership
from billing.models import Charge, Payment
from billing.services import payment_register
from orders.services import order_confirm, order_create
from tests.factories import ClientFactory, ResellerFactory, ResellerPlanFactory, msk

pytestmark = pytest.mark.django_db


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


ADDRESS = {
    "address_state": "Московская область",
    "address_city": "Химки",
    "address_street": "ул. Победы, д. 3",
    "address_zip": "141400",
}


def counts() -> tuple[int, int, int]:
    return (Client.objects.count(), get_user_model().objects.count(), Membership.objects.count())


# --- list ---------------------------------------------------------------------------------


def test_list_shows_only_this_resellers_clients_with_balance(panel, reseller):
    ClientFactory(reseller=reseller, name="ООО Ромашка", balance=Decimal("1234.50"))
    ClientFactory(name="Чужой клиент")
    html = html_of(panel.get(reverse("accounts:client-list")))
    assert "ООО Ромашка" in html and "1 234,50 ₽" in html
    assert "Чужой клиент" not in html
    assert "Новый клиент" in html


def test_list_searches_by_name(panel, reseller):
    ClientFactory(reseller=reseller, name="ООО Ромашка")
    ClientFactory(reseller=reseller, name="АО Василёк")
    html = html_of(panel.get(reverse("accounts:client-list"), {"q": "ромаш"}))
    assert "ООО Ромашка" in html and "АО Василёк" not in html
    assert 'for="id_q"' in html


def test_list_paginates_keeping_the_search(panel, reseller):
    for n in range(30):
        ClientFactory(reseller=reseller, name=f"Клиент {n:02d}")
    html = html_of(panel.get(reverse("accounts:client-list"), {"q": "Клиент"}))
    assert "Клиент 24" in html and "Клиент 25" not in html
    assert "?q=%D0%9A%D0%BB%D0%B8%D0%B5%D0%BD%D1%82&amp;page=2" in html
    html = html_of(panel.get(reverse("accounts:client-list"), {"q": "Клиент", "page": 2}))
    assert "Клиент 25" in html and "Клиент 24" not in html


def test_list_takes_a_fixed_number_of_queries(panel, reseller):
    for _ in range(3):
        ClientFactory(reseller=reseller)
    with CaptureQueriesContext(connection) as few:
        html_of(panel.get(reverse("accounts:client-list")))
    for _ in range(27):
        ClientFactory(reseller=reseller)
    with CaptureQueriesContext(connection) as many:
        html_of(panel.get(reverse("accounts:client-list")))
    assert len(many) == len(few)


# --- create -------------------------------------------------------------------------------


def test_create_a_client(panel, reseller):
    page = html_of(panel.get(reverse("accounts:client-new")))
    for field in ("name", "email", "inn", *ADDRESS):
        assert f'for="id_{field}"' in page
    response = panel.post(
        reverse("accounts:client-new"),
        {
            "name": "ООО Ромашка",
            "email": "Owner@Romashka.example",
            "inn": "7701234567",
            **ADDRESS,
        },
    )
    client = Client.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:client-detail", args=[client.pk])
    assert (client.reseller, client.name, client.email, client.inn) == (
        reseller,
        "ООО Ромашка",
        "owner@romashka.example",
        "7701234567",
    )
    assert client.owner.membership.client == client
    # The address ESET needs for the client's company (Company/Create/customer).
    assert {name: getattr(client, name) for name in ADDRESS} == ADDRESS
    assert "Клиент «ООО Ромашка» создан." in html_of(panel.get(response["Location"]))


def test_the_client_form_asks_for_the_address(panel, reseller):
    before = counts()
    form_data = {"name": "ООО", "email": "a@example.com", **ADDRESS, "address_city": ""}
    response = panel.post(reverse("accounts:client-new"), form_data)
    assert response.context["form"].errors == {"address_city": ["Обязательное поле."]}
    assert counts() == before


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"name": "", "email": "a@example.com"}, "name", "Обязательное поле."),
        ({"name": "   ", "email": "a@example.com"}, "name", "Обязательное поле."),
        ({"name": "ООО", "email": "not-an-email"}, "email", "Укажите корректный e-mail."),
        (
            {"name": "ООО", "email": "a@example.com", "inn": "12ab"},
            "inn",
            "ИНН состоит из 10 или 12 цифр.",
        ),
        (
            {"name": "ООО", "email": "taken@example.com"},
            "email",
            "Пользователь с таким e-mail уже существует.",
        ),
    ],
)
def test_bad_input_is_shown_beside_the_field_and_nothing_is_written(
    panel, reseller, data, field, error
):
    ClientFactory(reseller=reseller, email="taken@example.com")
    before = counts()
    response = panel.post(reverse("accounts:client-new"), {**ADDRESS, **data})
    html = html_of(response)
    assert response.context["form"].errors == {field: [error]}
    assert f'<p class="error" role="alert">{error}</p>' in html
    assert counts() == before


# --- detail -------------------------------------------------------------------------------


def _client_with_money(reseller, n_subscriptions: int) -> Client:
    client = ClientFactory(reseller=reseller, name="ООО Ромашка")
    for _ in range(n_subscriptions):
        plan = ResellerPlanFactory(reseller=reseller, seat_price=Decimal("100.00"))
        order = order_create(client=client, reseller_plan=plan, seats=5)
        order_confirm(order=order, at=msk(2026, 12, 14, 10))
        order.refresh_from_db()
        payment_register(
            client=client, amount=order.amount_due, at=msk(2026, 12, 14, 11), order=order
        )
    return client


def test_detail_shows_balance_available_balance_subscriptions_payments_and_charges(panel, reseller):
    client = _client_with_money(reseller, 1)
    payment_register(client=client, amount=Decimal("1000.00"), at=msk(2026, 12, 15))
    client.refresh_from_db()
    html = html_of(panel.get(reverse("accounts:client-detail", args=[client.pk])))

    assert "ООО Ромашка" in html
    assert "Доступный баланс" in html
    # 483.87 paid for the first period's two charges (290.32 + 193.55), then 1000.00.
    assert "1 483,87 ₽" in html  # balance
    assert "1 000,00 ₽" in html  # available: the open charges are reserved
    assert "активна" in html
    assert Payment.objects.filter(client=client).count() == 2
    assert Charge.objects.filter(client=client).count() == 2
    assert "290,32 ₽" in html and "193,55 ₽" in html
    assert "31.12.2026" in html and "13.01.2027" in html


def test_detail_of_another_resellers_client_is_404(panel):
    other = ClientFactory(reseller=ResellerFactory())
    assert panel.get(reverse("accounts:client-detail", args=[other.pk])).status_code == 404
    assert panel.get(reverse("accounts:client-detail", args=[999999])).status_code == 404


def test_detail_takes_a_fixed_number_of_queries(panel, reseller):
    client = _client_with_money(reseller, 1)
    with CaptureQueriesContext(connection) as few:
        html_of(panel.get(reverse("accounts:client-detail", args=[client.pk])))
    other = _client_with_money(reseller, 3)
    with CaptureQueriesContext(connection) as many:
        html_of(panel.get(reverse("accounts:client-detail", args=[other.pk])))
    assert len(many) == len(few)


def test_client_page_links_to_a_new_order_and_a_new_payment_for_that_client(panel, reseller):
    from tests.factories import ClientFactory

    client = ClientFactory(reseller=reseller)
    html = panel.get(reverse("accounts:client-detail", args=[client.pk])).content.decode()
    assert f"{reverse('orders:new')}?client={client.pk}" in html
    assert f"{reverse('payments:new')}?client={client.pk}" in html
