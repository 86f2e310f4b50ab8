"""In the browser: the «CSV» / «Excel» buttons of a list download the list as the page
filters it, and the distributor's statement page (its SVG chart) fits both widths with no
CSP violation (issue 12 items 7, 8)."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import Page

from accounts.management.commands.seed_demo import RESELLER_USER
from billing.models import Charge, ChargeStatus
from core.clock import financial_day

from .test_layout import _check, _sign_in, demo  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_buttons_download_the_filtered_list(page: Page, demo):  # noqa: F811
    username, _email, password = RESELLER_USER
    _sign_in(page, "/panel/login/", username, password)
    page.goto("/panel/orders/?status=draft")
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="CSV").click()
    path = csv_download.value.path()
    assert csv_download.value.suggested_filename == "orders.csv"
    with open(path, "rb") as file:
        raw = file.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Заказ" and len(rows) >= 2
    assert {row[5] for row in rows[1:]} == {"черновик"}

    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Excel").click()
    assert xlsx_download.value.suggested_filename == "orders.xlsx"
    with open(xlsx_download.value.path(), "rb") as file:  # no extension: openpyxl asks one
        sheet = openpyxl.load_workbook(io.BytesIO(file.read())).active
    assert sheet.max_row == len(rows)


def test_the_statement_page_fits_both_widths(page: Page, demo):  # noqa: F811
    username, _email, password = RESELLER_USER
    _sign_in(page, "/panel/login/", username, password)
    page.goto("/panel/statement/")
    assert "закрытых списаний нет" in page.locator("main").inner_text()
    # A charge closed this month gives the chart a month to show. The demo's own charges close
    # at its period's or the month's end, which may fall in the next month (a demo seeded on
    # the 2nd closes on the 1st), so one is closed today as the billing run would.
    today = financial_day(timezone.now())
    charge = Charge.objects.filter(status=ChargeStatus.OPEN).order_by("pk").first()
    assert charge is not None
    Charge.objects.filter(pk=charge.pk).update(status=ChargeStatus.CLOSED, closed_on=today)
    assert _check(page, ["/panel/statement/"]) == []
    page.goto("/panel/statement/")
    assert page.locator("svg.bars rect.bar-revenue").count() == 12
    assert page.locator("svg.bars text.tick").count() >= 2  # values on the axis
    assert page.locator("table tbody tr").count() == 1  # this month only
