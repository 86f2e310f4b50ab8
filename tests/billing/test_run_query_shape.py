"""§10: the daily run issues no queries per subscription in its hot path: the number of
queries for a month-end run with renewals and suspensions does not grow with the number
of subscriptions (within one chunk of clients)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.services import billing_run, payment_register
from orders.services import order_confirm, order_create
from tests.factories import ClientFactory, ResellerPlanFactory, msk
from tests.invariants import assert_invariants

pytestmark = pytest.mark.django_db


def build(n: int) -> None:
    plan = ResellerPlanFactory()
    for i in range(n):
        client = ClientFactory(reseller=plan.reseller)
        sub = order_confirm(
            order=order_create(client=client, reseller_plan=plan, seats=2), at=msk(2026, 12, 14)
        )
        # Every other client can pay the renewal; the rest are suspended.
        payment_register(
            client=client,
            amount=Decimal("1000.00") if i % 2 else Decimal("200.00"),
            at=msk(2026, 12, 14),
        )
        assert sub.pk


def queries_for_run(day: date) -> int:
    with CaptureQueriesContext(connection) as ctx:
        billing_run(day=day)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("day", [date(2026, 12, 31), date(2027, 1, 13)])
def test_run_queries_do_not_grow_with_subscriptions(day):
    build(4)
    small = queries_for_run(day)
    build(16)  # new clients, same due days: four times the rows, same statements
    # The first four are done for `day`; the new sixteen are due: run their day.
    large = queries_for_run(day)
    assert large == small
    assert_invariants(day=day)
