"""Who may use /panel/: the signed-in members of a reseller, nobody else (DESIGN.md §9)."""

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.models import Membership
from tests.factories import ClientFactory, ResellerFactory, UserFactory

pytestmark = pytest.mark.django_db

PANEL_PAGES = ["accounts:panel-home", "plans:list", "accounts:client-list", "accounts:client-new"]


@pytest.mark.parametrize("name", PANEL_PAGES)
def test_anonymous_is_sent_to_the_panel_login(name):
    url = reverse(name)
    response = HttpClient().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.parametrize("name", PANEL_PAGES)
def test_a_client_portal_user_cannot_use_the_panel(name):
    client = ClientFactory()
    http = HttpClient()
    http.force_login(client.owner)
    assert http.get(reverse(name)).status_code == 404


def test_a_user_without_membership_cannot_use_the_panel():
    http = HttpClient()
    http.force_login(UserFactory())
    assert http.get(reverse("plans:list")).status_code == 404


def test_a_member_of_an_inactive_reseller_cannot_use_the_panel():
    reseller = ResellerFactory(is_active=False)
    user = UserFactory()
    Membership.objects.create(user=user, reseller=reseller)
    http = HttpClient()
    http.force_login(user)
    assert http.get(reverse("plans:list")).status_code == 404


def test_login_page_signs_a_reseller_member_in_and_logout_signs_out(reseller):
    user = UserFactory(username="manager@reseller.example")
    user.set_password("s3cret-pass")
    user.save()
    Membership.objects.create(user=user, reseller=reseller)
    http = HttpClient()

    page = http.get(reverse("accounts:login"))
    assert page.status_code == 200
    assert 'for="id_username"' in page.content.decode()
    assert 'for="id_password"' in page.content.decode()

    response = http.post(
        reverse("accounts:login"), {"username": user.username, "password": "s3cret-pass"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:list")
    assert http.get(reverse("plans:list")).status_code == 200

    response = http.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert http.get(reverse("plans:list")).status_code == 302


def test_a_wrong_password_shows_an_error_in_russian(reseller):
    response = HttpClient().post(
        reverse("accounts:login"), {"username": "nobody@example.com", "password": "wrong"}
    )
    assert response.status_code == 200
    assert "Неверный логин или пароль." in response.content.decode()


def test_panel_home_leads_to_the_dashboard(panel):
    response = panel.get(reverse("accounts:panel-home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:index")


def test_layout_has_the_sidebar_the_language_switch_and_the_stylesheet(panel, reseller):
    html = panel.get(reverse("plans:list")).content.decode()
    for word in ("Тарифные планы", "Клиенты", "Заказы", "Платежи", "Подписки"):
        assert word in html
    assert "Журнал уведомлений" in html
    assert reseller.name in html
    assert reverse("set_language") in html
    assert 'for="lang-select"' in html
    assert "/static/panel/panel.css" in html
    assert "http://" not in html and "https://" not in html  # nothing from a CDN


def test_english_on_request(panel):
    panel.post(reverse("set_language"), {"language": "en", "next": "/panel/plans/"})
    response = panel.get(reverse("plans:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Tariff plans" in html and "Notification journal" in html


def test_the_operator_admin_keeps_its_own_login():
    response = HttpClient().get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_client_portal_user_cannot_sign_in_to_the_panel():
    client = ClientFactory()
    client.owner.set_password("client-pass")
    client.owner.save()
    http = HttpClient()
    response = http.post(
        reverse("accounts:login"), {"username": client.owner.username, "password": "client-pass"}
    )
    assert response.status_code == 200
    assert "Эта учётная запись не даёт доступа к панели реселлера." in response.content.decode()
    assert "_auth_user_id" not in http.session
