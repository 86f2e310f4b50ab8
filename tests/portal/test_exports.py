"""The portal's lists download as CSV and XLSX (DESIGN.md §8, §13): the client's own rows,
the page's filters; a viewer may read but not export (accounts.permissions: exports)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.models import Membership
from billing.models import ChargeStatus
from billing.services import payment_register
from tests.factories import ClientFactory, UserFactory, msk

from .test_subscriptions import subscribe

pytestmark = pytest.mark.django_db


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def person(client, role) -> HttpClient:
    user = UserFactory(username=f"{role}@client.example")
    Membership.objects.create(user=user, client=client, role=role)
    http = HttpClient()
    http.force_login(user)
    return http


LISTS = [
    ("portal:plans", {}),
    ("portal:orders", {}),
    ("portal:subscriptions", {}),
    ("portal:notifications", {}),
    ("portal:people", {}),
    ("portal:balance", {"table": "charges"}),
    ("portal:balance", {"table": "payments"}),
    ("portal:balance", {"table": "corrections"}),
]


@pytest.mark.parametrize(("url", "params"), LISTS)
def test_a_viewer_gets_a_403_and_sees_no_buttons(client_, url, params):
    viewer = person(client_, Membership.Role.VIEWER)
    for fmt in ("csv", "xlsx"):
        assert viewer.get(reverse(url), {**params, "export": fmt}).status_code == 403
    page = viewer.get(reverse(url)).content.decode()
    assert "export=csv" not in page and "export=xlsx" not in page


@pytest.mark.parametrize(("url", "params"), LISTS)
@pytest.mark.parametrize("role", [Membership.Role.ACCOUNTANT, Membership.Role.ADMIN])
def test_the_accountant_and_the_admin_export(client_, url, params, role):
    http = person(client_, role)
    assert csv_rows(http.get(reverse(url), {**params, "export": "csv"}))[0]
    assert "export=csv" in http.get(reverse(url)).content.decode()


def test_only_the_clients_own_rows(portal, client_, reseller):
    mine = subscribe(client_)
    neighbour = ClientFactory(reseller=reseller, name="Соседний клиент")
    theirs = subscribe(neighbour)
    rows = csv_rows(portal.get(reverse("portal:subscriptions"), {"export": "csv"}))
    assert [r[0] for r in rows[1:]] == [str(mine.pk)]
    assert str(theirs.pk) not in {r[0] for r in rows[1:]}
    rows = csv_rows(portal.get(reverse("portal:orders"), {"export": "csv"}))
    assert [r[0] for r in rows[1:]] == [str(mine.order_id)]
    rows = csv_rows(portal.get(reverse("portal:balance"), {"export": "csv", "table": "payments"}))
    assert len(rows) == 2


def test_balance_exports_follow_the_charge_filter(portal, client_):
    subscription = subscribe(client_)
    payment_register(client=client_, amount=Decimal("10.00"), at=msk(2026, 12, 20, 10))
    url = reverse("portal:balance")
    rows = csv_rows(portal.get(url, {"export": "csv", "table": "charges", "status": "open"}))
    assert rows[0] == [
        "Подписка",
        "Тарифный план",
        "Период с",
        "Период по",
        "Место-дней",
        "Сумма",
        "Дата списания",
        "Статус",
        "Закрыто",
    ]
    assert {r[0] for r in rows[1:]} == {str(subscription.pk)}
    assert {r[7] for r in rows[1:]} == {str(ChargeStatus.OPEN.label)}
    closed = csv_rows(portal.get(url, {"export": "csv", "table": "charges", "status": "closed"}))
    assert closed[1:] == []
    payments = csv_rows(portal.get(url, {"export": "csv", "table": "payments"}))
    due = f"{subscription.order.amount_due:.2f}".replace(".", ",")
    assert [r[2] for r in payments[1:]] == ["10,00", due]  # newest first


def test_balance_payments_as_xlsx_are_numbers(portal, client_):
    payment_register(client=client_, amount=Decimal("1234.56"), at=msk(2026, 12, 20, 10))
    response = portal.get(reverse("portal:balance"), {"export": "xlsx", "table": "payments"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    amount = sheet["C2"]
    assert amount.data_type == "n" and amount.value == pytest.approx(1234.56)
    assert sheet["B2"].is_date
