"""Two billing runs for one day in parallel, and a payment racing a renewal: PostgreSQL
row locks must make them serialise per client (§4.7.3). SQLite serialises whole
transactions, so these only prove something on PostgreSQL."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from billing.models import BalanceEntry, Charge, ServicePeriod
from billing.services import billing_run, payment_register
from orders.models import Subscription, SubscriptionStatus
from orders.services import order_confirm, order_create
from tests.conftest import requires_postgres
from tests.factories import ClientFactory, ResellerPlanFactory, msk
from tests.invariants import assert_invariants

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def in_parallel(*calls):
    """Runs the calls in threads released together; re-raises the first error."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []
    results: list = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    if errors:
        raise errors[0]
    return results


def active_subscription(client, plan, *, pay: Decimal, at):
    sub = order_confirm(order=order_create(client=client, reseller_plan=plan, seats=3), at=at)
    payment_register(client=client, amount=pay, at=at)
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.ACTIVE
    return sub


def test_two_runs_of_the_same_day_in_parallel_close_each_charge_once():
    plan = ResellerPlanFactory()
    subs = []
    for _ in range(12):
        client = ClientFactory(reseller=plan.reseller)
        subs.append(active_subscription(client, plan, pay=Decimal("2000.00"), at=msk(2026, 12, 14)))
    day = date(2027, 1, 13)  # Dec's charge, Jan's charge and the renewal all fall due

    first, second = in_parallel(lambda: billing_run(day=day), lambda: billing_run(day=day))

    assert first.charges_closed + second.charges_closed == 24
    assert first.renewed + second.renewed == 12
    assert BalanceEntry.objects.filter(kind="charge").count() == 24
    assert ServicePeriod.objects.count() == 24
    assert Charge.objects.filter(status="closed").count() == 24
    assert_invariants(day=day)


def test_payment_racing_a_renewal_is_counted_once():
    plan = ResellerPlanFactory()
    client = ClientFactory(reseller=plan.reseller)
    # Exactly the first period: nothing left for the renewal until the payment lands.
    sub = active_subscription(
        client,
        plan,
        pay=Decimal("290.32") + Decimal("193.55") - Decimal("96.77"),
        at=msk(2026, 12, 14),
    )
    day = date(2027, 1, 13)

    in_parallel(
        lambda: billing_run(day=day),
        lambda: payment_register(
            client=client, amount=Decimal("1000.00"), at=msk(2027, 1, 13, 0, 40)
        ),
    )

    sub.refresh_from_db()
    client.refresh_from_db()
    # Whichever went first, the subscription is active on a period from 13 Jan, once.
    assert sub.status == SubscriptionStatus.ACTIVE
    assert ServicePeriod.objects.filter(subscription=sub, starts_on=day).count() == 1
    assert BalanceEntry.objects.filter(kind="payment").count() == 2
    assert Subscription.objects.count() == 1
    assert_invariants(day=day)
