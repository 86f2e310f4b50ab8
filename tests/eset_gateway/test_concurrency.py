"""Two drains never execute one command twice: claims and results are compare-and-set."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from eset_gateway import drain as services
from eset_gateway.mock.models import MockCall, MockLicense
from eset_gateway.models import CommandKind, CommandState, EsetLicense, GatewayCommand
from eset_gateway.services import DrainResult, gateway_drain
from notifications.models import Notification
from tests.conftest import requires_postgres

from .conftest import AT


@pytest.mark.django_db
def test_a_drain_running_meanwhile_takes_nothing(
    make_subscription, make_command, eset, monkeypatch
):
    subscriptions = [make_subscription() for _ in range(3)]
    for subscription in subscriptions:
        make_command(subscription, CommandKind.CREATE)
    real_execute = services._execute
    inner: list[DrainResult] = []

    def execute_with_a_rival(*args):
        # A second drain starts while the first is between its claim and its ESET calls.
        if not inner:
            inner.append(gateway_drain(at=AT, eset=eset()))
        return real_execute(*args)

    monkeypatch.setattr(services, "_execute", execute_with_a_rival)

    assert gateway_drain(at=AT, eset=eset()) == DrainResult(done=3)
    assert inner == [DrainResult()]
    assert sorted(EsetLicense.objects.values_list("public_license_id", flat=True)) == sorted(
        MockLicense.objects.values_list("public_license_id", flat=True)
    )
    assert MockLicense.objects.count() == len(subscriptions)


@pytest.mark.django_db
def test_a_result_of_an_expired_claim_is_discarded(subscription, make_command, eset, monkeypatch):
    command = make_command(subscription, CommandKind.CREATE)
    real_execute = services._execute
    rival: list[DrainResult] = []

    def slow_execute(*args):
        executed = real_execute(*args)
        if not rival:
            # This drain stalls past its claim; a later drain takes the command over and
            # settles it by lookup (the licence exists), before this one records.
            rival.append(DrainResult())
            rival[0] = gateway_drain(at=AT + timedelta(minutes=10), eset=eset())
        return executed

    monkeypatch.setattr(services, "_execute", slow_execute)

    assert gateway_drain(at=AT, eset=eset()) == DrainResult()
    assert rival == [DrainResult(done=1)]
    command.refresh_from_db()
    assert (command.state, command.attempts, command.result["notes"]) == (
        CommandState.DONE,
        2,
        ["adopted by lookup"],
    )
    assert command.done_at == AT + timedelta(minutes=10)
    assert MockLicense.objects.count() == 1
    assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_claims_are_taken_once(make_subscription, make_command):
    for _ in range(3):
        make_command(make_subscription(), CommandKind.CREATE)
    first = services._claim(at=AT, limit=2)
    second = services._claim(at=AT, limit=10)
    third = services._claim(at=AT, limit=10)
    assert [c.pk for c in first + second] == sorted(
        GatewayCommand.objects.values_list("pk", flat=True)
    )
    assert (len(first), len(second), third) == (2, 1, [])
    assert set(GatewayCommand.objects.values_list("state", "attempts", "locked_until")) == {
        (CommandState.RUNNING, 1, AT + timedelta(minutes=5))
    }


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_drains_execute_each_command_once(
    live_eset, make_subscription, make_command, mock_control, eset, settings
):
    settings.ESET_CONCURRENCY = 4
    mock_control(log_calls=True, latency_ms=20)
    subscriptions = [make_subscription() for _ in range(12)]
    for subscription in subscriptions:
        make_command(subscription, CommandKind.CREATE)
    results: list[DrainResult] = []
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def drain() -> None:
        try:
            start.wait()
            results.append(gateway_drain(at=AT, eset=eset()))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=drain) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(r.done for r in results) == 12
    assert sum(r.retried + r.failed for r in results) == 0
    assert MockCall.objects.filter(path="License/Order").count() == 12
    assert sorted(EsetLicense.objects.values_list("public_license_id", flat=True)) == sorted(
        MockLicense.objects.values_list("public_license_id", flat=True)
    )
    assert MockLicense.objects.count() == len(subscriptions)
    assert set(GatewayCommand.objects.values_list("state", "attempts")) == {(CommandState.DONE, 1)}
    assert Notification.objects.filter(kind="activation_data").count() == 12
