"""The dashboard: balances, subscriptions by status, this month's charges, and revenue, cost
and margin by month as a server-rendered SVG chart and a table."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Client
from billing.models import Charge
from billing.services import billing_run, payment_register
from config.formats import format_rub
from orders.services import order_confirm, order_create
from tests.factories import ClientFactory, ResellerFactory, ResellerPlanFactory, msk
from tests.panel.conftest import sign_in

pytestmark = pytest.mark.django_db

NOW = msk(2026, 12, 14, 15)


@pytest.fixture
def frozen_panel(reseller):
    """Signed in at NOW with the clock stopped there: this month is December 2026."""
    with time_machine.travel(NOW, tick=False):
        yield sign_in(reseller, "boss@reseller.example")


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def subscribe(client: Client, at, *, pay: bool = True) -> None:
    plan = ResellerPlanFactory(reseller=client.reseller, seat_price=Decimal("100.00"))
    order = order_create(client=client, reseller_plan=plan, seats=5)
    order_confirm(order=order, at=at)
    order.refresh_from_db()
    if pay:
        payment_register(client=client, amount=order.amount_due, at=at, order=order)


def charge(client: Client, day_from: date) -> Charge:
    return Charge.objects.get(client=client, date_from=day_from)


def test_dashboard_shows_balances_statuses_this_months_charges_and_months(frozen_panel, reseller):
    november = ClientFactory(reseller=reseller)
    subscribe(november, msk(2026, 11, 14))
    # Closes 14-30.11 and 1-13.12 (on 14.12), then suspends it: no money for a renewal.
    billing_run(day=date(2026, 12, 14))
    december = ClientFactory(reseller=reseller)
    subscribe(december, msk(2026, 12, 14, 10))  # open 14-31.12 and 1-13.01
    payment_register(client=december, amount=Decimal("1000.00"), at=msk(2026, 12, 14, 11))
    subscribe(ClientFactory(reseller=reseller), msk(2026, 12, 14, 10), pay=False)
    foreign = ClientFactory(reseller=ResellerFactory())
    subscribe(foreign, msk(2026, 12, 14, 10))
    payment_register(client=foreign, amount=Decimal("55555.00"), at=msk(2026, 12, 14, 11))

    html = html_of(frozen_panel.get(reverse("dashboard:index")))

    nov = charge(november, date(2026, 11, 14))
    dec_closed = charge(november, date(2026, 12, 1))
    dec_open = charge(december, date(2026, 12, 14))
    jan_open = charge(december, date(2027, 1, 1))
    assert "Дашборд" in html and "14.12.2026" in html
    # Balances: the first client's money went to its closed charges; the second keeps 1000
    # available above the two open charges it reserved.
    balance = sum((c.balance for c in Client.objects.filter(reseller=reseller)), Decimal("0"))
    assert balance == Decimal("1000.00") + dec_open.amount + jan_open.amount
    assert format_rub(balance) in html
    assert "Доступный баланс клиентов" in html and "1 000,00 ₽" in html
    # Subscriptions by status: one of each but cancelled.
    assert '<span class="badge badge-active">активна</span></span><strong>1</strong>' in html
    assert (
        '<span class="badge badge-suspended">приостановлена</span></span><strong>1</strong>' in html
    )
    assert '<span class="badge badge-cancelled">отменена</span></span><strong>0</strong>' in html
    assert (
        '<span class="badge badge-pending_payment">ожидает оплаты</span></span><strong>1</strong>'
        in html
    )
    # This month's charges, open and closed.
    assert f"Открыто: 1</span><strong>{format_rub(dec_open.amount)}</strong>" in html
    assert f"Закрыто: 1</span><strong>{format_rub(dec_closed.amount)}</strong>" in html
    # By month: November and December (the January charge is next month's).
    revenue = dec_open.amount + dec_closed.amount
    cost = dec_open.cost + dec_closed.cost
    assert (
        f'<td data-label="Месяц">12.2026</td>\n'
        f'      <td data-label="Выручка" class="num">{format_rub(revenue)}</td>\n'
        f'      <td data-label="Себестоимость" class="num">{format_rub(cost)}</td>\n'
        f'      <td data-label="Маржа" class="num">{format_rub(revenue - cost)}</td>'
    ) in html
    assert (
        f'<td data-label="Месяц">11.2026</td>\n'
        f'      <td data-label="Выручка" class="num">{format_rub(nov.amount)}</td>'
    ) in html
    assert '<td data-label="Месяц">01.2026</td>' in html
    assert '<td data-label="Месяц">12.2025</td>' not in html
    assert "55 555,00 ₽" not in html
    # The chart: an inline SVG, 12 months × 3 bars, numbers in SVG syntax (no decimal comma).
    assert html.count('<rect x="') == 36
    # No inline script: the only scripts are static files.
    assert '<svg class="bars"' in html and html.count("<script") == html.count("<script src=")
    assert 'height="0.0"' in html and ',5"' not in html


def test_dashboard_of_a_new_reseller_is_all_zeros(panel):
    html = html_of(panel.get(reverse("dashboard:index")))
    assert "Дашборд" in html and "0,00 ₽" in html


def test_dashboard_takes_a_fixed_number_of_queries(frozen_panel, reseller):
    for _ in range(3):
        subscribe(ClientFactory(reseller=reseller), msk(2026, 12, 14, 10))
    with CaptureQueriesContext(connection) as few:
        html_of(frozen_panel.get(reverse("dashboard:index")))
    for _ in range(27):
        subscribe(ClientFactory(reseller=reseller), msk(2026, 11, 14, 10))
    with CaptureQueriesContext(connection) as many:
        html_of(frozen_panel.get(reverse("dashboard:index")))
    assert len(many) == len(few)


def test_dashboard_requires_sign_in(client):
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_sidebar_links_the_new_pages(panel):
    html = html_of(panel.get(reverse("dashboard:index")))
    for name in ("dashboard:index", "payments:list", "notifications:list"):
        assert f'href="{reverse(name)}"' in html
