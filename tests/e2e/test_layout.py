"""Every page of the panel and the portal at 1280 px and at 390 px (a phone held upright):
nothing wider than the window, and a label on every input (issue 3, "For every page")."""

from __future__ import annotations

import io
import os

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page

from accounts.management.commands.seed_demo import CLIENTS, RESELLER_USER
from accounts.models import Client
from billing.models import Payment
from notifications.models import Notification
from orders.models import Order, Subscription
from orders.services import order_create, seat_change_request
from plans.models import VendorPlan

from .conftest import paid_subscription

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (1280, 390)
SHOTS = os.environ.get("E2E_SCREENSHOTS", "")

# Elements wider than the window, and inputs no label names (by <label for>, wrapping
# label, aria-label or aria-labelledby). Hidden inputs and CSRF tokens need none.
PROBE = """() => {
  const width = document.documentElement.clientWidth;
  const overflow = document.documentElement.scrollWidth > width;
  const unlabelled = [...document.querySelectorAll("input, select, textarea")]
    .filter(el => el.type !== "hidden" && el.type !== "submit")
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
                  && !el.getAttribute("aria-labelledby"))
    .map(el => el.name || el.id);
  return {overflow, scrollWidth: document.documentElement.scrollWidth, width, unlabelled};
}"""


def _sign_in(page: Page, path: str, username: str, password: str) -> None:
    page.goto(path)
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()


def _check(page: Page, paths: list[str]) -> list[str]:
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            found = page.evaluate(PROBE)
            if SHOTS:  # E2E_SCREENSHOTS=dir: keep every page as a PNG, to look at by eye
                name = path.strip("/").replace("/", "_").replace("?", "_") or "root"
                page.screenshot(path=f"{SHOTS}/{width}-{name}.png", full_page=True)
            if found["overflow"]:
                problems.append(f"{width}px {path}: {found['scrollWidth']}px wide")
            if found["unlabelled"]:
                problems.append(f"{width}px {path}: no label on {found['unlabelled']}")
    return problems


@pytest.fixture
def demo(db):
    """The demo data, plus what makes every page full: a paid subscription with its licence
    and notifications, a pending seat change and a draft order for the first demo client."""
    call_command("seed_demo", stdout=io.StringIO())
    client = Client.objects.get(email=CLIENTS[0][1])
    plan = client.reseller.plans.filter(is_published=True).order_by("pk").first()
    subscription = paid_subscription(client, plan, seats=plan.vendor_plan.min_seats + 1)
    seat_change_request(subscription=subscription, seats=subscription.seats - 1, at=timezone.now())
    order_create(client=client, reseller_plan=plan, at=timezone.now())


def test_panel_pages_fit_both_widths_and_label_every_input(page: Page, demo):
    username, _email, password = RESELLER_USER
    _sign_in(page, "/panel/login/", username, password)
    vendor = VendorPlan.objects.order_by("pk").first()
    client = Client.objects.order_by("pk").first()
    order = Order.objects.filter(status="draft").order_by("pk").first()
    subscription = Subscription.objects.order_by("pk").first()
    notification = Notification.objects.filter(client__isnull=False).order_by("pk").first()
    assert vendor and client and order and subscription and notification
    paths = [
        "/panel/dashboard/",
        "/panel/plans/",
        f"/panel/plans/{vendor.pk}/",
        f"/panel/plans/{vendor.pk}/resources/",
        f"/panel/plans/{vendor.pk}/resources/workplace/",
        "/panel/clients/",
        "/panel/clients/new/",
        f"/panel/clients/{client.pk}/",
        "/panel/orders/",
        f"/panel/orders/new/?client={client.pk}",
        f"/panel/orders/{order.pk}/",
        "/panel/subscriptions/",
        f"/panel/subscriptions/{subscription.pk}/",
        "/panel/payments/",
        f"/panel/payments/new/?client={client.pk}",
        f"/panel/payments/{Payment.objects.order_by('pk').first().pk}/reverse/",
        f"/panel/clients/{client.pk}/refund/",
        f"/panel/clients/{client.pk}/adjust/",
        f"/panel/subscriptions/{subscription.pk}/cancel/",
        "/panel/statements/",
        "/panel/statements/upload/",
        "/panel/statements/queue/",
        "/panel/audit/",
        "/panel/notifications/",
        f"/panel/notifications/{notification.pk}/",
        "/panel/staff/",
        "/panel/profile/",
    ]
    assert _check(page, paths) == []


def test_portal_pages_fit_both_widths_and_label_every_input(page: Page, demo):
    _name, email, password = CLIENTS[0]
    client = Client.objects.get(email=email)
    _sign_in(page, "/portal/login/", email, password)
    subscription = Subscription.objects.filter(client=client).order_by("pk").first()
    notification = Notification.objects.filter(client=client).order_by("pk").first()
    plan = client.reseller.plans.filter(is_published=True).order_by("pk").first()
    assert subscription and notification and plan
    paths = [
        "/portal/",
        "/portal/plans/",
        f"/portal/plans/{plan.pk}/order/",
        "/portal/orders/",
        "/portal/subscriptions/",
        f"/portal/subscriptions/{subscription.pk}/",
        f"/portal/subscriptions/{subscription.pk}/cancel/",
        "/portal/balance/",
        "/portal/notifications/",
        f"/portal/notifications/{notification.pk}/",
        "/portal/people/",
        "/portal/profile/",
    ]
    assert _check(page, paths) == []


def test_people_pages_without_signing_in_fit_both_widths(page: Page, demo):
    """ "Forgot password", its answer, and an invitation link (set a password)."""
    from accounts.invitations import invitation_path
    from accounts.services import person_invite

    client = Client.objects.order_by("pk").first()
    assert client is not None
    invited = person_invite(
        client=client, email="invited@layout.example", role="viewer", at=timezone.now()
    )
    link = invitation_path(invited.user.invitations.get())
    assert _check(page, ["/password/reset/", "/password/reset/sent/", link]) == []
