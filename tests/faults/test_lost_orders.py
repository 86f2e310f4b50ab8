"""A lost License/Order answer is never ordered twice (DESIGN.md §5, issue 10 item 5).

200 subscriptions, five of each client on one product (so that a client's unknown
licences look alike: only the platform's own records and the drain's tell them apart).
Every License/Order answer is lost once (the order is carried out, its answer never
arrives), and other calls fail at random (seeded: refused, rate-limited, timed out), so
that some lookups after a lost answer fail too and the next attempt must adopt by lookup.
At the end ESET holds exactly one licence per subscription."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from billing.services import payment_register
from eset_gateway.drain import RETRY_CAP
from eset_gateway.mock.models import MockCall, MockLicense
from eset_gateway.models import CommandKind, CommandState, EsetCustomer, EsetLicense, GatewayCommand
from eset_gateway.services import gateway_drain
from orders.services import order_confirm, order_create
from tests.factories import ClientFactory, ResellerPlanFactory, VendorPlanFactory, msk

ACTIVATED = msk(2026, 12, 14, 10)
SUBSCRIPTIONS = 200
PER_CLIENT = 5


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [11, 12])
def test_lost_orders_end_with_exactly_one_licence_each(seed, mock_control, eset, settings):
    settings.ESET_MAX_ATTEMPTS = 100
    plan = ResellerPlanFactory(
        vendor_plan=VendorPlanFactory(min_seats=1, max_seats=100, eset_product_code=111),
        seat_price=Decimal("100.00"),
    )
    subscriptions = []
    for _ in range(SUBSCRIPTIONS // PER_CLIENT):
        client = ClientFactory(reseller=plan.reseller)
        for _ in range(PER_CLIENT):
            order = order_create(client=client, reseller_plan=plan, seats=5)
            subscriptions.append(order_confirm(order=order, at=ACTIVATED))
        payment_register(client=client, amount=Decimal("10000.00"), at=ACTIVATED)
    assert GatewayCommand.objects.filter(kind=CommandKind.CREATE).count() == SUBSCRIPTIONS

    mock_control(
        log_calls=True,
        fail_next=[{"mode": "lost", "path": "License/Order"}] * SUBSCRIPTIONS,
        fail_rate=0.15,
        fail_seed=seed,
        fail_modes=["5xx", "429", "timeout"],
        retry_after_seconds=0,
    )
    client = eset()
    at = ACTIVATED
    for _ in range(30):
        gateway_drain(at=at, eset=client)
        if not GatewayCommand.objects.exclude(state=CommandState.DONE).exists():
            break
        at += RETRY_CAP
    mock_control(fail_rate=0)

    # Every command done, none failed.
    assert set(GatewayCommand.objects.values_list("state", flat=True)) == {CommandState.DONE}
    # Every answer of an order was lost: each subscription's licence was adopted.
    assert MockCall.objects.filter(path="License/Order", fault="lost").count() == SUBSCRIPTIONS
    # Exactly one licence per subscription at ESET, each recorded for one subscription.
    assert MockLicense.objects.count() == SUBSCRIPTIONS
    local = dict(EsetLicense.objects.values_list("subscription_id", "public_license_id"))
    assert sorted(local) == sorted(s.pk for s in subscriptions)
    assert sorted(local.values()) == sorted(
        MockLicense.objects.values_list("public_license_id", flat=True)
    )
    # And each under its own client's customer: five per customer.
    customers = dict(EsetCustomer.objects.values_list("client_id", "company_id"))
    per_customer = Counter(MockLicense.objects.values_list("customer__public_id", flat=True))
    assert per_customer == Counter({company: PER_CLIENT for company in customers.values()})
    for sub in subscriptions:
        lic = MockLicense.objects.get(public_license_id=local[sub.pk])
        assert lic.customer.public_id == customers[sub.client_id]
        assert (lic.product_code, lic.quantity) == (111, 5)
