"""Every page of the panel and the portal at 1280 px and at 390 px (a phone held upright):
nothing wider than the window, and a label on every input (issue 3, "For every page")."""

from __future__ import annotations

import io
import os
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page

from accounts.management.commands.seed_demo import (
    CLIENT_REQUISITES,
    CLIENTS,
    RESELLER_REQUISITES,
    RESELLER_USER,
)
from accounts.models import Client
from billing.models import Payment
from documents.models import (
    BankStatement,
    Invoice,
    StatementLine,
    StatementLineStatus,
    VatRate,
)
from documents.services import invoice_issue
from documents.statements import statement_import
from notifications.models import Notification
from orders.models import Order, Subscription
from orders.services import order_confirm, order_create, seat_change_request
from plans.models import VendorPlan
from tests.documents.statement_files import ACCOUNT as SELLER_ACCOUNT
from tests.documents.statement_files import Doc, statement_bytes

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
  const scrolled = [...document.querySelectorAll(".table-wrap")]
    .filter(el => el.scrollWidth > el.clientWidth + 1)
    .map(el => `${el.scrollWidth}px table in ${el.clientWidth}px`);
  return {overflow, scrollWidth: document.documentElement.scrollWidth, width, unlabelled,
          scrolled};
}"""


def _sign_in(page: Page, path: str, username: str, password: str) -> None:
    page.goto(path)
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()


def _check(
    page: Page, paths: list[str], *, tables: bool = False, shots: str = "", status: int = 200
) -> list[str]:
    """Problems of every page at both widths; `tables`: a table that scrolls in its frame
    (columns out of sight) is one too. `shots` starts the screenshots' names; `status` is
    the one every page answers (404 for the error pages)."""
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            if status != 200:
                page.expected_errors.add(path)  # type: ignore[attr-defined]
            response = page.goto(path)
            assert response is not None and response.status == status, path
            found = page.evaluate(PROBE)
            if SHOTS:  # E2E_SCREENSHOTS=dir: keep every page as a PNG, to look at by eye
                name = path.strip("/").replace("/", "_").replace("?", "_") or "root"
                page.screenshot(path=f"{SHOTS}/{shots}{width}-{name}.png", full_page=True)
            if found["overflow"]:
                problems.append(f"{width}px {path}: {found['scrollWidth']}px wide")
            if tables and found["scrolled"]:
                problems.append(f"{width}px {path}: {found['scrolled']}")
            if found["unlabelled"]:
                problems.append(f"{width}px {path}: no label on {found['unlabelled']}")
    return problems


@pytest.fixture
def demo(db):
    """The demo data (requisites included), plus what makes every page full: a paid
    subscription with its licence and notifications, a pending seat change, a draft order
    and an order waiting for payment with its invoice for the first demo client, and a
    bank statement with a payment by the second client's INN and an unknown payer's."""
    call_command("seed_demo", stdout=io.StringIO())
    vat_rates()
    client = Client.objects.get(email=CLIENTS[0][1])
    plan = client.reseller.plans.filter(is_published=True).order_by("pk").first()
    subscription = paid_subscription(client, plan, seats=plan.vendor_plan.min_seats + 1)
    seat_change_request(subscription=subscription, seats=subscription.seats - 1, at=timezone.now())
    order_create(client=client, reseller_plan=plan, at=timezone.now())
    # An order confirmed and waiting for payment: the portal says how to pay it.
    waiting = order_create(client=client, reseller_plan=plan, at=timezone.now())
    order_confirm(order=waiting, at=timezone.now())
    invoice_issue(client=client, order=waiting, at=timezone.now())
    statement_import(
        reseller=client.reseller,
        data=demo_statement(),
        at=timezone.now(),
        by=None,
        filename="kl_to_1c.txt",
    )


def vat_rates() -> None:
    """The rates of documents/migrations/0002_vat_rates: a transactional test empties the
    tables after it, the migration's rows too, so the next test puts them back."""
    for valid_from, rate in ((date(2019, 1, 1), "20.00"), (date(2026, 1, 1), "22.00")):
        VatRate.objects.get_or_create(valid_from=valid_from, defaults={"rate": Decimal(rate)})


def demo_statement() -> bytes:
    """A day's statement of the demo reseller's account: the second client pays by its INN
    (matched), a payer nobody knows waits in the queue."""
    day = timezone.localdate().strftime("%d.%m.%Y")
    own = {
        "payee_account": RESELLER_REQUISITES["account"],
        "payee_inn": RESELLER_REQUISITES["inn"],
        "payee": RESELLER_REQUISITES["legal_name"],
    }
    second = CLIENT_REQUISITES[CLIENTS[1][1]]
    docs = [
        Doc(
            "311",
            day,
            "1000.00",
            second["inn"],
            second["legal_name"],
            "Пополнение лицевого счёта по договору 12/2026. НДС не облагается",
            **own,
        ),
        Doc(
            "77",
            day,
            "999.99",
            "5003052454",
            "ИП Петров П. П.",
            "Оплата по счёту 45 за лицензии",
            **own,
        ),
    ]
    return statement_bytes(docs, day=day).replace(
        SELLER_ACCOUNT.encode("cp1251"), RESELLER_REQUISITES["account"].encode("cp1251")
    )


def panel_paths() -> list[str]:
    """Every page of the panel for the first client, its first order, subscription and
    payment: the layout walk and the long-names walk (test_long_names.py) visit the same."""
    vendor = VendorPlan.objects.order_by("pk").first()
    client = Client.objects.order_by("pk").first()
    order = Order.objects.filter(status="draft").order_by("pk").first()
    paid = Order.objects.filter(client=client, status="completed").order_by("pk").first()
    waiting = Order.objects.filter(client=client, status="confirmed").order_by("pk").first()
    subscription = Subscription.objects.order_by("pk").first()
    payment = Payment.objects.order_by("pk").first()
    notification = Notification.objects.filter(client__isnull=False).order_by("pk").first()
    invoice = Invoice.objects.filter(client=client).order_by("pk").first()
    statement = BankStatement.objects.order_by("pk").first()
    queued = StatementLine.objects.filter(status=StatementLineStatus.UNMATCHED).first()
    assert vendor and client and order and paid and waiting and subscription and payment
    assert notification and invoice and statement and queued
    return [
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
        f"/panel/orders/{paid.pk}/",
        f"/panel/orders/{waiting.pk}/",
        "/panel/subscriptions/",
        f"/panel/subscriptions/{subscription.pk}/",
        "/panel/payments/",
        f"/panel/payments/{payment.pk}/",
        "/panel/payments/new/",
        f"/panel/payments/new/?client={client.pk}",
        f"/panel/payments/{payment.pk}/reverse/",
        f"/panel/clients/{client.pk}/refund/",
        f"/panel/clients/{client.pk}/adjust/",
        f"/panel/subscriptions/{subscription.pk}/cancel/",
        "/panel/invoices/",
        f"/panel/invoices/{invoice.pk}/",
        f"/panel/invoices/{invoice.pk}/pay/",
        f"/panel/invoices/{invoice.pk}/cancel/",
        f"/panel/clients/{client.pk}/invoices/new/",
        f"/panel/clients/{client.pk}/invoices/new/?order={waiting.pk}",
        f"/panel/clients/{client.pk}/invoices/new/?subscription={subscription.pk}",
        "/panel/statements/",
        "/panel/statements/upload/",
        f"/panel/statements/{statement.pk}/",
        "/panel/statements/queue/",
        f"/panel/statements/lines/{queued.pk}/assign/",
        f"/panel/statements/lines/{queued.pk}/ignore/",
        "/panel/statement/",
        "/panel/requisites/",
        f"/panel/clients/{client.pk}/requisites/",
        "/panel/settings/reminders/",
        "/panel/audit/",
        "/panel/notifications/",
        f"/panel/notifications/{notification.pk}/",
        "/panel/eset-usage/",
        "/panel/staff/",
        "/panel/tokens/",
        "/panel/profile/",
    ]


def portal_paths(client: Client) -> list[str]:
    """Every page of the portal for `client`, its first order and subscription."""
    subscription = Subscription.objects.filter(client=client).order_by("pk").first()
    draft = Order.objects.filter(client=client, status="draft").order_by("pk").first()
    waiting = Order.objects.filter(client=client, status="confirmed").order_by("pk").first()
    notification = Notification.objects.filter(client=client).order_by("pk").first()
    plan = client.reseller.plans.filter(is_published=True).order_by("pk").first()
    invoice = Invoice.objects.filter(client=client).order_by("pk").first()
    assert subscription and draft and waiting and notification and plan and invoice
    return [
        "/portal/",
        "/portal/plans/",
        f"/portal/plans/{plan.pk}/order/",
        "/portal/orders/",
        f"/portal/orders/{draft.pk}/",
        f"/portal/orders/{waiting.pk}/",
        f"/portal/orders/{subscription.order_id}/",
        "/portal/subscriptions/",
        f"/portal/subscriptions/{subscription.pk}/",
        f"/portal/subscriptions/{subscription.pk}/cancel/",
        "/portal/invoices/",
        f"/portal/invoices/{invoice.pk}/",
        "/portal/invoices/new/",
        f"/portal/invoices/new/?order={waiting.pk}",
        f"/portal/invoices/new/?subscription={subscription.pk}",
        "/portal/requisites/",
        "/portal/balance/",
        "/portal/notifications/",
        f"/portal/notifications/{notification.pk}/",
        "/portal/people/",
        "/portal/tokens/",
        "/portal/profile/",
    ]


# A missing page and a missing id, as a person signed in meets them: the product's 404.
PANEL_MISSING = ["/panel/no-such-page/", "/panel/invoices/999999/"]
PORTAL_MISSING = ["/portal/no-such-page/", "/portal/invoices/999999/"]


def test_panel_pages_fit_both_widths_and_label_every_input(page: Page, demo):
    username, _email, password = RESELLER_USER
    _sign_in(page, "/panel/login/", username, password)
    problems = _check(page, panel_paths()) + _check(page, PANEL_MISSING, status=404)
    assert problems == [], "\n".join(problems)


def test_portal_pages_fit_both_widths_and_label_every_input(page: Page, demo):
    _name, email, password = CLIENTS[0]
    _sign_in(page, "/portal/login/", email, password)
    problems = _check(page, portal_paths(Client.objects.get(email=email)))
    problems += _check(page, PORTAL_MISSING, status=404)
    assert problems == [], "\n".join(problems)


def test_the_operators_statement_fits_both_widths(page: Page, demo):
    """The distributor's statement beside the admin (/admin/statement/), as the operator."""
    from accounts.management.commands.seed_demo import OPERATOR

    username, _email, password = OPERATOR
    page.goto("/admin/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("input[type=submit]").click()
    page.wait_for_load_state()
    problems = _check(page, ["/admin/statement/"], shots="admin-")
    assert problems == [], "\n".join(problems)


def test_people_pages_without_signing_in_fit_both_widths(page: Page, demo):
    """The sign-in pages, "forgot password", its answer, and an invitation link."""
    from accounts.invitations import invitation_path
    from accounts.services import person_invite

    client = Client.objects.order_by("pk").first()
    assert client is not None
    invited = person_invite(
        client=client, email="invited@layout.example", role="viewer", at=timezone.now()
    )
    link = invitation_path(invited.user.invitations.get())
    paths = ["/panel/login/", "/portal/login/", "/password/reset/", "/password/reset/sent/", link]
    assert _check(page, paths) == []
