"""The language is the person's stored choice, Russian until they choose (DESIGN.md §8):
Accept-Language is used nowhere, pages or API."""

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.models import Membership
from tests.api.conftest import api_for, reseller_member
from tests.factories import ClientFactory, ResellerFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["accounts:login", "portal:login"])
def test_a_browser_asking_for_english_gets_russian_sign_in_pages(page):
    response = HttpClient().get(reverse(page), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'lang="ru"' in html and response["Content-Language"] == "ru"


def test_a_signed_in_person_who_chose_english_gets_english_whatever_the_browser_says():
    client = ClientFactory(reseller=ResellerFactory())
    Membership.objects.filter(user=client.owner).update(language="en")
    http = HttpClient()
    http.force_login(client.owner)
    response = http.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="ru")
    assert 'lang="en"' in response.content.decode()


def test_an_api_token_answers_in_its_persons_stored_language_never_the_header():
    reseller = ResellerFactory()
    user = reseller_member(reseller, "api-lang@reseller.example")
    api = api_for(user)
    response = api.get("/api/v1/reseller/orders/0/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Заказ не найден."
    assert response["Content-Language"] == "ru"
    Membership.objects.filter(user=user).update(language="en")
    response = api.get("/api/v1/reseller/orders/0/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.json()["error"]["message"] == "Order not found."
    assert response["Content-Language"] == "en"


def test_no_module_reads_accept_language():
    """Django's LocaleMiddleware and get_language_from_request read the header: neither is
    used anywhere in the project."""
    from pathlib import Path

    from django.conf import settings

    assert "django.middleware.locale.LocaleMiddleware" not in settings.MIDDLEWARE
    root = Path(settings.BASE_DIR)
    readers = [
        str(path.relative_to(root))
        for app in ("accounts", "api", "config", "core", "billing", "orders", "plans")
        for path in (root / app).rglob("*.py")
        if "get_language_from_request" in path.read_text(encoding="utf-8")
        or "HTTP_ACCEPT_LANGUAGE" in path.read_text(encoding="utf-8")
    ]
    assert readers == []
