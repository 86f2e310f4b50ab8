import pytest
from django.test import Client as HttpClient

from accounts.models import Client, Reseller
from tests.factories import ClientFactory, ResellerFactory


def portal_for(client: Client) -> HttpClient:
    """The Django test client, signed in as the client's owner (its e-mail is the login)."""
    http = HttpClient()
    http.force_login(client.owner)
    return http


@pytest.fixture
def reseller(db) -> Reseller:
    return ResellerFactory(name="Реселлер Портала")


@pytest.fixture
def client_(reseller) -> Client:
    return ClientFactory(reseller=reseller, name="ООО Ромашка", email="owner@romashka.example")


@pytest.fixture
def portal(client_) -> HttpClient:
    return portal_for(client_)
