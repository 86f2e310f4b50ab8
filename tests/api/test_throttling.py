"""Throttling per token (issue 4): each token has its own budget in the shared cache
(REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api"], from API_THROTTLE_RATE); past it, a 429
in the error shape with Retry-After."""

import pytest
from rest_framework.test import APIClient

from api.services import token_create
from tests.api.conftest import NOW, error_of, reseller_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_a_minute(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "3/minute"},
    }


def bearer(raw: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


@pytest.mark.usefixtures("three_a_minute")
def test_a_token_past_its_rate_gets_a_429_and_another_token_does_not(mine):
    user = reseller_member(mine.reseller, "busy@reseller.example")
    first = bearer(token_create(user=user, name="one", at=NOW).raw)
    second = bearer(token_create(user=user, name="two", at=NOW).raw)
    for _ in range(3):
        assert first.get("/api/v1/reseller/orders/").status_code == 200
    response = first.get("/api/v1/reseller/orders/")
    error = error_of(response, 429)
    assert error["code"] == "throttled"
    assert int(response["Retry-After"]) == 60
    # Another token of the same user has its own budget.
    assert second.get("/api/v1/reseller/orders/").status_code == 200


@pytest.mark.usefixtures("three_a_minute")
def test_a_session_is_throttled_per_user(mine):
    user = reseller_member(mine.reseller, "browser@reseller.example")
    browser = APIClient()
    browser.force_login(user)
    for _ in range(3):
        assert browser.get("/api/v1/me/").status_code == 200
    assert error_of(browser.get("/api/v1/me/"), 429)["code"] == "throttled"


def test_the_default_rate_comes_from_the_settings(settings):
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api"] == "600/minute"
