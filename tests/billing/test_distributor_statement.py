"""The distributor's statement (DESIGN.md §13): per reseller and month, the purchase cost of
the charges closed in that month (by closed_on), the revenue and the margin; one aggregate
query; the operator's admin page with CSV/XLSX; each reseller's own in the panel, with a
chart of the last 12 months, never another reseller's figures."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.models import Membership
from billing.charts import bar_chart
from billing.selectors import StatementRow, distributor_statement, statement_months
from billing.services import billing_run, payment_register
from config.errors import ValidationError
from orders.services import order_confirm, order_create
from tests.factories import (
    ClientFactory,
    ResellerFactory,
    ResellerPlanFactory,
    UserFactory,
    VendorPlanFactory,
    msk,
)

pytestmark = pytest.mark.django_db

DEC, JAN, FEB = date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1)
NOW = msk(2027, 2, 5, 12)


def subscribe(reseller, *, seats: int, price: str, at) -> None:
    plan = ResellerPlanFactory(
        reseller=reseller,
        vendor_plan=VendorPlanFactory(min_seats=1, purchase_price=Decimal("60.00")),
        seat_price=Decimal(price),
    )
    client = ClientFactory(reseller=reseller)
    order = order_create(client=client, reseller_plan=plan, seats=seats)
    order_confirm(order=order, at=at)
    payment_register(client=client, amount=Decimal("5000.00"), at=at, order=order)


@pytest.fixture
def resellers():
    """«Альфа»: 5 seats at 100,00 (cost 60,00) from 14.12.2026; «Бета»: 10 seats at 150,00
    from 20.12.2026; both 30-day periods, renewed in January; February's charges open."""
    alpha = ResellerFactory(name="Альфа", inn="7707083893")
    beta = ResellerFactory(name="Бета", inn="")
    subscribe(alpha, seats=5, price="100.00", at=msk(2026, 12, 14, 10))
    subscribe(beta, seats=10, price="150.00", at=msk(2026, 12, 20, 10))
    for day in (date(2026, 12, 31), date(2027, 1, 31), date(2027, 2, 3)):
        billing_run(day=day)
    return alpha, beta


def figures(rows: list[StatementRow]):
    return [(r.reseller_name, r.month, r.charges, r.cost, r.revenue, r.margin) for r in rows]


D = Decimal


def test_every_reseller_by_month_to_the_kopeck(resellers):
    rows = distributor_statement(month_from=DEC, month_to=FEB)
    assert figures(rows) == [
        # 14–31 Dec: 5 × 100,00 × 18/31 = 290,32; at cost 5 × 60,00 × 18/31 = 174,19.
        ("Альфа", DEC, 1, D("174.19"), D("290.32"), D("116.13")),
        # 1–12 Jan (closed on the period's end, 13 Jan) 193,55 + 13–31 Jan 306,45.
        ("Альфа", JAN, 2, D("300.00"), D("500.00"), D("200.00")),
        # 20–31 Dec: 10 × 150,00 × 12/31 = 580,65; at cost 10 × 60,00 × 12/31 = 232,26.
        ("Бета", DEC, 1, D("232.26"), D("580.65"), D("348.39")),
        # 1–18 Jan 870,97 + 19–31 Jan 629,03; at cost 348,39 + 251,61.
        ("Бета", JAN, 2, D("600.00"), D("1500.00"), D("900.00")),
    ]  # February's charges are open: not billed yet


def test_one_reseller_and_one_month(resellers):
    alpha, beta = resellers
    assert figures(distributor_statement(month_from=DEC, month_to=FEB, reseller=beta)) == [
        ("Бета", DEC, 1, D("232.26"), D("580.65"), D("348.39")),
        ("Бета", JAN, 2, D("600.00"), D("1500.00"), D("900.00")),
    ]
    # Any day of a month names that month.
    rows = distributor_statement(month_from=date(2027, 1, 20), month_to=date(2027, 1, 2))
    assert [(r.reseller_name, r.month) for r in rows] == [("Альфа", JAN), ("Бета", JAN)]
    assert rows[0].reseller_inn == "7707083893" and rows[0].reseller_id == alpha.pk


def test_one_aggregate_query_whatever_the_rows(resellers, django_assert_num_queries):
    with django_assert_num_queries(1):
        distributor_statement(month_from=DEC, month_to=FEB)


def test_a_backwards_range_is_refused_with_the_field_named():
    with pytest.raises(ValidationError) as refused:
        distributor_statement(month_from=FEB, month_to=DEC)
    assert refused.value.field == "month_to"
    assert "02.2027" in refused.value.message
    with pytest.raises(ValidationError) as refused:
        distributor_statement(month_from=date(2000, 1, 1), month_to=FEB)
    assert refused.value.field == "month_from"


def test_months_without_charges_read_as_zero(resellers):
    _, beta = resellers
    rows = distributor_statement(month_from=DEC, month_to=JAN, reseller=beta)
    months = statement_months(rows, month_from=date(2026, 11, 1), month_to=FEB)
    assert [(m.month, m.cost, m.revenue) for m in months] == [
        (date(2026, 11, 1), D("0.00"), D("0.00")),
        (DEC, D("232.26"), D("580.65")),
        (JAN, D("600.00"), D("1500.00")),
        (FEB, D("0.00"), D("0.00")),
    ]


# --------------------------------------------------------------------------- the panel


def staff_of(reseller, role=Membership.Role.ACCOUNTANT) -> HttpClient:
    user = UserFactory(username=f"{role}@{reseller.pk}.example")
    Membership.objects.create(user=user, reseller=reseller, role=role)
    http = HttpClient()
    http.force_login(user)
    return http


def test_a_reseller_sees_its_own_statement_only(resellers):
    alpha, _ = resellers
    with time_machine.travel(NOW, tick=False):
        page = staff_of(alpha).get(reverse("statement:index")).content.decode()
    page = page.replace("\xa0", " ")
    for figure in ("174,19 ₽", "290,32 ₽", "116,13 ₽", "300,00 ₽", "500,00 ₽", "200,00 ₽"):
        assert figure in page
    assert "474,19 ₽" in page and "790,32 ₽" in page  # the totals
    for figure in ("232,26", "580,65", "348,39", "1 500,00", "900,00", "Бета"):
        assert figure not in page
    # The chart: 12 months to this one, values on the axis, drawn on the server.
    assert page.count('class="bar bar-revenue"') == 12
    assert ">03.26<" in page and ">02.27<" in page  # the chart names months short
    assert "<script" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "200 ₽" in page  # a tick: 500,00 is covered by steps of 200 ₽


def test_the_panel_export_holds_the_resellers_rows(resellers):
    alpha, _beta = resellers
    with time_machine.travel(NOW, tick=False):
        response = staff_of(alpha).get(
            reverse("statement:index"), {"month_from": "2026-12", "export": "csv"}
        )
        raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        ["Реселлер", "ИНН", "Месяц", "Закрыто списаний", "Себестоимость", "Выручка", "Маржа"],
        ["Альфа", "7707083893", "12.2026", "1", "174,19", "290,32", "116,13"],
        ["Альфа", "7707083893", "01.2027", "2", "300,00", "500,00", "200,00"],
    ]


def test_the_panel_filter_refuses_a_backwards_range_beside_its_field(resellers):
    alpha, _ = resellers
    page = staff_of(alpha).get(
        reverse("statement:index"), {"month_from": "02.2027", "month_to": "12.2026"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "Конечный месяц раньше начального" in html and "474,19" not in html


# --------------------------------------------------------------------------- the operator


def operator() -> HttpClient:
    user = get_user_model().objects.create_superuser("operator", "op@example.com", "x")
    http = HttpClient()
    http.force_login(user)
    return http


def test_the_operator_reads_every_reseller_and_filters(resellers):
    _alpha, beta = resellers
    http = operator()
    index = http.get(reverse("admin:index")).content.decode()
    assert reverse("admin-distributor-statement") in index
    url = reverse("admin-distributor-statement")
    page = http.get(url, {"month_from": "2026-12", "month_to": "2027-01"}).content.decode()
    page = page.replace("\xa0", " ")
    for figure in ("290,32 ₽", "580,65 ₽", "1 500,00 ₽", "2 870,97 ₽"):  # 2 870,97: revenue Σ
        assert figure in page
    page = http.get(url, {"month_from": "2026-12", "reseller": beta.pk}).content.decode()
    assert "Бета" in page and "Альфа" not in page.split('id="result_list"')[1]


def test_the_operator_exports_csv_and_xlsx(resellers):
    _, beta = resellers
    http = operator()
    url = reverse("admin-distributor-statement")
    response = http.get(url, {"month_from": "12.2026", "month_to": "01.2027", "export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert [r[0] for r in rows[1:]] == ["Альфа", "Альфа", "Бета", "Бета"]
    assert rows[4] == ["Бета", "", "01.2027", "2", "600,00", "1500,00", "900,00"]

    params = {"month_from": "2026-12", "month_to": "2027-02", "reseller": beta.pk}
    response = http.get(url, {**params, "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    month, charges, cost = sheet["C2"], sheet["D2"], sheet["E2"]
    assert month.is_date and month.number_format == "MM.YYYY"
    assert month.value.date() == DEC
    assert charges.value == 1 and cost.data_type == "n" and cost.value == pytest.approx(232.26)
    assert sheet.max_row == 3


def test_the_operator_page_is_for_staff_with_the_permission(resellers):
    alpha, _ = resellers
    url = reverse("admin-distributor-statement")
    assert staff_of(alpha).get(url).status_code == 302  # to the admin's sign-in
    staff = get_user_model().objects.create_user("clerk", is_staff=True)
    http = HttpClient()
    http.force_login(staff)
    assert http.get(url).status_code == 403
    assert http.get(url, {"export": "csv"}).status_code == 403


# --------------------------------------------------------------------------- the chart


def test_the_chart_puts_values_on_its_axis():
    from billing.selectors import MonthFigures

    chart = bar_chart(
        [
            MonthFigures(month=DEC, revenue=D("500.00"), cost=D("300.00")),
            MonthFigures(month=JAN, revenue=D("0"), cost=D("0")),
        ]
    )
    assert [t.label for t in chart.ticks] == ["0 ₽", "200 ₽", "400 ₽", "600 ₽"]
    revenue, cost, margin = chart.months[0].bars
    assert revenue.y + revenue.height == chart.baseline
    assert revenue.height > cost.height > margin.height > 0
    assert chart.months[1].bars[0].height == 0
