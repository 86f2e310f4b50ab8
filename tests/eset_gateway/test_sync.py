"""The 00:30 sync, the tasks, the management commands, the operator's retry and the
in-process transport."""

from __future__ import annotations

import time
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from billing.services import eset_sync
from billing.tasks import eset_sync_task
from core.clock import MOSCOW, nightly_moment
from eset_gateway.client import INPROCESS_BASE_URL, EsetClient
from eset_gateway.mock.models import MockLicense
from eset_gateway.models import CommandKind, CommandState, EsetLicense, GatewayCommand
from eset_gateway.services import (
    DrainResult,
    SyncResult,
    commands_retry_now,
    gateway_drain,
)
from eset_gateway.tasks import gateway_drain_task
from notifications.models import Notification
from orders.models import SeatChangeStatus

from .conftest import AT, customer_make

pytestmark = pytest.mark.django_db

DAY = date(2026, 12, 15)
NOTHING = SyncResult(applied=0, rejected=0, commands_done=0, commands_retried=0, commands_failed=0)


@pytest.fixture
def licensed(subscription, make_command, eset):
    make_command(subscription, CommandKind.CREATE)
    assert gateway_drain(at=AT, eset=eset()) == DrainResult(done=1)
    return subscription


def test_nightly_moment_is_0030_moscow():
    assert nightly_moment(DAY).isoformat() == "2026-12-15T00:30:00+03:00"


def test_sync_applies_due_seat_changes_then_changes_eset(licensed, make_seat_change, eset):
    change = make_seat_change(licensed, seats=8, effective_on=DAY)

    assert eset_sync(day=DAY, eset=eset()) == SyncResult(
        applied=1, rejected=0, commands_done=1, commands_retried=0, commands_failed=0
    )

    change.refresh_from_db()
    assert change.status == SeatChangeStatus.APPLIED
    command = GatewayCommand.objects.get(kind=CommandKind.CHANGE_QUANTITY)
    assert (command.state, command.seat_change_id, command.done_at) == (
        CommandState.DONE,
        change.pk,
        nightly_moment(DAY),
    )
    remote = MockLicense.objects.get()
    assert (remote.quantity, EsetLicense.objects.get().license_key) == (8, remote.license_key)
    note = Notification.objects.get(kind="seats_changed")
    assert (note.key, note.created_at) == (
        f"seats_changed:seatchange:{change.pk}",
        nightly_moment(DAY),
    )
    assert (note.payload["seats"], note.payload["previous_seats"]) == (8, 5)

    # Idempotent: the second run finds nothing to do.
    assert eset_sync(day=DAY, eset=eset()) == NOTHING
    assert Notification.objects.filter(kind="seats_changed").count() == 1
    assert MockLicense.objects.get().key_generation == 2


def test_sync_with_eset_down_applies_the_change_and_retries_the_command(
    licensed, make_seat_change, mock_control, eset
):
    make_seat_change(licensed, seats=8, effective_on=DAY)
    mock_control(fail_rate=1, fail_modes=["5xx"])
    assert eset_sync(day=DAY, eset=eset()) == SyncResult(
        applied=1, rejected=0, commands_done=0, commands_retried=1, commands_failed=0
    )
    command = GatewayCommand.objects.get(kind=CommandKind.CHANGE_QUANTITY)
    assert command.next_attempt_at == nightly_moment(DAY) + timedelta(seconds=30)
    assert eset_sync(day=DAY, eset=eset()) == NOTHING

    mock_control(fail_rate=0)
    later = nightly_moment(DAY) + timedelta(minutes=1)
    assert gateway_drain(at=later, eset=eset()) == DrainResult(done=1)
    assert MockLicense.objects.get().quantity == 8


def test_tasks_are_named_and_acknowledged_late():
    assert gateway_drain_task.name == "eset_gateway.tasks.gateway_drain_task"
    assert eset_sync_task.name == "billing.tasks.eset_sync_task"  # billing owns the sync
    assert gateway_drain_task.acks_late is True
    assert eset_sync_task.acks_late is True


def test_gateway_drain_task_runs_what_is_due_now(subscription, make_command):
    make_command(subscription, CommandKind.CREATE, at=timezone.now() - timedelta(minutes=1))
    assert gateway_drain_task.apply().get() == {
        "done": 1,
        "retried": 0,
        "failed": 0,
        "released": 0,
        "stopped": "",
    }


def test_eset_sync_task_takes_the_day(licensed, make_seat_change):
    make_seat_change(licensed, seats=2, effective_on=DAY)
    assert eset_sync_task.apply(kwargs={"day_iso": DAY.isoformat()}).get() == {
        "applied": 1,
        "rejected": 0,
        "commands_done": 1,
        "commands_retried": 0,
        "commands_failed": 0,
    }


def test_management_commands(licensed, make_seat_change):
    make_seat_change(licensed, seats=6, effective_on=DAY)
    out = StringIO()
    call_command("eset_sync", "--date", DAY.isoformat(), stdout=out)
    assert out.getvalue() == (
        "eset_sync 2026-12-15: seat changes applied=1 rejected=0; "
        "commands done=1 retried=0 failed=0\n"
    )
    out = StringIO()
    call_command("gateway_drain", stdout=out)
    assert out.getvalue() == "gateway_drain: done=0 retried=0 failed=0\n"
    with pytest.raises(CommandError, match="--date: expected YYYY-MM-DD"):
        call_command("eset_sync", "--date", "15.12.2026")


def test_retry_now_makes_failed_and_waiting_commands_due(make_subscription, make_command):
    failed = make_command(make_subscription(), CommandKind.CREATE)
    GatewayCommand.objects.filter(pk=failed.pk).update(state=CommandState.FAILED, attempts=3)
    waiting = make_command(make_subscription(), CommandKind.CREATE)
    done = make_command(make_subscription(), CommandKind.CREATE)
    GatewayCommand.objects.filter(pk=done.pk).update(state=CommandState.DONE, attempts=1)
    later = AT + timedelta(hours=3)

    assert commands_retry_now(command_ids=[failed.pk, waiting.pk, done.pk], at=later) == 2

    rows = GatewayCommand.objects.in_bulk([failed.pk, waiting.pk, done.pk])
    assert (rows[failed.pk].state, rows[failed.pk].attempts, rows[failed.pk].next_attempt_at) == (
        CommandState.PENDING,
        1,
        later,
    )
    assert (rows[waiting.pk].attempts, rows[waiting.pk].next_attempt_at) == (0, later)
    assert (rows[done.pk].state, rows[done.pk].next_attempt_at) == (CommandState.DONE, AT)


def test_admin_pages_and_retry_action(admin_client, subscription, make_command):
    command = make_command(subscription, CommandKind.CREATE)
    GatewayCommand.objects.filter(pk=command.pk).update(
        state=CommandState.FAILED, attempts=2, last_error="ESET error 8/27: unknown product"
    )
    page = admin_client.get("/admin/eset_gateway/gatewaycommand/?state=failed&kind=create")
    assert page.status_code == 200
    assert "ESET error 8/27" in page.content.decode()
    response = admin_client.post(
        "/admin/eset_gateway/gatewaycommand/",
        {"action": "retry_now", "_selected_action": [command.pk]},
    )
    assert response.status_code == 302
    command.refresh_from_db()
    assert (command.state, command.attempts) == (CommandState.PENDING, 1)
    for url in (
        "/admin/eset_gateway/esetlicense/",
        "/admin/eset_gateway/esetcustomer/",
        "/admin/eset_mock/mocklicense/",
        "/admin/eset_mock/mockcompany/",
        "/admin/eset_mock/mockcontrol/",
        "/admin/eset_mock/mockcall/",
        "/admin/eset_mock/mocktoken/",
    ):
        assert admin_client.get(url).status_code == 200, url


def test_in_process_client_shares_the_callers_transaction(eset, make_subscription):
    client = eset()
    assert (client.in_process, client.base_url) == (True, INPROCESS_BASE_URL)
    # A product created in this (uncommitted) test transaction is known to the mock.
    make_subscription()  # rows of this (uncommitted) test transaction...
    customer_id = customer_make(client)
    public_id = client.order_license(customer_id=customer_id, product_code=111, quantity=2)
    # ...and the mock's, written in the same transaction, are seen by both.
    assert MockLicense.objects.get().public_license_id == public_id


def test_in_process_timeout_answers_at_once(eset, sleeps, mock_control):
    client = eset()
    mock_control(fail_next=[{"mode": "timeout", "path": "Search/Licenses"}])
    started = time.monotonic()
    assert client.search_licenses(keyword="none") == []
    assert time.monotonic() - started < 1
    assert len(sleeps) == 1


def test_in_process_call_keeps_the_callers_language(eset):
    client = eset()
    with translation.override("en"):
        client.search_licenses(keyword="")
        assert translation.get_language() == "en"


def test_in_process_needs_the_mock(settings):
    settings.ESET_MOCK_ENABLED = False
    with pytest.raises(ImproperlyConfigured):
        EsetClient()


def test_moscow_day_default_of_the_sync_task(monkeypatch):
    seen: list[date] = []
    monkeypatch.setattr(
        "billing.services.eset_sync",
        lambda *, day: seen.append(day) or NOTHING,
    )
    eset_sync_task.apply().get()
    assert seen == [timezone.localdate(timezone=MOSCOW)]


def test_a_result_that_cannot_be_recorded_is_retried(subscription, make_command, eset, monkeypatch):
    command = make_command(subscription, CommandKind.CREATE)

    def broken_store(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("eset_gateway.recording.licenses_store", broken_store)
    assert gateway_drain(at=AT, eset=eset()) == DrainResult(retried=1)
    command.refresh_from_db()
    assert (command.state, command.attempts, command.last_error) == (
        CommandState.PENDING,
        1,
        "disk full",
    )
    assert (EsetLicense.objects.count(), Notification.objects.count()) == (0, 0)

    monkeypatch.undo()
    assert gateway_drain(at=AT + timedelta(seconds=30), eset=eset()) == DrainResult(done=1)
    # The licence ordered by the first attempt is found, not ordered again.
    assert MockLicense.objects.count() == 1
