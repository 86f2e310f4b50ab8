"""The operator picks a vendor plan's ESET product code from ESET's AvailableProducts
(typed in when ESET cannot be asked), and the mock's usage report counts seat-days from
each licence's own history, the day cut at 00:30 CET."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from eset_gateway.client import EsetRetryableError
from eset_gateway.mock import views as mock_views
from eset_gateway.mock.models import MockLicense, MockLicenseEvent
from plans.admin import VendorPlanForm
from plans.models import VendorPlan

from .conftest import customer_make

pytestmark = pytest.mark.django_db

CET = ZoneInfo("Europe/Bratislava")
PLAN = {
    "name": "ESET PROTECT Entry",
    "product_code": "EP-ENTRY",
    "description": "",
    "is_available": "on",
    "min_seats": "1",
    "max_seats": "100",
    "purchase_price": "96.00",
    "billing_cycle": "30_days",
    "suspension_grace_days": "30",
}


def test_the_admin_form_offers_eset_s_products_and_refuses_others():
    form = VendorPlanForm()
    choices = dict(form.fields["eset_product_code"].choices)
    assert choices[110] == "110 — ESET PROTECT Entry"
    assert VendorPlanForm(data={**PLAN, "eset_product_code": "110"}).is_valid()
    refused = VendorPlanForm(data={**PLAN, "eset_product_code": "999"})
    assert not refused.is_valid()
    assert list(refused.errors) == ["eset_product_code"]
    assert VendorPlan.objects.count() == 0


def test_the_admin_form_takes_a_typed_code_when_eset_cannot_be_asked(monkeypatch):
    def unreachable(self):
        raise EsetRetryableError("Product/AvailableProducts: ConnectError")

    monkeypatch.setattr("eset_gateway.client.EsetClient.available_products", unreachable)
    form = VendorPlanForm(data={**PLAN, "eset_product_code": "777"})
    assert "ESET недоступен" in form.fields["eset_product_code"].help_text
    assert form.is_valid(), form.errors
    assert form.save().eset_product_code == 777
    missing = VendorPlanForm(data={**PLAN, "product_code": "X", "eset_product_code": ""})
    assert list(missing.errors) == ["eset_product_code"]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CET)


def test_usage_is_counted_from_the_history_at_the_00_30_cet_cut(eset):
    client = eset()
    customer_id = customer_make(client)
    public_id = client.order_license(customer_id=customer_id, product_code=111, quantity=5)
    lic = MockLicense.objects.get(public_license_id=public_id)
    ordered = _at(date(2026, 12, 10), 15)  # during 10 Dec: counted that day
    MockLicense.objects.filter(pk=lic.pk).update(created_at=ordered)
    MockLicenseEvent.objects.filter(license=lic).update(at=ordered)
    # Raised to 8 at 00:15 CET on 20 Dec: before that day's cut, so 20 Dec counts 8.
    mock_views.control_set(
        {
            "drift": [
                {
                    "publicLicenseKey": public_id,
                    "quantity": 8,
                    "at": _at(date(2026, 12, 20), 0, 15).isoformat(),
                }
            ]
        }
    )
    # Suspended at 10:00 on 25 Dec: 25 Dec still counts (its cut saw it in service).
    mock_views.control_set(
        {
            "drift": [
                {
                    "publicLicenseKey": public_id,
                    "state": 3,
                    "at": _at(date(2026, 12, 25), 10).isoformat(),
                }
            ]
        }
    )
    rows = client.usage_rows(date_from=date(2026, 12, 1), date_to=date(2026, 12, 31))
    (row,) = rows
    daily = dict(row.daily)
    assert daily["2026-12-09"] == 0
    assert daily["2026-12-10"] == 5  # ordered that day
    assert daily["2026-12-19"] == 5
    assert daily["2026-12-20"] == 8
    assert daily["2026-12-25"] == 8
    assert daily["2026-12-26"] == 0
    # 10..19 Dec: 10 days of 5; 20..25 Dec: 6 days of 8.
    assert row.seat_days == 10 * 5 + 6 * 8
    assert (row.company_id, row.product_code, row.seats) == (customer_id, 111, 0)
    assert sum(daily.values()) == row.seat_days
    assert len(daily) == 31
