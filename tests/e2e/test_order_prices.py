"""The reseller sees the prices while ordering (issue 11): on /panel/orders/new/ at 1280 and
at 390 px every plan's monthly seat price is on screen, whole (not cut to «Аб…»), and the
chosen plan's row stands out."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from accounts.management.commands.seed_demo import RESELLER_USER
from accounts.models import Client
from config.formats import format_rub

from .test_layout import WIDTHS, _sign_in, demo
from .test_long_names import long_names

__all__ = ["demo", "long_names"]

pytestmark = pytest.mark.django_db(transaction=True)

# Each price cell (the last of its row): where it is, whether its text fits its box.
CELLS = """() => [...document.querySelectorAll("#order-form tr[data-plan] td:last-child")]
  .map(td => {
  const box = td.getBoundingClientRect();
  const frame = td.closest(".table-wrap").getBoundingClientRect();
  return {plan: td.closest("tr").dataset.plan, text: td.innerText.trim(),
          left: box.left, right: box.right, width: box.width,
          frameLeft: frame.left, frameRight: frame.right,
          clipped: td.scrollWidth > td.clientWidth + 1,
          window: document.documentElement.clientWidth};
})"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("data", ["demo", "long_names"])
def test_order_form_shows_every_price_whole_on_screen(page: Page, request, data: str, width: int):
    """With the demo's names, and with 200-character ones that leave no room to spare."""
    request.getfixturevalue(data)
    username, _email, password = RESELLER_USER
    _sign_in(page, "/panel/login/", username, password)
    client = Client.objects.order_by("pk").first()
    assert client is not None
    plans = {str(p.pk): p for p in client.reseller.plans.filter(status="active")}
    assert len(plans) >= 2
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/panel/orders/new/?client={client.pk}")

    cells = page.evaluate(CELLS)

    assert sorted(c["plan"] for c in cells) == sorted(plans)
    for cell in cells:
        price = format_rub(plans[cell["plan"]].effective_seat_price)
        assert cell["text"].replace("\xa0", " ") == price.replace("\xa0", " ")
        assert not cell["clipped"], cell
        # On screen and inside the table's frame: nothing to scroll to see it.
        assert cell["left"] >= 0 and cell["right"] <= cell["window"], cell
        assert cell["frameLeft"] <= cell["left"] and cell["right"] <= cell["frameRight"] + 1, cell
    header = page.locator("#order-form th", has_text="Абонентская плата")
    if width > 760:  # on a phone the rows are cards and each cell names itself
        assert header.is_visible() and "Абонентская плата/ежемесячно" in header.inner_text()
    # The chosen plan's row stands out, and follows the choice.
    select = page.locator("select[name=reseller_plan]")
    chosen = page.locator("#order-form tr.chosen")
    assert chosen.get_attribute("data-plan") == select.input_value()
    other = next(pk for pk in plans if pk != select.input_value())
    select.select_option(other)
    assert chosen.get_attribute("data-plan") == other
    assert page.locator("#order-form tr.chosen").count() == 1
