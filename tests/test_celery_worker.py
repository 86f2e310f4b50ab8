"""A real Celery worker on the Redis broker runs the nightly chain by the beat schedule's
task names: the 00:30 sync applies a seat change, then the billing run closes the charge
that falls due that day."""

import time
from datetime import date
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from billing.models import Charge
from billing.services import payment_register
from config.celery import app
from orders.models import SeatChange
from orders.services import order_confirm, order_create, seat_change_request
from tests.factories import ClientFactory, ResellerPlanFactory, msk

pytestmark = [
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL) as the broker"),
]


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_nightly_chain_from_beat_schedule_runs_on_a_real_worker():
    app.conf.task_always_eager = False
    plan = ResellerPlanFactory()
    client = ClientFactory(reseller=plan.reseller)
    sub = order_confirm(
        order=order_create(client=client, reseller_plan=plan, seats=2), at=msk(2026, 12, 14)
    )
    payment_register(client=client, amount=Decimal("5000.00"), at=msk(2026, 12, 14))
    change = seat_change_request(subscription=sub, seats=4, at=msk(2026, 12, 30, 15))
    assert change.effective_on == date(2026, 12, 31)

    nightly = app.conf.beat_schedule["nightly-sync-then-billing"]
    with start_worker(
        app, perform_ping_check=False, pool="solo", concurrency=1, shutdown_timeout=30
    ):
        app.send_task(nightly["task"], args=["2026-12-31"])
        december = Charge.objects.get(subscription=sub, date_from=date(2026, 12, 14))
        assert wait_for(lambda: Charge.objects.get(pk=december.pk).status == "closed")

    change.refresh_from_db()
    december.refresh_from_db()
    assert change.status == "applied"
    # 17 days at 2 seats + 31 Dec at 4 seats: the sync ran before the billing run.
    assert december.seat_days == 17 * 2 + 4
    assert december.amount == Decimal("122.58")
    assert SeatChange.objects.filter(status="pending").count() == 0
