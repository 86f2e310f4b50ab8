import pytest
from django.test import Client as HttpClient

from accounts.models import Membership, Reseller
from tests.factories import ResellerFactory, UserFactory


def sign_in(reseller: Reseller, username: str = "staff@reseller.example") -> HttpClient:
    user = UserFactory(username=username)
    Membership.objects.create(user=user, reseller=reseller, role=Membership.Role.ADMIN)
    http = HttpClient()
    http.force_login(user)
    return http


@pytest.fixture
def reseller(db) -> Reseller:
    return ResellerFactory(name="Реселлер Панели")


@pytest.fixture
def panel(reseller) -> HttpClient:
    """The Django test client, signed in as a member of `reseller`."""
    return sign_in(reseller)
