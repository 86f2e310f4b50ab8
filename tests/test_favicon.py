"""The product has one icon (issue 11): static/favicon.svg, linked by every base template
(the panel, the portal, the sign-in and password pages, the operator admin), and
/favicon.ico leads to it for pages that link none."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.test import Client as HttpClient
from django.urls import reverse

from tests.factories import ClientFactory, ResellerFactory
from tests.panel.conftest import sign_in

pytestmark = pytest.mark.django_db

ICON = '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'


def test_the_icon_is_a_static_svg():
    path = finders.find("favicon.svg")
    assert path is not None
    with open(path, encoding="utf-8") as svg:
        assert svg.read().startswith('<svg xmlns="http://www.w3.org/2000/svg"')


@pytest.mark.parametrize(
    "path",
    ["/panel/login/", "/portal/login/", "/admin/login/", "/password/reset/"],
)
def test_every_page_without_signing_in_links_the_icon(path):
    response = HttpClient().get(path)
    assert response.status_code == 200
    assert ICON in response.content.decode()


def test_the_panel_and_the_portal_link_the_icon():
    reseller = ResellerFactory()
    assert ICON in sign_in(reseller).get(reverse("dashboard:index")).content.decode()
    portal = HttpClient()
    portal.force_login(ClientFactory(reseller=reseller).owner)
    assert ICON in portal.get(reverse("portal:home")).content.decode()


def test_favicon_ico_leads_to_the_icon():
    response = HttpClient().get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"
