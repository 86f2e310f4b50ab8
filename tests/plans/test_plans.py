"""A reseller's plans (S1-S5): activation, the monthly seat price, publication. Bad input
for these services is in tests/billing/test_bad_input.py."""

from datetime import date
from decimal import Decimal

import pytest

from billing.models import Charge
from billing.services import payment_register
from orders.services import order_confirm, order_create
from plans.models import ResellerPlan
from plans.services import (
    reseller_plan_activate,
    reseller_plan_deactivate,
    reseller_plan_publish,
    reseller_plan_set_seat_price,
    reseller_plan_unpublish,
)
from tests.factories import ClientFactory, ResellerFactory, VendorPlanFactory, msk
from tests.invariants import assert_invariants

pytestmark = pytest.mark.django_db


def test_activate_a_catalogue_plan():
    reseller = ResellerFactory()
    vendor = VendorPlanFactory()
    plan = reseller_plan_activate(reseller=reseller, vendor_plan=vendor)
    assert (plan.reseller_id, plan.vendor_plan_id, plan.status) == (
        reseller.pk,
        vendor.pk,
        ResellerPlan.Status.ACTIVE,
    )
    assert plan.activated_at is not None
    # S4: no seat price yet: it sells at the purchase price, with no margin.
    assert (plan.seat_price, plan.is_published, plan.has_margin) == (None, False, False)
    assert plan.effective_seat_price == vendor.purchase_price


def test_activate_twice_is_harmless():
    reseller = ResellerFactory()
    vendor = VendorPlanFactory()
    first = reseller_plan_activate(reseller=reseller, vendor_plan=vendor)
    reseller_plan_set_seat_price(reseller_plan=first, seat_price=Decimal("120.00"))
    second = reseller_plan_activate(reseller=reseller, vendor_plan=vendor)
    assert second.pk == first.pk
    assert second.seat_price == Decimal("120.00")
    assert ResellerPlan.objects.count() == 1


def test_two_resellers_activate_the_same_catalogue_plan():
    vendor = VendorPlanFactory()
    a = reseller_plan_activate(reseller=ResellerFactory(), vendor_plan=vendor)
    b = reseller_plan_activate(reseller=ResellerFactory(), vendor_plan=vendor)
    assert a.pk != b.pk
    assert ResellerPlan.objects.filter(vendor_plan=vendor).count() == 2


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (Decimal("120.50"), Decimal("120.50")),
        ("99.9", Decimal("99.90")),
        ("1.010", Decimal("1.01")),  # trailing zero: still two places
        (150, Decimal("150.00")),
        (Decimal("0"), Decimal("0.00")),  # a free plan is allowed
    ],
)
def test_set_seat_price(given, stored):
    plan = reseller_plan_activate(reseller=ResellerFactory(), vendor_plan=VendorPlanFactory())
    # Storage only: prices under the purchase price need the confirmation (test_margin.py).
    plan = reseller_plan_set_seat_price(reseller_plan=plan, seat_price=given, confirm_loss=True)
    plan.refresh_from_db()
    assert plan.seat_price == stored
    assert plan.effective_seat_price == stored
    assert plan.has_margin


def test_publish_and_unpublish():
    plan = reseller_plan_activate(reseller=ResellerFactory(), vendor_plan=VendorPlanFactory())
    assert reseller_plan_publish(reseller_plan=plan).is_published
    assert ResellerPlan.objects.get(pk=plan.pk).is_published
    assert not reseller_plan_unpublish(reseller_plan=plan).is_published


def test_deactivate_unpublishes():
    plan = reseller_plan_activate(reseller=ResellerFactory(), vendor_plan=VendorPlanFactory())
    reseller_plan_publish(reseller_plan=plan)
    plan = reseller_plan_deactivate(reseller_plan=plan)
    assert (plan.status, plan.is_published) == (ResellerPlan.Status.INACTIVE, False)
    # Reactivation does not republish by itself.
    plan = reseller_plan_activate(reseller=plan.reseller, vendor_plan=plan.vendor_plan)
    assert (plan.status, plan.is_published) == (ResellerPlan.Status.ACTIVE, False)


def test_the_whole_selling_path_s1_to_s9():
    """S1-S9 through the domain API: activate, price, publish, order from the portal with
    the minimum seats, confirm, pay, active."""
    reseller = ResellerFactory()
    vendor = VendorPlanFactory(min_seats=3, max_seats=10, purchase_price=Decimal("70.00"))
    plan = reseller_plan_activate(reseller=reseller, vendor_plan=vendor)
    plan = reseller_plan_set_seat_price(reseller_plan=plan, seat_price=Decimal("93.00"))
    plan = reseller_plan_publish(reseller_plan=plan)
    client = ClientFactory(reseller=reseller)
    order = order_create(client=client, reseller_plan=plan, by=client.owner)
    assert order.seats == 3
    sub = order_confirm(order=order, at=msk(2027, 4, 10, 10))
    # 10 Apr → 10 May: 21 × 3 = 63 seat-days × 93 / 30 = 195.30 (cost 147.00);
    # 9 × 3 = 27 × 93 / 31 = 81.00 (cost 60.97).
    payment_register(client=client, amount=Decimal("276.30"), at=msk(2027, 4, 10, 11))
    sub.refresh_from_db()
    assert sub.status == "active"
    assert list(
        Charge.objects.filter(subscription=sub)
        .order_by("date_from")
        .values_list("date_from", "closes_on", "amount", "cost")
    ) == [
        (date(2027, 4, 10), date(2027, 4, 30), Decimal("195.30"), Decimal("147.00")),
        (date(2027, 5, 1), date(2027, 5, 10), Decimal("81.00"), Decimal("60.97")),
    ]
    assert_invariants(day=date(2027, 4, 10))
