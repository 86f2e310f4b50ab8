"""Errors are pages of the product (DESIGN.md §8): 404, 403 and 500 in the person's language,
with a link to their home, DEBUG on or off; never Django's English technical page with the
URL list. The API keeps its JSON errors."""

import pytest
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import Membership
from config.views import server_error
from tests.factories import ClientFactory, ResellerFactory, UserFactory
from tests.panel.conftest import sign_in

pytestmark = pytest.mark.django_db

DJANGO_PAGES = (
    "Using the URLconf",
    "Page not found at",
    "DEBUG = True",
    "Forbidden (403)",
    "Django",
)


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def product_page(response, status: int, *texts: str) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert not any(marker in html for marker in DJANGO_PAGES), html[:400]
    for text in texts:
        assert text in html
    assert "panel/panel.css" in html and 'lang="' in html
    return html


def signed_in(user) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


def test_a_client_opening_the_panel_gets_the_product_404_with_a_link_to_the_portal(debug):
    client = ClientFactory(reseller=ResellerFactory())
    html = product_page(
        signed_in(client.owner).get("/panel/"), 404, "Страница не найдена", 'href="/portal/"'
    )
    assert 'lang="ru"' in html


def test_a_missing_id_gets_the_product_404(debug):
    http = sign_in(ResellerFactory())
    product_page(
        http.get(reverse("accounts:client-detail", args=[987654])),
        404,
        "Страница не найдена",
        'href="/panel/"',
    )
    product_page(http.get("/panel/no-such-page/"), 404, "Страница не найдена")
    product_page(HttpClient().get("/nowhere/"), 404, "Страница не найдена", 'href="/"')


def test_the_404_speaks_the_persons_language(debug):
    client = ClientFactory(reseller=ResellerFactory())
    Membership.objects.filter(user=client.owner).update(language="en")
    html = product_page(
        signed_in(client.owner).get("/portal/orders/987654/"), 404, "Page not found"
    )
    assert 'lang="en"' in html and "Back to the start page" in html


def test_a_role_refusal_is_the_product_403(debug):
    reseller = ResellerFactory()
    user = UserFactory(username="acc@reseller.example")
    Membership.objects.create(user=user, reseller=reseller, role=Membership.Role.ACCOUNTANT)
    # An accountant does not place orders (accounts.permissions).
    response = signed_in(user).get(reverse("orders:new"))
    product_page(response, 403, "Нет доступа", 'href="/panel/"')


def test_the_api_keeps_its_json_errors(debug):
    response = HttpClient().get("/api/v1/reseller/orders/0/")
    assert response["Content-Type"].startswith("application/json")
    response = HttpClient().get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_the_500_page_needs_no_request_context():
    response = server_error(RequestFactory().get("/panel/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Что-то пошло не так" in html and 'href="/"' in html


def test_an_unhandled_error_with_debug_off_is_the_product_500(settings, monkeypatch):
    settings.DEBUG = False
    import accounts.views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(accounts.views, "client_search", broken)
    http = sign_in(ResellerFactory())
    http.raise_request_exception = False
    response = http.get(reverse("accounts:client-list"))
    assert response.status_code == 500
    assert "Что-то пошло не так" in response.content.decode()
