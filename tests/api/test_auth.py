"""Who may call the API and for whom (issue 4, DESIGN.md §9): per-user tokens stored as a
hash, or the browser session with its CSRF token; a token acts for its user's reseller or
client only, in its own scope."""

import hashlib

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Membership
from api.models import ApiToken
from api.services import token_create, token_revoke
from tests.api.conftest import NOW, api_for, error_of, reseller_member
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RESELLER_URLS = ["/api/v1/reseller/orders/", "/api/v1/reseller/plans/", "/api/v1/reseller/clients/"]
CLIENT_URLS = ["/api/v1/client/orders/", "/api/v1/client/plans/", "/api/v1/client/balance/"]


@pytest.mark.parametrize("url", ["/api/v1/me/", *RESELLER_URLS, *CLIENT_URLS])
def test_no_credentials_is_a_401_with_the_bearer_challenge(anonymous, url):
    response = anonymous.get(url)
    error = error_of(response, 401)
    assert error["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(
    "header",
    ["Bearer esk_nope", "Bearer", "Bearer two parts", "bearer esk_nope"],
)
def test_an_unknown_or_malformed_token_is_a_401(mine, header):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=header)
    error = error_of(api.get("/api/v1/me/"), 401)
    assert error["code"] == "authentication_failed"


def test_a_revoked_token_stops_working_at_once(mine):
    user = reseller_member(mine.reseller, "robot@reseller.example")
    created = token_create(user=user, name="robot", at=NOW)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {created.raw}")
    assert api.get("/api/v1/me/").status_code == 200
    token_revoke(token=created.token, at=NOW)
    assert error_of(api.get("/api/v1/me/"), 401)["code"] == "authentication_failed"


def test_only_the_tokens_hash_is_stored(db):
    user = UserFactory(username="hash@example.com")
    created = token_create(user=user, name="Интеграция", at=NOW)
    token = ApiToken.objects.get()
    assert created.raw.startswith("esk_") and len(created.raw) == 4 + 43
    assert token.key_hash == hashlib.sha256(created.raw.encode()).hexdigest()
    assert token.prefix == created.raw[:12]
    stored = [str(v) for v in ApiToken.objects.values().get().values()]
    assert created.raw not in stored


def test_a_token_of_an_inactive_user_is_refused(mine):
    user = reseller_member(mine.reseller, "gone@reseller.example")
    api = api_for(user)
    user.is_active = False
    user.save()
    assert error_of(api.get("/api/v1/me/"), 401)["code"] == "authentication_failed"


def test_use_is_recorded_on_the_token(mine):
    token = ApiToken.objects.filter(user__membership__reseller=mine.reseller).get()
    assert token.last_used_at is None
    mine.reseller_api.get("/api/v1/me/")
    token.refresh_from_db()
    assert token.last_used_at == NOW


@pytest.mark.parametrize("url", RESELLER_URLS)
def test_a_client_token_has_no_reseller_scope(mine, url):
    error = error_of(mine.client_api.get(url), 403)
    assert error["code"] == "permission_denied"


@pytest.mark.parametrize("url", CLIENT_URLS)
def test_a_reseller_token_has_no_client_scope(mine, url):
    assert error_of(mine.reseller_api.get(url), 403)["code"] == "permission_denied"


def test_a_user_acting_for_nobody_is_refused(db):
    api = api_for(UserFactory(username="nobody@example.com"))
    assert error_of(api.get("/api/v1/me/"), 403)["code"] == "permission_denied"
    assert error_of(api.get(RESELLER_URLS[0]), 403)["code"] == "permission_denied"


def test_a_switched_off_reseller_locks_out_its_staff_and_its_clients(mine):
    mine.reseller.is_active = False
    mine.reseller.save()
    assert mine.reseller_api.get("/api/v1/reseller/orders/").status_code == 403
    assert mine.client_api.get("/api/v1/client/orders/").status_code == 403


def test_me_says_who_the_credentials_act_for(mine):
    assert mine.reseller_api.get("/api/v1/me/").json() == {
        "username": "staff1@reseller.example",
        "scope": "reseller",
        "reseller": {"id": mine.reseller.pk, "name": "Реселлер API 1"},
        "client": None,
        "auth": "token",
    }
    assert mine.client_api.get("/api/v1/me/").json() == {
        "username": "owner1@api.example",
        "scope": "client",
        "reseller": {"id": mine.reseller.pk, "name": "Реселлер API 1"},
        "client": {"id": mine.client.pk, "name": "ООО Клиент 1"},
        "auth": "token",
    }


def test_the_browser_session_works_and_its_writes_need_the_csrf_token(mine):
    user = Membership.objects.get(reseller=mine.reseller).user
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(user)
    assert browser.get("/api/v1/me/").json()["auth"] == "session"
    body = {"name": "ООО Сессия", "email": "session@api.example"}
    error = error_of(browser.post("/api/v1/reseller/clients/", body, format="json"), 403)
    assert "CSRF" in error["message"]
    assert not mine.reseller.clients.filter(name="ООО Сессия").exists()

    browser.get("/panel/clients/")  # any page that renders a form sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    response = browser.post("/api/v1/reseller/clients/", body, format="json", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 201
    assert mine.reseller.clients.filter(name="ООО Сессия").exists()


def test_a_token_is_not_a_session_and_needs_no_csrf(mine):
    api = mine.reseller_api
    api.handler.enforce_csrf_checks = True
    body = {"name": "ООО Токен", "email": "token@api.example"}
    assert api.post("/api/v1/reseller/clients/", body, format="json").status_code == 201


def test_tokens_are_per_user(mine):
    """Two members of one reseller each have their own tokens: revoking one leaves the
    other working."""
    first = api_for(reseller_member(mine.reseller, "a@reseller.example"))
    second_user = reseller_member(mine.reseller, "b@reseller.example")
    second = api_for(second_user)
    for token in ApiToken.objects.filter(user=second_user):
        token_revoke(token=token, at=timezone.now())
    assert first.get("/api/v1/me/").status_code == 200
    assert second.get("/api/v1/me/").status_code == 401
