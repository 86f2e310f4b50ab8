from __future__ import annotations

import pytest
from django.utils import translation

from accounts.services import requisites_save
from tests.accounts.test_requisites import BUYER, SELLER
from tests.factories import ClientFactory, ResellerFactory, msk


@pytest.fixture(autouse=True)
def _russian():
    """Each test starts and ends in Russian: a page requested in English leaves English
    active in the thread (the language middleware activates, nothing deactivates)."""
    translation.activate("ru")
    yield
    translation.activate("ru")


@pytest.fixture
def seller():
    """A reseller whose requisites are complete (VAT standard)."""
    reseller = ResellerFactory()
    requisites_save(owner=reseller, data=dict(SELLER), at=msk(2026, 12, 1, 9))
    return reseller


@pytest.fixture
def buyer(seller):
    client = ClientFactory(reseller=seller)
    requisites_save(owner=client, data=dict(BUYER), at=msk(2026, 12, 1, 9))
    return client
