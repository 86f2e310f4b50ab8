"""Browser end-to-end stories: Playwright's Python package drives Debian's Chromium,
headless, against pytest-django's live server (issue 3).

`playwright install` cannot download browsers here, so the tests launch the system
Chromium (CHROMIUM_PATH, /usr/bin/chromium by default); `.ci/run` installs it when missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

# Playwright's sync API runs an event loop in this thread; Django would refuse the ORM
# calls the tests make between browser steps. Nothing here is concurrent with the loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        yield chromium
        chromium.close()


# Reports every Content-Security-Policy violation on every page to the test (DESIGN.md §7):
# the browser blocks what the policy forbids, and the page may look fine without it.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} on ${document.URL}`
  );
});
"""


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (own cookies) per test, Russian as a Russian user has it.

    Every page it visits must run without a console error or a CSP violation: the test
    fails at teardown with the list if one happened."""
    context = browser.new_context(
        base_url=live_server.url, locale="ru-RU", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    problems: list[str] = []
    context.expose_function("__reportCspViolation", lambda text: problems.append(f"CSP: {text}"))
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    tab = context.new_page()
    # Paths a test visits for their error page (a 404 it asserts): the browser logs the
    # document's own status as a console error, which is the answer expected, not a fault.
    expected_errors: set[str] = set()
    tab.expected_errors = expected_errors  # type: ignore[attr-defined]

    def on_console(message) -> None:
        if message.type != "error":
            return
        url = urlsplit(message.location.get("url") or "")
        if message.text.startswith("Failed to load resource") and (
            url.path + (f"?{url.query}" if url.query else "") in expected_errors
        ):
            return
        problems.append(f"console {message.type}: {message.text} ({tab.url})")

    tab.on("console", on_console)
    tab.on("pageerror", lambda error: problems.append(f"page error: {error} ({tab.url})"))
    yield tab
    context.close()
    assert problems == [], "\n".join(problems)


def rub(text: str) -> Decimal:
    """'1 234,50 ₽' (spaces may be non-breaking) as a Decimal."""
    digits = "".join(ch for ch in text if ch.isdigit() or ch in ",-")
    return Decimal(digits.replace(",", "."))


def paid_subscription(client, plan, seats: int):
    """A subscription bought and paid today through the domain API, its licence issued."""
    from django.utils import timezone

    from billing.services import payment_register
    from core.clock import financial_day
    from eset_gateway.services import gateway_drain
    from orders.models import Subscription
    from orders.services import order_confirm, order_create, order_quote

    at = timezone.now()
    order = order_create(client=client, reseller_plan=plan, seats=seats, at=at)
    order_confirm(order=order, at=at)
    due = order_quote(order=order, day=financial_day(at))
    payment_register(client=client, amount=due, at=at, order=order)
    gateway_drain(at=at)
    return Subscription.objects.get(order=order)
