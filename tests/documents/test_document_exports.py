"""The documents' lists download like every other list (issue 12 item 7): the invoices in
the panel (the reseller's, filtered) and in the portal (the client's own), the bank
statements; CSV with a BOM, amounts with a decimal comma, nobody else's rows."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from documents.services import invoice_issue
from documents.statements import statement_import
from tests.documents.statement_files import WELL_FORMED, statement_bytes
from tests.factories import ClientFactory, ResellerFactory, msk

from .test_pages import person, portal

__all__ = ["portal"]  # the fixture, imported for the tests below

pytestmark = pytest.mark.django_db

AT = msk(2026, 12, 14, 10)


def rows(response) -> list[list[str]]:
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_the_panels_invoices_download_filtered_and_the_reseller_own_only(seller, buyer):
    invoice_issue(client=buyer, amount=Decimal("12768.39"), at=AT)
    other = ClientFactory(reseller=seller, name="ИП Петров")
    invoice_issue(client=other, amount=Decimal("100.00"), at=AT)
    stranger = ClientFactory(reseller=ResellerFactory(), name="Чужой клиент")
    http = person(role="accountant", reseller=seller)

    got = rows(http.get(f"/panel/invoices/?client={buyer.pk}&export=csv"))
    assert got == [
        ["Счёт", "Дата", "Клиент", "Назначение", "Сумма", "Статус"],
        ["1", "14.12.2026", buyer.name, "пополнение баланса", "12768,39", "выставлен"],
    ]
    everyone = rows(http.get("/panel/invoices/?export=csv"))
    assert [row[2] for row in everyone[1:]] == [other.name, buyer.name]
    assert stranger.name not in str(everyone)
    xlsx = http.get("/panel/invoices/?export=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")


def test_the_portals_invoices_are_the_clients_own(seller, buyer, portal):
    invoice_issue(client=buyer, amount=Decimal("250.50"), at=AT)
    invoice_issue(client=ClientFactory(reseller=seller), amount=Decimal("9.99"), at=AT)
    assert rows(portal.get("/portal/invoices/?export=csv")) == [
        ["Счёт", "Дата", "Назначение", "Сумма", "Статус"],
        ["1", "14.12.2026", "пополнение баланса", "250,50", "выставлен"],
    ]


def test_the_statements_download(seller, buyer):
    http = person(role="accountant", reseller=seller)
    statement_import(reseller=seller, data=statement_bytes(WELL_FORMED), at=AT, by=None)
    got = rows(http.get("/panel/statements/?export=csv"))
    assert got[0] == [
        "Загружена (МСК)",
        "Файл",
        "Кто загрузил",
        "Поступлений",
        "Новых",
        "Сопоставлено",
        "Ждали разбора",
        "Зачислено",
    ]
    assert got[1][0] == "14.12.2026 10:00" and got[1][3:] == ["3", "3", "2", "1", "1750,50"]


def test_a_viewer_may_not_export_the_invoices(seller):
    assert (
        person(role="viewer", reseller=seller).get("/panel/invoices/?export=csv").status_code == 403
    )
