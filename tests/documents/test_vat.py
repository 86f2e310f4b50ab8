"""VAT (DESIGN.md §3, §13): dated rows, and the VAT a total includes."""

from datetime import date
from decimal import Decimal

import pytest

from config.errors import NotFound
from documents.models import VatRate
from documents.vat import vat_included, vat_rate_on

pytestmark = pytest.mark.django_db


def test_the_migration_rates():
    assert list(VatRate.objects.order_by("valid_from").values_list("valid_from", "rate")) == [
        (date(2019, 1, 1), Decimal("20.00")),
        (date(2026, 1, 1), Decimal("22.00")),
    ]
    assert vat_rate_on(date(2025, 12, 31)) == Decimal("20.00")
    assert vat_rate_on(date(2026, 1, 1)) == Decimal("22.00")
    assert vat_rate_on(date(2026, 12, 14)) == Decimal("22.00")


def test_an_operator_row_applies_from_its_day():
    VatRate.objects.create(valid_from=date(2030, 1, 1), rate=Decimal("25.00"))
    assert vat_rate_on(date(2029, 12, 31)) == Decimal("22.00")
    assert vat_rate_on(date(2030, 1, 1)) == Decimal("25.00")


def test_no_rate_before_the_first_row():
    with pytest.raises(NotFound) as err:
        vat_rate_on(date(2018, 12, 31))
    assert err.value.field == "vat_rate"


@pytest.mark.parametrize(
    ("total", "rate", "vat"),
    [
        ("12000.00", "20", "2000.00"),
        ("122.00", "22", "22.00"),
        ("100.00", "22", "18.03"),  # 18.0327… → 18.03
        ("290.32", "22", "52.35"),  # 52.3528… → 52.35
        ("500.00", "22", "90.16"),  # 90.1639… → 90.16
        ("0.61", "22", "0.11"),  # 0.11 exactly: 0.61·22/122 = 0.11
        ("12768.39", "22", "2302.50"),  # 2302.4965… → 2302.50
        ("0.05", "20", "0.01"),  # 0.00833… → 0.01
    ],
)
def test_vat_included_half_up(total, rate, vat):
    assert vat_included(total=Decimal(total), rate=Decimal(rate)) == Decimal(vat)
