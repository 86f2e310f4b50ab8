"""Who may use /portal/: a client's users only; anyone else signs in first or gets a 404."""

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.models import Membership
from tests.factories import ClientFactory, ResellerFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGES = (
    "portal:home",
    "portal:plans",
    "portal:orders",
    "portal:subscriptions",
    "portal:balance",
)


@pytest.mark.parametrize("name", [*PAGES, "portal:notifications"])
def test_anonymous_is_sent_to_the_portal_login(name):
    url = reverse(name)
    response = HttpClient().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('portal:login')}?next={url}"


@pytest.mark.parametrize("name", PAGES)
def test_a_resellers_member_cannot_use_the_portal(name):
    user = UserFactory(username="staff@reseller.example")
    Membership.objects.create(user=user, reseller=ResellerFactory(), role=Membership.Role.ADMIN)
    http = HttpClient()
    http.force_login(user)
    assert http.get(reverse(name)).status_code == 404


def test_a_user_without_membership_gets_404():
    http = HttpClient()
    http.force_login(UserFactory())
    assert http.get(reverse("portal:home")).status_code == 404


def test_login_page_is_russian_and_a_client_owner_signs_in_with_the_email():
    client = ClientFactory(name="ООО Ромашка", email="owner@romashka.example")
    client.owner.set_password("s3cret-pass")
    client.owner.save()
    http = HttpClient()
    html = http.get(reverse("portal:login")).content.decode()
    assert "Портал клиента" in html and "Войти" in html and "E-mail" in html
    response = http.post(
        reverse("portal:login"), {"username": "owner@romashka.example", "password": "s3cret-pass"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    html = http.get(reverse("portal:home")).content.decode()
    assert "ООО Ромашка" in html and "Доступный баланс" in html


def test_a_resellers_member_is_refused_at_the_portal_login():
    user = UserFactory(username="staff@reseller.example")
    user.set_password("s3cret-pass")
    user.save()
    Membership.objects.create(user=user, reseller=ResellerFactory(), role=Membership.Role.ADMIN)
    http = HttpClient()
    response = http.post(
        reverse("portal:login"), {"username": "staff@reseller.example", "password": "s3cret-pass"}
    )
    assert response.status_code == 200
    assert "не даёт доступа к порталу клиента" in response.content.decode()
    assert "_auth_user_id" not in http.session


def test_logout_goes_back_to_the_portal_login(portal):
    response = portal.post(reverse("portal:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:login")
    assert portal.get(reverse("portal:home")).status_code == 302
