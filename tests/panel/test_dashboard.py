"""The dashboard: balances, subscriptions by status, this month's charges, and revenue, cost
and margin by month as a server-rendered SVG chart and a table."""

import itertools
import re
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
    assert '<span class="badge badge-active">активна</span></span><strong>1</strong></a>' in html
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
    # Only the months that had charges: no rows of zeros for the ten others.
    assert html.count('<td data-label="Месяц">') == 2
    assert '<td data-label="Месяц">01.2026</td>' not in html
    assert "55 555,00 ₽" not in html
    # The chart: an inline SVG, 2 months × 3 bars, numbers in SVG syntax (no decimal comma).
    assert html.count('<rect x="') == 6
    assert ">11.26</text>" in html and ">12.26</text>" in html
    # No inline script: the only scripts are static files.
    assert '<svg class="bars"' in html and html.count("<script") == html.count("<script src=")
    assert ',5"' not in html
    # The vertical axis says what the bars are worth: round steps from 0 ₽ past the highest.
    ticks = re.findall(r'class="label tick">([^<]*)</text>', html)
    highest = max(revenue, cost, nov.amount, nov.cost)
    assert ticks[0] == "0 ₽" and len(ticks) >= 3
    values = [Decimal(t.removesuffix(" ₽").replace(" ", "")) for t in ticks]
    steps = {b - a for a, b in itertools.pairwise(values)}
    assert len(steps) == 1 and values[-1] >= highest > values[-2]
    # Every card that counts a list leads to it.
    for link in (
        'href="/panel/clients/"',
        'href="/panel/subscriptions/?status=active"',
        'href="/panel/subscriptions/?status=pending_payment"',
        'href="/panel/subscriptions/?status=suspended"',
        'href="/panel/subscriptions/?status=cancelled"',
    ):
        assert f'<a class="card stat card-link" {link}>' in html


def test_dashboard_of_a_new_reseller_is_all_zeros_and_says_why_there_is_no_chart(panel):
    html = html_of(panel.get(reverse("dashboard:index")))
    assert "Дашборд" in html and "0,00 ₽" in html
    assert "За последние 12 месяцев списаний не было" in html
    assert "<svg" not in html and '<td data-label="Месяц">' not in html


@pytest.mark.parametrize(
    ("highest", "labels"),
    [
        (Decimal("6172.50"), ["0 ₽", "2 000 ₽", "4 000 ₽", "6 000 ₽", "8 000 ₽"]),
        (Decimal("696.77"), ["0 ₽", "200 ₽", "400 ₽", "600 ₽", "800 ₽"]),
        (Decimal("1000.00"), ["0 ₽", "250 ₽", "500 ₽", "750 ₽", "1 000 ₽"]),
        (Decimal("123456.00"), ["0 ₽", "50 000 ₽", "100 000 ₽", "150 000 ₽"]),
        (Decimal("3.00"), ["0 ₽", "1 ₽", "2 ₽", "3 ₽"]),
    ],
)
def test_the_vertical_axis_climbs_in_round_steps_past_the_highest_bar(highest, labels):
    from billing.charts import bar_chart
    from billing.selectors import MonthFigures

    chart = bar_chart([MonthFigures(month=date(2026, 12, 1), revenue=highest, cost=Decimal("1"))])
    assert [t.label for t in chart.ticks] == labels
    # 0 ₽ on the baseline, the top tick highest; the revenue bar no taller than the plot.
    assert chart.ticks[0].y == chart.baseline and chart.ticks[-1].y < chart.ticks[0].y
    revenue_bar = chart.months[0].bars[0]
    assert chart.ticks[-1].y <= revenue_bar.y < chart.baseline


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
