"""Bad input says the allowed range, field by field, and all at once (issue 11 item 6,
DESIGN.md §8): one SeatsField and one MoneyField (config.forms) for every panel and portal
form, the same words from the services the API calls; every invalid field is marked."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Client
from billing.forms import AdjustmentForm, PaymentForm, RefundForm
from billing.models import Payment
from config.forms import MoneyField, SeatsField
from orders.forms import OrderForm, SeatChangeForm
from orders.models import Order
from plans.forms import SeatPriceForm
from tests.factories import ClientFactory, ResellerPlanFactory, VendorPlanFactory
from tests.panel.conftest import sign_in
from tests.portal.conftest import portal_for

pytestmark = pytest.mark.django_db

SEATS = "Введите целое число мест от 5 до 250."
AMOUNT = "Введите сумму от 0,01 до 9 999 999 999,99 ₽."
PRICE = "Введите сумму от 0,00 до 9 999 999 999,99 ₽."
SIGNED = "Введите сумму от −9 999 999 999,99 до 9 999 999 999,99 ₽, кроме нуля."
BAD_NUMBERS = ["-3", "−3", "12345678901234567890", "пять", "abc", "", "   ", "5.5", "1e3"]


@pytest.mark.parametrize("raw", [*BAD_NUMBERS, "4", "251", "0"])
def test_every_bad_seat_count_states_the_range(raw):
    field = SeatsField(min_seats=5, max_seats=250)
    with pytest.raises(Exception) as refused:
        field.clean(raw)
    assert refused.value.messages == [SEATS]  # type: ignore[attr-defined]


@pytest.mark.parametrize(("raw", "seats"), [("5", 5), (" 250 ", 250), ("017", 17)])
def test_a_good_seat_count_is_an_int(raw, seats):
    assert SeatsField(min_seats=5, max_seats=250).clean(raw) == seats


@pytest.mark.parametrize(
    ("field", "message"),
    [
        (MoneyField(), AMOUNT),
        (MoneyField(allow_zero=True), PRICE),
        (MoneyField(signed=True), SIGNED),
    ],
    ids=["amount", "price", "signed"],
)
@pytest.mark.parametrize(
    "raw",
    ["12345678901234567890", "10000000000", "пять", "", "   ", "1e3", "-", "--5", "1.", "NaN"],
)
def test_every_bad_amount_states_the_range(field, message, raw):
    with pytest.raises(Exception) as refused:
        field.clean(raw)
    assert refused.value.messages == [message]  # type: ignore[attr-defined]


@pytest.mark.parametrize("raw", ["-3", "0", "-0,01"])
def test_a_negative_or_zero_payment_states_the_range(raw):
    with pytest.raises(Exception) as refused:
        MoneyField().clean(raw)
    assert refused.value.messages == [AMOUNT]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("field", "raw", "amount"),
    [
        (MoneyField(), "1 234,50", Decimal("1234.50")),
        (MoneyField(), "1\u00a0234,5", Decimal("1234.50")),
        (MoneyField(allow_zero=True), "0", Decimal("0.00")),
        (MoneyField(signed=True), "−500", Decimal("-500.00")),
        (MoneyField(signed=True), "500", Decimal("500.00")),
        (MoneyField(), "9999999999.99", Decimal("9999999999.99")),
    ],
)
def test_good_amounts_are_exact_decimals(field, raw, amount):
    assert field.clean(raw) == amount


def test_a_saved_amount_is_shown_back_as_people_write_it():
    assert MoneyField().prepare_value(Decimal("1099.50")) == "1 099,50"
    assert MoneyField(signed=True).prepare_value(Decimal("-5.00")) == "−5,00"
    assert 'value="1 099,50"' in str(SeatPriceForm(initial={"seat_price": Decimal("1099.5")}))


def test_every_numeric_field_of_the_panel_and_portal_forms_is_the_shared_one():
    from accounts.portal_forms import PortalOrderForm

    seats = [OrderForm.base_fields["seats"], SeatChangeForm.base_fields["seats"]]
    seats.append(PortalOrderForm.base_fields["seats"])
    assert all(isinstance(field, SeatsField) for field in seats)
    money = [PaymentForm, RefundForm, AdjustmentForm]
    assert all(isinstance(form.base_fields["amount"], MoneyField) for form in money)
    assert isinstance(SeatPriceForm.base_fields["seat_price"], MoneyField)


@pytest.fixture
def plan(reseller):
    vendor = VendorPlanFactory(name="ESET PROTECT Entry", min_seats=5, max_seats=250)
    return ResellerPlanFactory(reseller=reseller, vendor_plan=vendor, seat_price=Decimal("100"))


@pytest.fixture
def reseller(db):
    from tests.factories import ResellerFactory

    return ResellerFactory(name="Реселлер")


@pytest.mark.parametrize("raw", ["-3", "12345678901234567890", "пять", ""])
def test_the_panel_order_form_marks_the_seats_and_states_the_range(reseller, plan, raw):
    client = ClientFactory(reseller=reseller)
    response = sign_in(reseller).post(
        reverse("orders:new"), {"client": client.pk, "reseller_plan": plan.pk, "seats": raw}
    )
    html = response.content.decode()
    assert response.context["form"].errors == {"seats": [SEATS]}
    assert f'<p class="error" role="alert">{SEATS}</p>' in html
    assert 'aria-invalid="true"' in html and 'class="invalid"' in html
    assert Order.objects.count() == 0


def test_the_portal_order_form_states_the_range(reseller, plan):
    plan.is_published = True
    plan.save()
    client = ClientFactory(reseller=reseller)
    response = portal_for(client).post(
        reverse("portal:plan-order", args=[plan.pk]), {"seats": "-3"}
    )
    html = response.content.decode()
    assert response.context["form"].errors == {"seats": [SEATS]}
    assert 'aria-invalid="true"' in html and 'class="invalid"' in html
    assert Order.objects.count() == 0


def test_the_client_form_shows_every_mistake_at_once(reseller):
    data = {
        "name": "ООО Ромашка",
        "email": "not an e-mail",
        "inn": "12ab",
        "address_state": "Москва",
        "address_city": "",
        "address_street": "Тверская, 1",
        "address_zip": "1" * 21,
    }
    response = sign_in(reseller).post(reverse("accounts:client-new"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"email", "inn", "address_city", "address_zip"}
    assert errors["email"] == ["Укажите корректный e-mail."]
    assert errors["inn"] == ["ИНН состоит из 10 или 12 цифр."]
    html = response.content.decode()
    assert html.count('aria-invalid="true"') == 4
    assert html.count('class="invalid"') == 4
    # The summary above the form names each marked field, linked to it.
    assert "Исправьте отмеченные поля (4):" in html
    assert '<a href="#id_inn">ИНН</a>' in html
    assert Client.objects.count() == 0


def test_an_empty_client_on_the_payment_form_is_a_field_error(reseller):
    http = sign_in(reseller)
    response = http.get(reverse("payments:new"), {"client": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["pick"].errors == {"client": ["Выберите клиента."]}
    assert 'aria-invalid="true"' in html and "novalidate" in html
    response = http.get(reverse("payments:new"), {"client": "abc"})
    assert response.context["pick"].errors == {"client": ["Выберите клиента из списка."]}
    # Opening the page is not a mistake yet.
    assert not http.get(reverse("payments:new")).context["pick"].errors
    assert Payment.objects.count() == 0


def test_the_api_gives_the_same_range_message(reseller, plan):
    from orders.services import order_create

    client = ClientFactory(reseller=reseller)
    from config.errors import ApplicationError

    for raw in ("-3", "пять", "12345678901234567890", "4"):
        with pytest.raises(ApplicationError) as refused:
            order_create(client=client, reseller_plan=plan, seats=raw)  # type: ignore[arg-type]
        assert refused.value.message == SEATS
        assert refused.value.field == "seats"
