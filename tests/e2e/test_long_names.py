"""Long unbroken names wrap everywhere (issue 11): a client, a plan, a reseller, an API
token and a person whose names have no space in 200 characters must not make any page of
the panel or the portal wider than the window, at 1280 px or at 390 px."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from accounts.management.commands.seed_demo import CLIENTS, RESELLER_USER
from accounts.models import Client, Reseller
from accounts.services import person_invite
from api.models import ApiToken
from api.services import token_create
from plans.models import VendorPlan

from .test_layout import _check, _sign_in, demo, panel_paths, portal_paths

__all__ = ["demo"]  # the fixture, imported for the tests below

pytestmark = pytest.mark.django_db(transaction=True)


def unbroken(prefix: str, length: int) -> str:
    """`length` characters without a space or a hyphen: nothing for the browser to break at."""
    return (prefix + "Ромашка" * length)[:length]


def field_length(model, field: str) -> int:
    return min(200, model._meta.get_field(field).max_length)


@pytest.fixture
def long_names(demo) -> Client:
    """The demo data with the first client, its reseller, every vendor plan, a token on
    each side and a person on each side named as long as their fields allow (200 at most)."""
    client = Client.objects.get(email=CLIENTS[0][1])
    Client.objects.filter(pk=client.pk).update(name=unbroken("ООО", field_length(Client, "name")))
    Reseller.objects.filter(pk=client.reseller_id).update(
        name=unbroken("АО", field_length(Reseller, "name"))
    )
    for vendor in VendorPlan.objects.all():
        vendor.name = unbroken(f"ESET{vendor.pk}", field_length(VendorPlan, "name"))
        vendor.save(update_fields=["name"])
    token_name = unbroken("Токен", field_length(ApiToken, "name"))
    now = timezone.now()
    token_create(user=client.owner, name=token_name, at=now)
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.get(username=RESELLER_USER[0])
    token_create(user=staff, name=token_name, at=now)
    # A long e-mail a person can have: a 64-character local part, a 63-character label.
    email = f"{'a' * 63}@{'b' * 63}.example"
    person_invite(client=client, email=email, role="viewer", at=now)
    person_invite(reseller=client.reseller, email=f"s{email}", role="manager", at=now)
    client.refresh_from_db()
    return client


def test_long_names_keep_every_panel_page_within_the_window(page: Page, long_names):
    username, _email, password = RESELLER_USER
    _sign_in(page, "/panel/login/", username, password)
    html = page.content()
    assert long_names.reseller.name in html  # the sidebar names the reseller
    problems = _check(page, panel_paths(), tables=True, shots="long-")
    assert problems == [], "\n".join(problems)


def test_long_names_keep_every_portal_page_within_the_window(page: Page, long_names):
    _sign_in(page, "/portal/login/", CLIENTS[0][1], CLIENTS[0][2])
    page.goto("/portal/tokens/")
    assert ApiToken.objects.filter(user=long_names.owner).get().name in page.content()
    problems = _check(page, portal_paths(long_names), tables=True, shots="long-")
    assert problems == [], "\n".join(problems)
