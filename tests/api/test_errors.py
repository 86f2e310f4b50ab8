"""One error shape for everything the API refuses (issue 4):
{"error": {"code", "message", "fields": {name: [messages]}}}, in the person's stored language
(Russian until they choose; Accept-Language is not used, DESIGN.md §8)."""

import pytest

from accounts.models import Membership
from tests.api.conftest import error_of, snapshot

pytestmark = pytest.mark.django_db


def test_a_body_that_fails_its_types_names_every_field(mine):
    before = snapshot()
    response = mine.reseller_api.post(
        "/api/v1/reseller/payments/", {"client": "x", "amount": "abc"}, format="json"
    )
    error = error_of(response, 400)
    assert error == {
        "code": "invalid",
        "message": "Проверьте данные запроса.",
        "fields": {
            "client": ["Введите правильное число."],
            "amount": ["Требуется численное значение."],
        },
    }
    assert snapshot() == before


def test_a_missing_field_is_named(mine):
    error = error_of(mine.reseller_api.post("/api/v1/reseller/payments/", {}, format="json"), 400)
    assert error["fields"] == {
        "client": ["Обязательное поле."],
        "amount": ["Обязательное поле."],
    }


def test_a_domain_refusal_keeps_its_code_message_and_field(mine):
    response = mine.reseller_api.post(
        "/api/v1/reseller/payments/", {"client": mine.client.pk, "amount": "0"}, format="json"
    )
    assert error_of(response, 400) == {
        "code": "invalid",
        "message": "Введите сумму от 0,01 до 9 999 999 999,99 ₽.",
        "fields": {"amount": ["Введите сумму от 0,01 до 9 999 999 999,99 ₽."]},
    }


def test_accept_language_is_not_used(mine):
    """An API client asking for English gets Russian: the person has not chosen."""
    response = mine.reseller_api.post(
        "/api/v1/reseller/payments/",
        {"client": mine.client.pk, "amount": "0"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert error_of(response, 400)["message"] == "Введите сумму от 0,01 до 9 999 999 999,99 ₽."
    assert response["Content-Language"] == "ru"
    error = error_of(
        mine.reseller_api.get("/api/v1/reseller/orders/0/", HTTP_ACCEPT_LANGUAGE="en"), 404
    )
    assert error["message"] == "Заказ не найден."


def test_the_language_is_the_persons_stored_choice(mine):
    Membership.objects.filter(reseller=mine.reseller).update(language="en")
    Membership.objects.filter(client=mine.client).update(language="en")
    response = mine.reseller_api.post(
        "/api/v1/reseller/payments/",
        {"client": mine.client.pk, "amount": "0"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert error_of(response, 400)["message"] == (
        "Enter an amount from 0,01 to 9 999 999 999,99 ₽."
    )
    assert response["Content-Language"] == "en"
    response = mine.reseller_api.post("/api/v1/reseller/payments/", {}, format="json")
    error = error_of(response, 400)
    assert error["message"] == "Check the request data."
    assert error["fields"]["amount"] == ["This field is required."]
    error = error_of(mine.reseller_api.get("/api/v1/reseller/orders/0/"), 404)
    assert error["message"] == "Order not found."
    anonymous_error = error_of(mine.client_api.get("/api/v1/reseller/orders/"), 403)
    assert anonymous_error["message"].startswith("These credentials act for a client")


def test_not_found_and_conflict(mine, theirs):
    error = error_of(mine.reseller_api.get(f"/api/v1/reseller/orders/{theirs.draft.pk}/"), 404)
    assert error == {
        "code": "not_found",
        "message": "Заказ не найден.",
        "fields": {"order": ["Заказ не найден."]},
    }
    url = f"/api/v1/reseller/orders/{mine.draft.pk}/cancel/"
    assert mine.reseller_api.post(url).status_code == 200
    before = snapshot()
    error = error_of(mine.reseller_api.post(url), 409)
    assert error["code"] == "conflict" and error["fields"] == {"order": [error["message"]]}
    assert snapshot() == before


@pytest.mark.parametrize(
    "url",
    ["/api/v1/nowhere/", "/api/v1/reseller/orders/abc/", "/api/v1/reseller/orders", "/api/x"],
)
def test_an_unknown_path_is_the_apis_json_404(mine, url):
    error = error_of(mine.reseller_api.get(url), 404)
    assert error == {"code": "not_found", "message": "Страница не найдена.", "fields": {}}


def test_a_wrong_method_is_a_405(mine):
    error = error_of(mine.reseller_api.delete("/api/v1/reseller/orders/"), 405)
    assert error["code"] == "method_not_allowed"


def test_a_body_that_is_not_json_is_a_400_or_a_415(mine):
    before = snapshot()
    response = mine.reseller_api.post(
        "/api/v1/reseller/payments/", "{not json", content_type="application/json"
    )
    assert error_of(response, 400)["code"] == "parse_error"
    response = mine.reseller_api.post(
        "/api/v1/reseller/payments/", "amount=1", content_type="text/plain"
    )
    assert error_of(response, 415)["code"] == "unsupported_media_type"
    assert snapshot() == before


def test_nan_and_infinity_are_not_json(mine):
    response = mine.reseller_api.post(
        "/api/v1/reseller/payments/",
        '{"client": 1, "amount": NaN}',
        content_type="application/json",
    )
    assert error_of(response, 400)["code"] == "parse_error"
