"""The acts download as files like every list (issue 12 item 7), in the panel and the
portal; the invoices' Excel file holds numbers and dates, not text."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from openpyxl import load_workbook

from documents.models import Act
from documents.services import invoice_issue
from tests.documents.test_pages import person
from tests.factories import msk

pytestmark = pytest.mark.django_db


@pytest.fixture
def panel(seller):
    return person(role="admin", reseller=seller)


@pytest.fixture
def portal(buyer):
    http = HttpClient()
    http.force_login(buyer.owner)
    return http


BOM = "\ufeff"


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith(BOM)
    return [line.split(";") for line in text[1:].split("\r\n") if line]


def test_invoices_as_excel_hold_numbers_and_dates(panel, seller, buyer):
    invoice_issue(client=buyer, amount=Decimal("1234.50"), at=msk(2026, 12, 14, 12))
    response = panel.get(reverse("invoices:list"), {"export": "xlsx"})
    sheet = load_workbook(
        filename=__import__("io").BytesIO(b"".join(response.streaming_content))
    ).active
    row = [cell.value for cell in next(sheet.iter_rows(min_row=2, max_row=2))]
    # Счёт, Дата, Клиент, Назначение, Сумма, Статус: the amount a number, the date a date.
    assert isinstance(row[4], (int, float)) and row[4] == 1234.5
    assert row[1].date() == date(2026, 12, 14)


def test_the_acts_list_downloads_in_the_panel_and_the_portal(panel, portal, seller, buyer):
    act = Act.objects.create(
        reseller=buyer.reseller,
        client=buyer,
        month=date(2026, 12, 1),
        year=2026,
        number=7,
        date=date(2026, 12, 31),
        total=Decimal("290.32"),
        vat_mode="standard",
        vat_rate=Decimal("22"),
        vat_amount=Decimal("52.35"),
        created_at=msk(2027, 1, 1, 7),
    )
    rows = _csv(panel.get(reverse("acts:list"), {"export": "csv"}))
    assert rows[1][:5] == ["2026", "7", "31.12.2026", "12.2026", buyer.name]
    assert rows[1][5:] == ["290,32", "52,35"]
    mine = _csv(portal.get(reverse("portal-acts:list"), {"export": "csv"}))
    assert mine[1] == ["2026", str(act.number), "31.12.2026", "12.2026", "290,32", "52,35"]
