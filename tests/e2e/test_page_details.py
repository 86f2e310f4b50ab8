"""Small things a person sees (issue 11), in the browser at 1280 and 390 px: the icon is
served, and the seat-change history stands apart from the «Изменить» button above it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from accounts.management.commands.seed_demo import CLIENTS, RESELLER_USER
from orders.models import Subscription

from .test_layout import WIDTHS, _sign_in, demo

__all__ = ["demo"]

pytestmark = pytest.mark.django_db(transaction=True)

# The gap between the seat form's button and the history below it, and the history's title.
GAP = """() => {
  const button = [...document.querySelectorAll("form button")]
    .find(b => b.innerText.trim() === "Изменить");
  const history = document.querySelector("#seat-history");
  const table = document.querySelector('[aria-labelledby="seat-history"]');
  return {gap: history.getBoundingClientRect().top - button.getBoundingClientRect().bottom,
          title: history.innerText.trim(),
          below: table.getBoundingClientRect().top >= history.getBoundingClientRect().bottom};
}"""


def test_the_icon_is_served_as_svg(page: Page, demo):
    response = page.request.get("/static/favicon.svg")
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    page.goto("/panel/login/")
    assert page.locator('link[rel="icon"]').get_attribute("href") == "/static/favicon.svg"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("face", ["panel", "portal"])
def test_the_seat_change_history_stands_apart_from_its_button(page: Page, demo, width, face):
    subscription = Subscription.objects.get(client__email=CLIENTS[0][1], status="active")
    if face == "panel":
        _sign_in(page, "/panel/login/", RESELLER_USER[0], RESELLER_USER[2])
        path = f"/panel/subscriptions/{subscription.pk}/"
    else:
        _sign_in(page, "/portal/login/", CLIENTS[0][1], CLIENTS[0][2])
        path = f"/portal/subscriptions/{subscription.pk}/"
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(path)

    found = page.evaluate(GAP)

    assert found["title"] == "История изменений"
    assert found["gap"] >= 24, found  # a block of its own, not glued to the button
    assert found["below"]
