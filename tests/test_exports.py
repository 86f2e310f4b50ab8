"""The one export mechanism (config.exports, DESIGN.md §8, §13): CSV as Russian Excel opens
it (BOM, `;`, CRLF, decimal comma), XLSX with typed cells, streamed, and every registered
list's headers in the reader's language."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest
from django.utils import translation

import accounts.exports
import billing.exports
import documents.exports
import eset_gateway.exports
import notifications.exports
import orders.exports
import plans.exports
from config.exports import (
    TABLES,
    Column,
    Kind,
    Table,
    csv_cell,
    export_response,
    register,
)
from tests.factories import msk

APPS = (accounts, billing, documents, eset_gateway, notifications, orders, plans)

TABLE = Table(
    name="probe",
    title="Проба",
    columns=(
        Column("Название", "name"),
        Column("Мест", "seats", Kind.INT),
        Column("Сумма", "amount", Kind.MONEY),
        Column("День", "day", Kind.DATE),
        Column("Когда", "at", Kind.DATETIME),
        Column("Клиент", "client.name"),
    ),
)
ROWS = [
    SimpleNamespace(
        name="ООО «Ромашка»; филиал",
        seats=5,
        amount=Decimal("1099.50"),
        day=date(2026, 12, 31),
        at=msk(2026, 12, 15, 17, 42),
        client=None,
    ),
    SimpleNamespace(
        name="=HYPERLINK(1)",
        seats=12,
        amount=Decimal("-1300"),
        day=None,
        at=None,
        client=SimpleNamespace(name="Вектор"),
    ),
]


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_csv_is_utf8_with_a_bom_semicolons_crlf_and_decimal_commas():
    raw = body(export_response(TABLE, ROWS, fmt="csv"))
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8")
    assert text.count("\r\n") == 3 and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows == [
        ["Название", "Мест", "Сумма", "День", "Когда", "Клиент"],
        ["ООО «Ромашка»; филиал", "5", "1099,50", "31.12.2026", "15.12.2026 17:42", ""],
        ["'=HYPERLINK(1)", "12", "-1300,00", "", "", "Вектор"],
    ]
    assert '"ООО «Ромашка»; филиал"' in text  # a `;` inside a cell is quoted


def test_csv_response_headers():
    response = export_response(TABLE, ROWS, fmt="csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="probe.csv"'


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (Decimal("1234567.5"), Kind.MONEY, "1234567,50"),
        (Decimal("0"), Kind.MONEY, "0,00"),
        (None, Kind.MONEY, ""),
        ("+7 900", Kind.TEXT, "'+7 900"),
        ("-5", Kind.TEXT, "'-5"),
        ("@x", Kind.TEXT, "'@x"),
        ("обычный", Kind.TEXT, "обычный"),
        (date(2027, 1, 13), Kind.DATE, "13.01.2027"),
        (msk(2027, 1, 1, 0, 30), Kind.DATETIME, "01.01.2027 00:30"),
        (msk(2027, 1, 1, 1, 0), Kind.DATE, "01.01.2027"),  # 31.12.2026 22:00 UTC
        (date(2026, 12, 1), Kind.MONTH, "12.2026"),
    ],
)
def test_csv_cells(value, kind, expected):
    assert csv_cell(value, kind) == expected


def test_xlsx_cells_are_typed_numbers_and_dates_not_text():
    response = export_response(TABLE, ROWS, fmt="xlsx")
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="probe.xlsx"' in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
    assert sheet.title == "Проба"
    header, first, second = list(sheet.iter_rows())
    assert [c.value for c in header] == ["Название", "Мест", "Сумма", "День", "Когда", "Клиент"]
    name, seats, amount, day, at, client = first
    assert name.value == "ООО «Ромашка»; филиал" and name.data_type == "s"
    assert seats.value == 5 and seats.data_type == "n"
    assert amount.data_type == "n" and amount.value == pytest.approx(1099.5)
    assert amount.number_format == "#,##0.00"
    assert day.is_date and day.value.date() == date(2026, 12, 31)
    assert day.number_format == "DD.MM.YYYY"
    assert at.is_date and at.value.strftime("%d.%m.%Y %H:%M") == "15.12.2026 17:42"  # Moscow
    assert at.number_format == "DD.MM.YYYY HH:MM"
    assert client.value is None
    formula, _, minus, _, _, _ = second
    assert formula.data_type == "s" and formula.value == "=HYPERLINK(1)"  # text, not a formula
    assert minus.value == pytest.approx(-1300)


def test_rows_are_read_in_chunks_never_cached(django_assert_num_queries, db):
    """A QuerySet is iterated (iterator(chunk_size)), so its result cache stays empty."""
    from accounts.models import Reseller
    from tests.factories import ResellerFactory

    ResellerFactory.create_batch(3)
    rows = Reseller.objects.order_by("pk")
    table = Table(name="r", title="r", columns=(Column("Имя", "name"),), chunk_size=2)
    text = body(export_response(table, rows, fmt="csv")).decode("utf-8-sig")
    assert len(text.splitlines()) == 4
    assert rows._result_cache is None


def test_a_table_name_is_registered_once():
    register(TABLE)
    register(TABLE)  # the same object again: harmless (a module imported twice)
    with pytest.raises(ValueError, match="probe"):
        register(Table(name="probe", title="x", columns=()))
    del TABLES["probe"]


def test_every_list_of_the_panel_and_the_portal_is_registered():
    assert APPS  # imported for their registrations
    assert {
        "clients",
        "staff",
        "people",
        "audit",
        "orders",
        "my-orders",
        "subscriptions",
        "my-subscriptions",
        "payments",
        "my-payments",
        "charges",
        "corrections",
        "plans",
        "my-plans",
        "notifications",
        "my-notifications",
        "eset-usage",
        "invoices",
        "my-invoices",
        "statements",
    } <= set(TABLES)


@pytest.mark.parametrize("name", sorted(set(TABLES) - {"probe"}))
def test_every_header_reads_in_english_too(name):
    """Column headers follow the reader's language: each has its English msgid."""
    table = TABLES[name]
    with translation.override("ru"):
        russian = table.headers()
    with translation.override("en"):
        english = table.headers()
        title = str(table.title)
    untranslated = [
        ru for ru, en in zip(russian, english, strict=True) if ru == en and not ru.isascii()
    ]
    assert untranslated == [], f"{name}: no English for {untranslated}"
    assert title.isascii(), title


def test_a_client_file_never_carries_the_purchase_cost():
    for name in (
        "charges",
        "my-payments",
        "my-orders",
        "my-subscriptions",
        "my-plans",
        "my-invoices",
    ):
        headers = " ".join(TABLES[name].headers()).lower()
        assert "закуп" not in headers and "себестоим" not in headers, name
