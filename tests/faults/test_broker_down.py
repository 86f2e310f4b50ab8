"""Redis (the broker) down (issue 9, item 8): a write that has committed never turns into a
500 because its after-commit "drain now" cannot be queued; beat's drain does the work."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
import time_machine
from celery.app.task import Task
from django.urls import reverse
from kombu.exceptions import OperationalError

from billing.models import Payment
from billing.submissions import token_issue
from eset_gateway.models import CommandKind, CommandState, GatewayCommand
from eset_gateway.services import gateway_drain
from notifications.models import EmailStatus, Notification
from notifications.services import email_drain
from orders.models import SubscriptionStatus
from orders.services import order_confirm, order_create
from tests.factories import ClientFactory, ResellerPlanFactory, msk
from tests.panel.conftest import sign_in

pytestmark = pytest.mark.django_db

NOW = msk(2026, 12, 14, 15)


@pytest.fixture
def broker_down(monkeypatch):
    """Every task sent fails as kombu fails when Redis refuses the connection."""
    sent: list[str] = []

    def refuse(self, *args, **kwargs):
        sent.append(self.name)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(Task, "apply_async", refuse)
    return sent


def test_a_panel_payment_with_the_broker_down_answers_its_redirect_and_pays_once(
    broker_down, django_capture_on_commit_callbacks, caplog
):
    plan = ResellerPlanFactory(seat_price=Decimal("100.00"))
    client = ClientFactory(reseller=plan.reseller)
    order = order_create(client=client, reseller_plan=plan, seats=5)
    subscription = order_confirm(order=order, at=NOW)
    panel = sign_in(plan.reseller, "cashier@reseller.example")

    with (
        time_machine.travel(NOW, tick=False),
        caplog.at_level(logging.WARNING, logger="config.broker"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        response = panel.post(
            f"{reverse('payments:new')}?client={client.pk}",
            {
                "form_token": token_issue(),
                "amount": "483,87",
                "method": "bank_transfer",
                "order": order.pk,
            },
        )

    payment = Payment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("payments:detail", args=[payment.pk])
    assert payment.amount == Decimal("483.87")
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE
    # Both after-commit requests were tried, refused and logged, not raised.
    assert len(callbacks) == 2
    assert sorted(broker_down) == [
        "eset_gateway.tasks.gateway_drain_task",
        "notifications.tasks.email_drain_task",
    ]
    warnings = [r.getMessage() for r in caplog.records if r.name == "config.broker"]
    assert len(warnings) == 2
    assert all(w.startswith("broker unavailable, ") for w in warnings)
    assert "left to the scheduled drain" in warnings[0]

    # The work waits in the outboxes, committed, for beat's every-minute drains.
    command = GatewayCommand.objects.get(subscription=subscription)
    assert (command.kind, command.state) == (CommandKind.CREATE, CommandState.PENDING)
    assert Notification.objects.filter(email_status=EmailStatus.PENDING).exists()
    later = msk(2026, 12, 14, 15, 1)
    gateway_drain(at=later)
    command.refresh_from_db()
    assert command.state == CommandState.DONE
    email_drain(at=later)
    assert not Notification.objects.filter(email_status=EmailStatus.PENDING).exists()
    assert Payment.objects.count() == 1


def test_other_errors_of_the_after_commit_send_are_not_swallowed(monkeypatch):
    """Only the broker's failure is left to beat: a bug in the call still shows."""
    from config.broker import send_or_leave_to_beat
    from notifications.tasks import email_drain_task

    def broken(self, *args, **kwargs):
        raise TypeError("bad arguments")

    monkeypatch.setattr(Task, "apply_async", broken)
    with pytest.raises(TypeError):
        send_or_leave_to_beat(email_drain_task)
