"""The Content-Security-Policy in the browser (DESIGN.md §7): the API docs (Swagger UI) and
the operator admin work under it; the panel's and the portal's pages are checked by every
other browser test (conftest's `page` fails on any violation or console error)."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Page, expect

from accounts.models import Client

pytestmark = pytest.mark.django_db(transaction=True)


def test_swagger_ui_renders_the_api_under_the_policy(page: Page):
    response = page.goto("/api/docs/")
    assert response is not None and response.status == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "unsafe-inline" not in policy
    # Swagger UI ran (its script is inline, with the nonce) and loaded the schema.
    expect(page.get_by_text("ESET reseller platform API")).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/me/")).to_be_visible()
    page.locator(".opblock-summary-path", has_text="/api/v1/me/").click()
    expect(page.get_by_role("button", name="Try it out")).to_be_visible()


def test_the_operator_admin_works_under_the_policy(page: Page):
    call_command("seed_demo", stdout=io.StringIO())
    get_user_model().objects.create_superuser("operator", "op@example.com", "s3cret-pass")
    page.goto("/admin/login/")
    page.locator("input[name=username]").fill("operator")
    page.locator("input[name=password]").fill("s3cret-pass")
    page.locator("input[type=submit]").click()
    expect(page.locator("#site-name")).to_be_visible()
    client = Client.objects.order_by("pk").first()
    assert client is not None
    for path in (
        "/admin/",
        "/admin/accounts/client/",
        f"/admin/accounts/client/{client.pk}/change/",
        "/admin/billing/payment/",
        "/admin/auth/user/add/",
    ):
        response = page.goto(path)
        assert response is not None and response.status == 200, path
