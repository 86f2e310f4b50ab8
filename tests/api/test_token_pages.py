"""«API-токены» in the reseller panel (/panel/tokens/) and the client portal
(/portal/tokens/): a user lists, creates and revokes their own tokens; the raw token is
shown once, at creation, and only its hash is stored."""

import hashlib

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from rest_framework.test import APIClient

from api.models import ApiToken
from tests.api.conftest import error_of, reseller_member, snapshot

pytestmark = pytest.mark.django_db

FACES = ["panel", "portal"]


def signed_in(tenant, face: str):
    user = (
        reseller_member(tenant.reseller, f"pages{tenant.reseller.pk}@reseller.example")
        if face == "panel"
        else tenant.client.owner
    )
    http = HttpClient()
    http.force_login(user)
    return http, user


@pytest.mark.parametrize("face", FACES)
def test_the_sidebar_links_to_the_tokens_page(mine, face):
    http, _ = signed_in(mine, face)
    home = "/panel/dashboard/" if face == "panel" else "/portal/"
    html = http.get(home).content.decode()
    assert f'href="/{face}/tokens/"' in html and "API-токены" in html
    page = http.get(f"/{face}/tokens/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'aria-current="page">API-токены' in html
    assert "/api/docs/" in html
    # Only the user's own tokens (a client's owner holds the fixture's "tests" token).
    assert ("tests" in html) == (face == "portal")


@pytest.mark.parametrize("face", FACES)
def test_a_new_token_is_shown_once_and_works(mine, face):
    http, user = signed_in(mine, face)
    response = http.post(f"/{face}/tokens/", {"name": "Интеграция с 1С"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    token = ApiToken.objects.get(user=user, name="Интеграция с 1С")
    raw = html.split('<code id="new-token">')[1].split("</code>")[0]
    assert raw.startswith(token.prefix)
    assert hashlib.sha256(raw.encode()).hexdigest() == token.key_hash
    assert raw not in http.get(f"/{face}/tokens/").content.decode()  # never again
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/me/").json()["scope"] == ("reseller" if face == "panel" else "client")


@pytest.mark.parametrize("face", FACES)
@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_bad_name_creates_nothing(mine, face, name):
    http, _user = signed_in(mine, face)
    before = ApiToken.objects.count()
    html = http.post(f"/{face}/tokens/", {"name": name}).content.decode()
    assert 'class="error"' in html and 'id="new-token"' not in html
    assert ApiToken.objects.count() == before


@pytest.mark.parametrize("face", FACES)
def test_revoking_a_token_stops_it(mine, face):
    http, user = signed_in(mine, face)
    html = http.post(f"/{face}/tokens/", {"name": "Временный"}).content.decode()
    raw = html.split('<code id="new-token">')[1].split("</code>")[0]
    token = ApiToken.objects.get(user=user, name="Временный")
    response = http.post(f"/{face}/tokens/{token.pk}/revoke/", follow=True)
    assert "Токен «Временный» отозван." in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert error_of(api.get("/api/v1/me/"), 401)["code"] == "authentication_failed"
    # A second revocation says so and changes nothing.
    before = token.revoked_at
    response = http.post(f"/{face}/tokens/{token.pk}/revoke/", follow=True)
    assert "Токен уже отозван." in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at == before


@pytest.mark.parametrize("face", FACES)
def test_someone_elses_token_is_not_found(mine, theirs, face):
    http, _ = signed_in(mine, face)
    other_http, other_user = signed_in(theirs, face)
    other_http.post(f"/{face}/tokens/", {"name": "Чужой"})
    theirs_token = ApiToken.objects.get(user=other_user, name="Чужой")
    assert "Чужой" not in http.get(f"/{face}/tokens/").content.decode()
    before = snapshot()
    assert http.post(f"/{face}/tokens/{theirs_token.pk}/revoke/").status_code == 404
    theirs_token.refresh_from_db()
    assert theirs_token.revoked_at is None and snapshot() == before


def test_each_face_is_for_its_own_people(mine):
    panel_user_http, _ = signed_in(mine, "panel")
    portal_user_http, _ = signed_in(mine, "portal")
    assert panel_user_http.get("/portal/tokens/").status_code == 404
    assert portal_user_http.get("/panel/tokens/").status_code == 404
    assert HttpClient().get("/panel/tokens/").status_code == 302  # to the sign-in


@pytest.mark.parametrize("face", FACES)
def test_the_page_speaks_english_on_request(mine, face):
    http, _ = signed_in(mine, face)
    http.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = http.post(f"/{face}/tokens/", {"name": "CI"}).content.decode()
    for text in ("API tokens", "Copy it now", "Create token", "Revoke"):
        assert text in html, text
    assert "Скопируйте" not in html


def test_the_operator_sees_tokens_without_their_hash_and_can_revoke_them(mine, admin_client):
    token = ApiToken.objects.filter(user=mine.client.owner).get()
    html = admin_client.get("/admin/api/apitoken/").content.decode()
    assert token.prefix in html and token.key_hash not in html
    page = admin_client.get(f"/admin/api/apitoken/{token.pk}/change/").content.decode()
    assert token.key_hash not in page
    response = admin_client.post(
        "/admin/api/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
        follow=True,
    )
    assert "Отозвано токенов: 1." in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert admin_client.get("/admin/api/idempotencyrecord/").status_code == 200
