"""Every list of the panel downloads as CSV and XLSX (DESIGN.md §8, §13): the page's filters
applied, the reseller's own rows only, «CSV» / «Excel» in the filter bar."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.models import Membership
from billing.models import Payment
from billing.services import payment_register
from orders.services import order_confirm, order_create
from tests.factories import (
    ClientFactory,
    ResellerFactory,
    ResellerPlanFactory,
    UserFactory,
    VendorPlanFactory,
    msk,
)

from .conftest import sign_in

pytestmark = pytest.mark.django_db

BANK = str(Payment.Method.BANK_TRANSFER.label)


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def xlsx_rows(response):
    assert response.status_code == 200, response.status_code
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(book.active.iter_rows())


@pytest.fixture
def money(reseller):
    """Two clients of the reseller with three payments; another reseller's client paid too."""
    alpha = ClientFactory(reseller=reseller, name="ООО Альфа")
    beta = ClientFactory(reseller=reseller, name="ООО Бета")
    first = payment_register(
        client=alpha, amount=Decimal("1099.50"), at=msk(2026, 12, 15, 10), reference="п/п 7"
    )
    second = payment_register(client=alpha, amount=Decimal("200.00"), at=msk(2026, 12, 20, 9, 5))
    payment_register(client=beta, amount=Decimal("300.00"), at=msk(2026, 12, 16, 11))
    stranger = ClientFactory(reseller=ResellerFactory(), name="ООО Чужой")
    payment_register(client=stranger, amount=Decimal("77.00"), at=msk(2026, 12, 16, 11))
    return alpha, beta, first, second


def test_payments_csv_holds_exactly_the_filtered_rows(panel, money):
    alpha, _, _, second = money
    rows = csv_rows(
        panel.get(
            reverse("payments:list"),
            {"client": alpha.pk, "date_from": "16.12.2026", "export": "csv", "page": "2"},
        )
    )
    assert rows == [
        ["Платёж", "Дата (МСК)", "Клиент", "Сумма", "Способ", "Основание", "Заказ", "Сторнирован"],
        [str(second.pk), "20.12.2026 09:05", "ООО Альфа", "200,00", BANK, "", "", "Нет"],
    ]
    rows = csv_rows(panel.get(reverse("payments:list"), {"client": alpha.pk, "export": "csv"}))
    assert [r[3] for r in rows[1:]] == ["200,00", "1099,50"]  # newest first, as on the page
    assert rows[2][5] == "п/п 7"


def test_payments_xlsx_has_numbers_and_dates(panel, money):
    alpha, _, first, _ = money
    header, *rows = xlsx_rows(
        panel.get(reverse("payments:list"), {"client": alpha.pk, "export": "xlsx"})
    )
    assert header[3].value == "Сумма"
    number, at, client, amount = rows[1][:4]
    assert number.value == first.pk and number.data_type == "n"
    assert at.is_date and at.value.strftime("%d.%m.%Y %H:%M") == "15.12.2026 10:00"
    assert client.value == "ООО Альфа"
    assert amount.data_type == "n" and amount.value == pytest.approx(1099.5)
    assert amount.number_format == "#,##0.00"


def test_another_resellers_rows_never_appear(panel, money, reseller):
    rows = csv_rows(panel.get(reverse("payments:list"), {"export": "csv"}))
    assert len(rows) == 4 and all("ООО Чужой" not in r and "77,00" not in r for r in rows)
    # …and the other reseller's own export holds its row only.
    stranger = Payment.objects.get(amount=Decimal("77.00")).client
    other = sign_in(stranger.reseller, username="other@reseller.example")
    rows = csv_rows(other.get(reverse("payments:list"), {"export": "csv"}))
    assert [r[2] for r in rows[1:]] == ["ООО Чужой"]
    # A client id of another tenant in the filter is not a way in: the form refuses it.
    rows = csv_rows(panel.get(reverse("payments:list"), {"client": stranger.pk, "export": "csv"}))
    assert "ООО Чужой" not in {r[2] for r in rows}


def test_clients_export_follows_the_search(panel, money, reseller):
    rows = csv_rows(panel.get(reverse("accounts:client-list"), {"q": "Бета", "export": "csv"}))
    assert [r[1] for r in rows] == ["Название", "ООО Бета"]
    assert rows[1][4] == "300,00"


def _subscription(client, *, seats=5):
    plan = ResellerPlanFactory(
        reseller=client.reseller,
        vendor_plan=VendorPlanFactory(name="ESET PROTECT Entry", min_seats=1),
        seat_price=Decimal("100.00"),
    )
    order = order_create(client=client, reseller_plan=plan, seats=seats)
    subscription = order_confirm(order=order, at=msk(2026, 12, 14, 10))
    order.refresh_from_db()
    payment_register(client=client, amount=order.amount_due, at=msk(2026, 12, 14, 11), order=order)
    subscription.refresh_from_db()
    return subscription


def test_subscriptions_orders_and_charges(panel, reseller):
    client = ClientFactory(reseller=reseller, name="ООО Гамма")
    subscription = _subscription(client)
    _subscription(ClientFactory(reseller=ResellerFactory(), name="ООО Чужой"))

    rows = csv_rows(panel.get(reverse("subscriptions:list"), {"export": "csv"}))
    assert rows[0][:3] == ["Подписка", "Клиент", "Тарифный план"]
    assert [r[:4] for r in rows[1:]] == [
        [str(subscription.pk), "ООО Гамма", "ESET PROTECT Entry", "5"]
    ]
    last_paid = subscription.expires_on - timedelta(days=1)  # inclusive (DESIGN.md §8)
    assert rows[1][5] == last_paid.strftime("%d.%m.%Y")

    rows = csv_rows(panel.get(reverse("orders:list"), {"status": "completed", "export": "csv"}))
    assert [r[1] for r in rows[1:]] == ["ООО Гамма"]
    assert (
        csv_rows(panel.get(reverse("orders:list"), {"status": "draft", "export": "csv"}))[1:] == []
    )

    url = reverse("accounts:client-detail", args=[client.pk])
    rows = csv_rows(panel.get(url, {"export": "csv", "table": "charges"}))
    assert rows[0][:2] == ["Подписка", "Тарифный план"]
    assert rows[1][0] == str(subscription.pk)
    assert "Закупочная цена" not in rows[0]
    rows = csv_rows(panel.get(url, {"export": "csv", "table": "payments"}))
    assert len(rows) == 2 and rows[1][2] == "483,87"  # 30 days from 14 Dec at 5 × 100,00
    rows = csv_rows(panel.get(url, {"export": "csv", "table": "corrections"}))
    assert rows[1:] == []


@pytest.mark.parametrize(
    ("url", "params", "first_header"),
    [
        ("plans:list", {}, "Тарифный план"),
        ("accounts:client-list", {}, "№"),
        ("orders:list", {}, "Заказ"),
        ("subscriptions:list", {}, "Подписка"),
        ("payments:list", {}, "Платёж"),
        ("notifications:list", {}, "Дата (МСК)"),
        ("accounts:audit", {}, "Когда (МСК)"),
        ("accounts:staff", {}, "E-mail"),
        ("eset_usage:list", {}, "Месяц"),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_panel_list_exports(panel, money, url, params, first_header, fmt):
    response = panel.get(reverse(url), {**params, "export": fmt})
    rows = (
        csv_rows(response) if fmt == "csv" else [[c.value for c in r] for r in xlsx_rows(response)]
    )
    assert rows[0][0] == first_header


def test_every_role_of_the_reseller_may_export(reseller, money):
    for role in Membership.Role.ACCOUNTANT, Membership.Role.MANAGER:
        user = UserFactory(username=f"{role}@reseller.example")
        Membership.objects.create(user=user, reseller=reseller, role=role)
        http = HttpClient()
        http.force_login(user)
        assert len(csv_rows(http.get(reverse("payments:list"), {"export": "csv"}))) == 4
        page = http.get(reverse("payments:list")).content.decode()
        assert "export=csv" in page and "export=xlsx" in page


def test_the_buttons_keep_the_filters(panel, money):
    alpha, *_ = money
    page = panel.get(reverse("payments:list"), {"client": alpha.pk, "page": "1"}).content.decode()
    assert f'href="?client={alpha.pk}&amp;export=csv"' in page
    assert f'href="?client={alpha.pk}&amp;export=xlsx"' in page
    page = panel.get(reverse("orders:list"), {"status": "draft"}).content.decode()
    assert 'href="?status=draft&amp;export=csv"' in page


def test_an_unknown_format_shows_the_page(panel, money):
    response = panel.get(reverse("payments:list"), {"export": "pdf"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")


def test_headers_in_english_for_an_english_reader(panel, money):
    panel.post("/i18n/setlang/", {"language": "en", "next": "/panel/"})
    rows = csv_rows(panel.get(reverse("payments:list"), {"export": "csv"}))
    assert rows[0][:4] == ["Payment", "Date (Moscow time)", "Client", "Amount"]
    assert rows[1][4] == "bank transfer"
