"""The seed's example (S10, DESIGN.md §4.2) exactly: 5 seats at 100.00 a month, bought on
14 December 2026, through the first renewal."""

from datetime import date
from decimal import Decimal

import pytest

from billing.models import BalanceEntry, Charge, ServicePeriod
from billing.services import billing_run, payment_register
from orders.models import SubscriptionStatus
from orders.services import order_confirm, order_create
from tests.factories import ClientFactory, ResellerPlanFactory, VendorPlanFactory, msk
from tests.invariants import assert_invariants

pytestmark = pytest.mark.django_db


def charges(sub):
    return [
        (c.date_from, c.date_to, c.closes_on, c.amount, c.status)
        for c in Charge.objects.filter(subscription=sub).order_by("date_from")
    ]


def test_seed_example_through_first_renewal():
    plan = ResellerPlanFactory(
        vendor_plan=VendorPlanFactory(min_seats=5, max_seats=50, purchase_price=Decimal("80.00")),
        seat_price=Decimal("100.00"),
    )
    client = ClientFactory(reseller=plan.reseller)

    order = order_create(client=client, reseller_plan=plan)
    assert order.seats == 5  # S6: the minimum is included automatically
    sub = order_confirm(order=order, at=msk(2026, 12, 14, 10))
    order.refresh_from_db()
    assert sub.status == SubscriptionStatus.PENDING_PAYMENT
    assert order.amount_due == Decimal("483.87")  # 290.32 + 193.55

    payment_register(
        client=client, amount=Decimal("1000.00"), at=msk(2026, 12, 14, 11), order=order
    )
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.ACTIVE
    assert list(
        ServicePeriod.objects.filter(subscription=sub).values_list("starts_on", "expires_on")
    ) == [(date(2026, 12, 14), date(2027, 1, 13))]
    assert charges(sub) == [
        (date(2026, 12, 14), date(2026, 12, 31), date(2026, 12, 31), Decimal("290.32"), "open"),
        (date(2027, 1, 1), date(2027, 1, 12), date(2027, 1, 13), Decimal("193.55"), "open"),
    ]
    client.refresh_from_db()
    assert client.balance == Decimal("1000.00")

    assert billing_run(day=date(2026, 12, 30)).charges_closed == 0
    assert billing_run(day=date(2026, 12, 31)).charges_closed == 1
    client.refresh_from_db()
    assert client.balance == Decimal("709.68")
    assert billing_run(day=date(2027, 1, 12)).charges_closed == 0

    result = billing_run(day=date(2027, 1, 13))
    assert (result.charges_closed, result.renewed, result.suspended) == (1, 1, 0)
    client.refresh_from_db()
    assert client.balance == Decimal("516.13")
    sub.refresh_from_db()
    assert sub.expires_on == date(2027, 2, 12)
    assert charges(sub)[2:] == [
        (date(2027, 1, 13), date(2027, 1, 31), date(2027, 1, 31), Decimal("306.45"), "open"),
        (date(2027, 2, 1), date(2027, 2, 11), date(2027, 2, 12), Decimal("196.43"), "open"),
    ]
    # The same day again changes nothing (§4.7.3).
    again = billing_run(day=date(2027, 1, 13))
    assert (again.charges_closed, again.renewed) == (0, 0)
    assert BalanceEntry.objects.filter(client=client).count() == 3
    assert_invariants(day=date(2027, 1, 13))
