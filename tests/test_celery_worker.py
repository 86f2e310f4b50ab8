"""A real Celery worker on the Redis broker runs the nightly chain by the beat schedule's
task names: the 00:30 sync applies a seat change, then the billing run closes the charge
that falls due that day."""

import time
from datetime import date
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.utils import timezone

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


def queued(queue: str) -> int:
    with app.connection_for_read() as connection:
        return connection.default_channel.queue_declare(queue=queue).message_count


def test_a_stalled_smtp_server_does_not_stop_the_eset_drain(settings):
    """A payment's after-commit requests land in their own queues; a worker consuming all
    of them orders the licence at ESET while the e-mail drain waits on an SMTP server that
    accepts and never answers, and that drain ends by EMAIL_TIMEOUT, not never."""
    from eset_gateway.models import CommandState, GatewayCommand
    from notifications.models import EmailStatus, Notification
    from tests.notifications.test_email_delivery import StalledSmtpServer

    app.conf.task_always_eager = False
    app.control.purge()
    threaded = settings.IS_POSTGRES  # SQLite's test database takes one writer at a time
    with StalledSmtpServer() as smtp:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = (
            "127.0.0.1",
            smtp.port,
            False,
        )
        settings.EMAIL_TIMEOUT = 4 if threaded else 1
        plan = ResellerPlanFactory()
        client = ClientFactory(reseller=plan.reseller)
        order = order_create(client=client, reseller_plan=plan, seats=2)
        # Now, not a day of the scenario: the worker's drain reads the clock.
        sub = order_confirm(order=order, at=timezone.now())
        payment_register(client=client, amount=Decimal("5000.00"), at=timezone.now())
        # Each request waits in its own queue.
        assert (queued("eset"), queued("email"), queued("billing")) == (1, 1, 0)
        command = GatewayCommand.objects.get(subscription=sub)

        pool = {"pool": "threads", "concurrency": 2} if threaded else {"pool": "solo"}
        with start_worker(app, perform_ping_check=False, shutdown_timeout=60, **pool):
            assert wait_for(lambda: GatewayCommand.objects.get(pk=command.pk).state == "done")
            if threaded:
                # The licence was ordered while the e-mail drain was still stuck.
                assert Notification.objects.filter(email_status=EmailStatus.SENDING).exists()
            assert wait_for(
                lambda: (
                    not Notification.objects.filter(email_status=EmailStatus.SENDING).exists()
                    and Notification.objects.filter(email_attempts__gte=1).exists()
                ),
                timeout=60,
            )
        assert GatewayCommand.objects.get(pk=command.pk).state == CommandState.DONE
        tried = Notification.objects.filter(email_attempts__gte=1)
        assert {n.email_status for n in tried} == {EmailStatus.PENDING}
        assert all("timed out" in n.email_error for n in tried)
        assert smtp.held  # the server was reached, and never answered
        assert (queued("eset"), queued("email"), queued("billing")) == (0, 0, 0)
