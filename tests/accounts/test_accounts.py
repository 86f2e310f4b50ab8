"""Resellers, clients and the people who sign in for them (DESIGN.md §3, §12). Bad input
for these services is in tests/billing/test_bad_input.py."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from accounts.models import Client, Membership, Reseller
from accounts.services import client_create, reseller_create, reseller_user_create

pytestmark = pytest.mark.django_db

User = get_user_model()


def test_reseller_create_cleans_its_input():
    reseller = reseller_create(
        name="  ООО «Ромашка»  ", email=" Sales@Romashka.RU ", inn="7707083893"
    )
    reseller.refresh_from_db()
    assert (reseller.name, reseller.email, reseller.inn, reseller.is_active) == (
        "ООО «Ромашка»",
        "sales@romashka.ru",
        "7707083893",
        True,
    )
    # A reseller is an organisation: no user is created for it.
    assert User.objects.count() == 0


def test_client_create_makes_its_owner_user():
    reseller = reseller_create(name="Реселлер", email="r@example.com")
    client = client_create(reseller=reseller, name=" Клиент ", email="Owner@Client.RU")
    client.refresh_from_db()
    assert (client.reseller_id, client.name, client.email, client.balance) == (
        reseller.pk,
        "Клиент",
        "owner@client.ru",
        Decimal("0.00"),
    )
    owner = client.owner
    # S9: the owner receives activation data; the login is the client's e-mail.
    assert (owner.username, owner.email, owner.has_usable_password()) == (
        "owner@client.ru",
        "owner@client.ru",
        False,
    )
    membership = Membership.objects.get(user=owner)
    assert (membership.client_id, membership.reseller_id, membership.role) == (
        client.pk,
        None,
        Membership.Role.OWNER,
    )


def test_client_create_with_a_password():
    reseller = reseller_create(name="Реселлер", email="r@example.com")
    client = client_create(
        reseller=reseller, name="Клиент", email="c@example.com", password="s3cret-Pass"
    )
    assert client.owner.check_password("s3cret-Pass")
    assert client.owner.password != "s3cret-Pass"  # hashed by Django


def test_two_clients_of_one_reseller():
    reseller = reseller_create(name="Реселлер", email="r@example.com")
    a = client_create(reseller=reseller, name="А", email="a@example.com")
    b = client_create(reseller=reseller, name="Б", email="b@example.com")
    assert a.owner_id != b.owner_id
    assert set(Client.objects.filter(reseller=reseller).values_list("email", flat=True)) == {
        "a@example.com",
        "b@example.com",
    }
    assert Membership.objects.filter(role=Membership.Role.OWNER).count() == 2


def test_reseller_user_create():
    reseller = reseller_create(name="Реселлер", email="r@example.com")
    user = reseller_user_create(
        reseller=reseller, username="manager", email="Manager@Example.com", password="pw-12345"
    )
    assert (user.username, user.email) == ("manager", "manager@example.com")
    assert user.check_password("pw-12345")
    membership = Membership.objects.get(user=user)
    assert (membership.reseller_id, membership.client_id, membership.role) == (
        reseller.pk,
        None,
        Membership.Role.ADMIN,
    )
    assert Reseller.objects.count() == 1


def test_an_email_longer_than_a_login_is_refused_before_anything_is_written():
    from config.errors import ValidationError as DomainValidationError
    from tests.factories import ResellerFactory

    reseller = ResellerFactory()
    email = "a" * 140 + "@example.com"  # 152 characters: a valid address, too long a login
    with pytest.raises(DomainValidationError) as refused:
        client_create(reseller=reseller, name="ООО Длинный", email=email)
    assert refused.value.field == "email"
    assert not Client.objects.exists()
