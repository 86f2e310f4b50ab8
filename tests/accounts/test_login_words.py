"""A sign-in error names the field the page shows (issue 11): the portal asks for an e-mail
and says «e-mail» when it is wrong, not Django's «имя пользователя»; the panel asks for a
login and says «логин»."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.models import Membership
from tests.factories import ClientFactory, ResellerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _page(path: str, data: dict[str, str] | None = None) -> str:
    http = HttpClient()
    response = http.post(path, data) if data is not None else http.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_portal_login_names_the_e_mail_in_its_label_and_its_error():
    owner = ClientFactory(email="owner@romashka.example").owner
    owner.set_password("right-password")
    owner.save()
    form = _page(reverse("portal:login"))
    assert '<label for="id_username">E-mail' in form

    html = _page(reverse("portal:login"), {"username": "owner@romashka.example", "password": "x"})

    assert "Неверный e-mail или пароль. Пароль вводится с учётом регистра." in html
    assert "имя пользователя" not in html.lower()


def test_portal_login_takes_the_e_mail_in_any_case():
    owner = ClientFactory(email="owner@romashka.example").owner
    owner.set_password("right-password")
    owner.save()
    response = HttpClient().post(
        reverse("portal:login"),
        {"username": " Owner@Romashka.Example ", "password": "right-password"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")


def test_panel_login_names_the_login_in_its_label_and_its_error():
    user = UserFactory(username="manager")
    user.set_password("right-password")
    user.save()
    Membership.objects.create(user=user, reseller=ResellerFactory(), role=Membership.Role.ADMIN)
    form = _page(reverse("accounts:login"))
    assert '<label for="id_username">Логин' in form
    assert "Если вас пригласили по e-mail — ваш e-mail." in form

    html = _page(reverse("accounts:login"), {"username": "manager", "password": "wrong"})

    assert "Неверный логин или пароль. Пароль вводится с учётом регистра." in html
    assert "имя пользователя" not in html.lower()
