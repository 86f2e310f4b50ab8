"""The monthly seat-day reconciliation (DESIGN.md §5, issue 10 item 7): ESET's usage report
of a month (per company and product, computed by the mock from its licence's quantity
history) against the platform's Σ Charge.seat_days; each difference recorded once, shown
to the operator in the admin and to its reseller in the panel."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.urls import reverse

from billing.models import Charge, ChargeStatus, ServicePeriod
from eset_gateway.mock import views as mock_views
from eset_gateway.mock.models import MockLicense, MockLicenseEvent
from eset_gateway.models import EsetCustomer, UsageDifference
from eset_gateway.tasks import usage_reconcile_task
from eset_gateway.usage import month_bounds, previous_month, purchase_value, usage_reconcile
from orders.models import Subscription
from tests.panel.conftest import sign_in

from .conftest import customer_make

pytestmark = pytest.mark.django_db

CET = ZoneInfo("Europe/Bratislava")
DECEMBER = date(2026, 12, 1)


def _cet(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CET)


def _charge(
    sub: Subscription,
    period: ServicePeriod,
    *,
    date_from: date,
    date_to: date,
    seat_days: int,
    status: str = ChargeStatus.CLOSED,
) -> Charge:
    return Charge.objects.create(
        subscription=sub,
        period=period,
        client=sub.client,
        date_from=date_from,
        date_to=date_to,
        closes_on=date_to,
        seat_days=seat_days,
        amount=Decimal(seat_days),
        cost=Decimal(seat_days),
        status=status,
        closed_on=date_to if status == ChargeStatus.CLOSED else None,
    )


@pytest.fixture
def licensed(eset, subscription):
    """The subscription's client is a company at the mock with a 5-seat licence ordered
    in November, and the platform charged it 5 seats every day of December: 155 seat-days
    (in a closed and an open charge; a cancelled one and November's do not count)."""
    client = eset()
    company_id = customer_make(client, 1)
    EsetCustomer.objects.create(client=subscription.client, company_id=company_id)
    public_id = client.order_license(customer_id=company_id, product_code=111, quantity=5)
    ordered = _cet(date(2026, 11, 20), 12)
    lic = MockLicense.objects.get(public_license_id=public_id)
    MockLicense.objects.filter(pk=lic.pk).update(created_at=ordered)
    MockLicenseEvent.objects.filter(license=lic).update(at=ordered)
    period = ServicePeriod.objects.create(
        subscription=subscription,
        starts_on=date(2026, 11, 20),
        expires_on=date(2027, 1, 20),
        seat_price=Decimal("100.00"),
        purchase_price=Decimal("80.00"),
    )
    _charge(
        subscription,
        period,
        date_from=date(2026, 11, 20),
        date_to=date(2026, 11, 30),
        seat_days=55,
    )
    _charge(
        subscription, period, date_from=date(2026, 12, 1), date_to=date(2026, 12, 14), seat_days=70
    )
    _charge(
        subscription,
        period,
        date_from=date(2026, 12, 15),
        date_to=date(2026, 12, 31),
        seat_days=85,
        status=ChargeStatus.OPEN,
    )
    _charge(
        subscription,
        period,
        date_from=date(2026, 12, 16),
        date_to=date(2026, 12, 16),
        seat_days=999,
        status=ChargeStatus.CANCELLED,
    )
    return {"eset": client, "company_id": company_id, "public_id": public_id}


def _drift(public_id: str, quantity: int, at: datetime) -> None:
    mock_views.control_set(
        {"drift": [{"publicLicenseKey": public_id, "quantity": quantity, "at": at.isoformat()}]}
    )


def test_month_helpers():
    assert month_bounds(date(2026, 12, 17)) == (date(2026, 12, 1), date(2026, 12, 31))
    assert month_bounds(date(2028, 2, 3)) == (date(2028, 2, 1), date(2028, 2, 29))
    assert previous_month(date(2027, 1, 3)) == date(2026, 12, 1)
    assert purchase_value(
        difference=-15, purchase_price=Decimal("80.00"), days_in_month=31
    ) == Decimal("-38.71")


def test_no_drift_no_difference(licensed):
    result = usage_reconcile(month=DECEMBER, eset=licensed["eset"])
    assert (result.compared, result.differences, result.recorded) == (1, 0, 0)
    assert not UsageDifference.objects.exists()


def test_drift_for_part_of_the_month_is_recorded_in_seat_days_and_kopecks(licensed, subscription):
    # Raised to 8 at ESET behind the platform's back from 20 Dec, back to 5 from 25 Dec
    # (both before the day's 00:30 CET cut): 20..24 Dec count 8, 3 seats × 5 days more.
    _drift(licensed["public_id"], 8, _cet(date(2026, 12, 20), 0, 15))
    _drift(licensed["public_id"], 5, _cet(date(2026, 12, 25), 0, 15))
    result = usage_reconcile(month=DECEMBER, eset=licensed["eset"])
    assert (result.compared, result.differences, result.recorded) == (1, 1, 1)
    (row,) = UsageDifference.objects.all()
    assert row.month == DECEMBER
    assert (row.company_id, row.product_code) == (licensed["company_id"], 111)
    assert row.client == subscription.client
    assert row.reseller == subscription.client.reseller
    assert (row.eset_seat_days, row.platform_seat_days, row.difference) == (170, 155, 15)
    # 15 seat-days × 80.00 ₽ a seat and month / 31 days = 38.709… → 38.71 ₽.
    assert row.purchase_value == Decimal("38.71")


def test_a_rerun_records_nothing_twice(licensed):
    _drift(licensed["public_id"], 8, _cet(date(2026, 12, 20), 0, 15))
    first = usage_reconcile(month=DECEMBER, eset=licensed["eset"])
    again = usage_reconcile(month=DECEMBER, eset=licensed["eset"])
    assert (first.recorded, again.differences, again.recorded) == (1, 1, 0)
    (row,) = UsageDifference.objects.all()
    # 20..31 Dec: 12 days of 3 more seats.
    assert row.difference == 36
    assert row.purchase_value == Decimal("92.90")


def test_a_licence_eset_no_longer_bills_is_the_platform_s_surplus(licensed):
    # Suspended at ESET on 10 Dec 12:00: 10 Dec still counts, 11..31 Dec do not.
    mock_views.control_set(
        {
            "drift": [
                {
                    "publicLicenseKey": licensed["public_id"],
                    "state": 3,
                    "at": _cet(date(2026, 12, 10), 12).isoformat(),
                }
            ]
        }
    )
    usage_reconcile(month=DECEMBER, eset=licensed["eset"])
    (row,) = UsageDifference.objects.all()
    assert (row.eset_seat_days, row.platform_seat_days, row.difference) == (50, 155, -105)
    assert row.purchase_value == Decimal("-270.97")


def test_the_command_and_the_task_reconcile_the_month(licensed):
    _drift(licensed["public_id"], 8, _cet(date(2026, 12, 20), 0, 15))
    out = []

    class Out:
        def write(self, text: str) -> None:
            out.append(text)

    call_command("eset_usage_reconcile", "--month", "2026-12", stdout=Out())
    assert "eset_usage_reconcile 2026-12: compared=1 differences=1 recorded=1" in "".join(out)
    assert usage_reconcile_task("2026-12-01")["recorded"] == 0
    assert UsageDifference.objects.count() == 1


@pytest.mark.parametrize("bad", ["2026-13", "december", "2026-12-01", "26-12", "2026/12"])
def test_the_command_refuses_a_bad_month_clearly(db, bad):
    with pytest.raises(CommandError) as caught:
        call_command("eset_usage_reconcile", "--month", bad)
    assert "--month" in str(caught.value)
    assert "YYYY-MM" in str(caught.value)


def _difference(client, *, product_code: int = 111, difference: int = 7) -> UsageDifference:
    return UsageDifference.objects.create(
        month=DECEMBER,
        company_id=f"company-{client.pk}",
        reseller=client.reseller,
        client=client,
        product_code=product_code,
        product_name="ESET PROTECT Advanced",
        eset_seat_days=100 + difference,
        platform_seat_days=100,
        difference=difference,
        purchase_value=Decimal("18.06"),
        detected_at=_cet(date(2027, 1, 3), 5),
    )


def test_the_panel_lists_only_the_reseller_s_own_differences(make_subscription):
    own = make_subscription().client
    other = make_subscription().client
    _difference(own, difference=7)
    _difference(other, difference=-4)
    html = sign_in(own.reseller).get(reverse("eset_usage:list")).content.decode()
    assert own.name in html
    assert "+7" in html
    assert other.name not in html
    assert "-4" not in html
    # The sidebar links to it; the other reseller sees only its own row.
    assert 'href="/panel/eset-usage/" class="current"' in html
    other_html = sign_in(other.reseller, "staff2@reseller.example").get("/panel/eset-usage/")
    assert other.name in other_html.content.decode()
    assert own.name not in other_html.content.decode()


def test_the_operator_sees_every_difference_read_only(make_subscription, client):
    from django.contrib.auth import get_user_model

    rows = [_difference(make_subscription().client) for _ in range(2)]
    model_admin = admin.site._registry[UsageDifference]
    assert model_admin.list_filter == ["month", "reseller"]
    user = get_user_model().objects.create_superuser("operator", "op@example.com", "pw")
    client.force_login(user)
    changelist = client.get(reverse("admin:eset_gateway_usagedifference_changelist"))
    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count == 2
    assert (
        client.get(
            reverse("admin:eset_gateway_usagedifference_change", args=[rows[0].pk])
        ).status_code
        == 200
    )
    assert not model_admin.has_add_permission(changelist.wsgi_request)
    assert not model_admin.has_change_permission(changelist.wsgi_request, rows[0])
    assert not model_admin.has_delete_permission(changelist.wsgi_request, rows[0])
