"""Executing outbox commands: each scenario runs twice, against the mock in-process (httpx
WSGI transport, inside the test's transaction) and over real HTTP (a live server)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings

from eset_gateway.mock import views as mock_views
from eset_gateway.mock.models import MockCall, MockCompany, MockLicense
from eset_gateway.models import (
    CommandKind,
    CommandState,
    EsetCustomer,
    EsetLicense,
    EsetResellerCompany,
)
from eset_gateway.services import DrainResult, gateway_drain
from notifications.models import Notification

from .conftest import AT, EXPIRES_ON, mock_settle

PRODUCT = "ESET PROTECT Advanced"


@dataclass
class Gateway:
    mode: str
    eset: Any
    sleeps: list

    def drain(self, at=AT, **client_kwargs: Any) -> DrainResult:
        return gateway_drain(at=at, eset=self.eset(**client_kwargs))


@pytest.fixture(
    params=[
        pytest.param("inprocess", marks=pytest.mark.django_db),
        pytest.param("http", marks=pytest.mark.django_db(transaction=True)),
    ]
)
def gateway(request, settings, eset, sleeps) -> Gateway:
    if request.param == "http":
        request.getfixturevalue("live_eset")
        # With SQLite the live server shares the test's in-memory connection: a drain that
        # records results while calls are in flight would interleave transactions on it.
        settings.ESET_CONCURRENCY = 4 if django_settings.IS_POSTGRES else 1
    return Gateway(mode=request.param, eset=eset, sleeps=sleeps)


@pytest.fixture
def logged(mock_control):
    mock_control(log_calls=True)


def _calls(path: str | None = None) -> list[tuple[str, int, str]]:
    calls = MockCall.objects.order_by("id")
    if path:
        calls = calls.filter(path=path)
    return list(calls.values_list("path", "status", "fault"))


def _activated(gateway: Gateway, subscription, make_command):
    command = make_command(subscription, CommandKind.CREATE)
    assert gateway.drain() == DrainResult(done=1)
    command.refresh_from_db()
    return command


def test_create_orders_a_licence_and_sends_the_activation_data(gateway, subscription, make_command):
    command = _activated(gateway, subscription, make_command)

    client = subscription.client
    assert (command.state, command.attempts, command.done_at, command.last_error) == (
        CommandState.DONE,
        1,
        AT,
        "",
    )
    assert command.locked_until is None
    remote = MockLicense.objects.select_related("customer__parent").get()
    # The plan's numeric ESET code, a full licence, in service (ESET's state 1).
    assert (remote.product_code, remote.license_type, remote.quantity, remote.state) == (
        111,
        1,
        5,
        1,
    )
    customer = remote.customer
    assert (customer.entity_type, customer.custom_identifier, customer.name) == (
        1007,
        f"client-{client.pk}",
        client.name,
    )
    assert customer.address == {
        "state": client.address_state,
        "city": client.address_city,
        "streetAddress": client.address_street,
        "zipCode": client.address_zip,
    }
    # The client's MSP Customer sits under its reseller's MSP, created for it.
    msp = customer.parent
    reseller = client.reseller
    assert (msp.entity_type, msp.custom_identifier, msp.name, msp.email) == (
        1005,
        f"reseller-{reseller.pk}",
        reseller.name,
        reseller.email,
    )
    assert EsetResellerCompany.objects.get(reseller=reseller).company_id == msp.public_id
    assert EsetCustomer.objects.get(client=client).company_id == customer.public_id
    local = EsetLicense.objects.get(subscription=subscription)
    assert (
        local.public_license_id,
        local.license_key,
        local.product_code,
        local.quantity,
        local.state,
    ) == (remote.public_license_id, remote.license_key, "111", 5, "active")
    assert command.result == {
        "public_license_id": remote.public_license_id,
        "license_key": remote.license_key,
        "quantity": 5,
        "state": "active",
        "notes": [],
    }
    note = Notification.objects.get()
    assert (note.kind, note.key, note.recipient_id, note.email_to, note.created_at) == (
        "activation_data",
        f"activation_data:sub:{subscription.pk}",
        client.owner_id,
        client.owner.email,
        AT,
    )
    assert (note.reseller_id, note.client_id, note.subscription_id) == (
        client.reseller_id,
        client.pk,
        subscription.pk,
    )
    assert note.payload == {
        "license_key": remote.license_key,
        "public_license_id": remote.public_license_id,
        "product": PRODUCT,
        "seats": 5,
        "expires_on": EXPIRES_ON.isoformat(),
    }
    assert note.subject == f"Подписка ESET активирована: {PRODUCT}"
    assert remote.license_key in note.body


def test_a_client_gets_one_company_for_all_its_subscriptions(
    gateway, make_subscription, make_command
):
    first = make_subscription()
    second = make_subscription(client=first.client, seats=3)
    make_command(first, CommandKind.CREATE)
    make_command(second, CommandKind.CREATE)
    assert gateway.drain() == DrainResult(done=2)
    company = MockCompany.objects.get(entity_type=1007)
    assert list(MockLicense.objects.values_list("customer_id", "quantity")) == [
        (company.pk, 5),
        (company.pk, 3),
    ]
    assert EsetCustomer.objects.get().company_id == company.public_id
    assert MockCompany.objects.filter(entity_type=1005).count() == 1


def test_companies_found_by_custom_identifier_are_adopted(gateway, subscription, make_command):
    msp = MockCompany.objects.create(
        public_id="MSP-0",
        name="Made earlier",
        entity_type=1005,
        parent=mock_views.distributor(),
        custom_identifier=f"reseller-{subscription.client.reseller_id}",
    )
    existing = MockCompany.objects.create(
        public_id="C0FFEE",
        name="Made earlier",
        entity_type=1007,
        parent=msp,
        custom_identifier=f"client-{subscription.client_id}",
    )
    _activated(gateway, subscription, make_command)
    assert MockCompany.objects.get(entity_type=1007) == existing
    assert EsetCustomer.objects.get().company_id == "C0FFEE"
    assert EsetResellerCompany.objects.get().company_id == "MSP-0"


def test_an_msp_linked_by_the_operator_is_used(gateway, subscription, make_command):
    msp = MockCompany.objects.create(public_id="LINKED", name="Linked MSP", entity_type=1005)
    EsetResellerCompany.objects.create(
        reseller=subscription.client.reseller, company_id="LINKED", linked_by_operator=True
    )
    _activated(gateway, subscription, make_command)
    assert MockCompany.objects.get(entity_type=1007).parent == msp
    assert MockCompany.objects.filter(entity_type=1005).count() == 1


def test_a_client_without_an_address_fails_before_any_company_is_made(
    gateway, subscription, make_command
):
    type(subscription.client).objects.filter(pk=subscription.client_id).update(address_city="")
    command = make_command(subscription, CommandKind.CREATE)
    assert gateway.drain() == DrainResult(failed=1)
    command.refresh_from_db()
    assert "the client has no address" in command.last_error
    assert MockCompany.objects.filter(entity_type=1007).count() == 0
    assert MockLicense.objects.count() == 0


def test_5xx_then_success(gateway, subscription, make_command, mock_control, logged):
    mock_control(fail_next=[{"mode": "5xx", "path": "License/Order"}])
    _activated(gateway, subscription, make_command)
    assert _calls("License/Order") == [("License/Order", 503, "5xx"), ("License/Order", 200, "")]
    assert MockLicense.objects.count() == 1


def test_429_with_retry_after_then_success(gateway, subscription, make_command, mock_control):
    mock_control(retry_after_seconds=1, fail_next=[{"mode": "429", "path": "License/Order"}])
    _activated(gateway, subscription, make_command)
    assert gateway.sleeps == [1.0]
    assert MockLicense.objects.count() == 1


def test_timeout_then_success(gateway, subscription, make_command, mock_control, logged):
    mock_control(timeout_sleep_ms=600, fail_next=[{"mode": "timeout", "path": "Search/Companies"}])
    command = make_command(subscription, CommandKind.CREATE)
    assert gateway.drain(timeout=0.3) == DrainResult(done=1)
    mock_settle()
    command.refresh_from_db()
    assert (command.state, command.attempts) == (CommandState.DONE, 1)
    assert len(gateway.sleeps) == 1
    # The MSP's lookup timed out once and was repeated; then the customer's.
    assert [c[0] for c in _calls()].count("Search/Companies") == 3
    assert MockCompany.objects.filter(entity_type=1007).count() == 1


def test_4xx_is_terminal_recorded_and_told_to_the_reseller(
    gateway, subscription, make_command, logged
):
    _activated(gateway, subscription, make_command)
    MockLicense.objects.update(state=3)
    command = make_command(subscription, CommandKind.CHANGE_QUANTITY, quantity=8)

    assert gateway.drain() == DrainResult(failed=1)

    command.refresh_from_db()
    error = "ESET error 8/23: License/UpdateQuantity: LicenseIsNotActive"
    assert (command.state, command.attempts, command.last_error, command.done_at) == (
        CommandState.FAILED,
        1,
        error,
        None,
    )
    assert command.result == {"error": {"code": 8, "sub_code": 23}}
    assert EsetLicense.objects.get().quantity == 5
    note = Notification.objects.get(kind="eset_error")
    reseller = subscription.client.reseller
    assert (note.key, note.recipient_id, note.email_to, note.reseller_id) == (
        f"eset_error:command:{command.pk}",
        None,
        reseller.email,
        reseller.pk,
    )
    assert note.payload == {
        "command": "change_quantity",
        "error": error,
        "subscription_id": subscription.pk,
    }
    calls = len(_calls())

    # Not retried by later drains.
    assert gateway.drain(at=AT + timedelta(hours=2)) == DrainResult()
    command.refresh_from_db()
    assert (command.state, command.attempts) == (CommandState.FAILED, 1)
    assert len(_calls()) == calls


def test_lost_answer_of_an_order_is_settled_by_lookup(
    gateway, subscription, make_command, mock_control, logged
):
    mock_control(fail_next=[{"mode": "lost", "path": "License/Order"}])
    command = _activated(gateway, subscription, make_command)

    remote = MockLicense.objects.get()
    assert _calls("License/Order") == [("License/Order", 502, "lost")]
    assert _calls("Search/Licenses") == [("Search/Licenses", 200, "")]
    assert command.result["notes"] == ["adopted after a lost answer"]
    assert EsetLicense.objects.get().public_license_id == remote.public_license_id
    assert Notification.objects.get().payload["license_key"] == remote.license_key


def test_lost_answer_is_settled_by_the_next_attempt_when_the_lookup_fails(
    gateway, subscription, make_command, mock_control, logged
):
    lookup_down = [{"mode": "5xx", "path": "Search/Licenses"}] * 3
    mock_control(fail_next=[{"mode": "lost", "path": "License/Order"}, *lookup_down])
    command = make_command(subscription, CommandKind.CREATE)

    assert gateway.drain() == DrainResult(retried=1)
    command.refresh_from_db()
    assert (command.state, command.attempts, command.next_attempt_at) == (
        CommandState.PENDING,
        1,
        AT + timedelta(seconds=30),
    )
    assert command.last_error == "Search/Licenses: HTTP 503"
    assert MockLicense.objects.count() == 1
    assert EsetLicense.objects.count() == 0

    assert gateway.drain(at=AT + timedelta(seconds=30)) == DrainResult(done=1)
    command.refresh_from_db()
    assert (command.state, command.attempts, command.result["notes"]) == (
        CommandState.DONE,
        2,
        ["adopted by lookup"],
    )
    # Settled by the lookup: never ordered twice.
    assert MockLicense.objects.count() == 1
    assert len(_calls("License/Order")) == 1
    assert (
        EsetLicense.objects.get().public_license_id == MockLicense.objects.get().public_license_id
    )


def test_every_quantity_change_issues_a_new_key(
    gateway, subscription, make_command, make_seat_change
):
    create = make_command(subscription, CommandKind.CREATE)
    first = make_seat_change(subscription, seats=7, effective_on=AT.date())
    make_command(subscription, CommandKind.CHANGE_QUANTITY, quantity=7, seat_change=first)
    first.status = "applied"
    first.save()
    subscription.seats = 7
    subscription.save()
    second = make_seat_change(subscription, seats=9, effective_on=AT.date())
    make_command(subscription, CommandKind.CHANGE_QUANTITY, quantity=9, seat_change=second)

    # Three commands of one subscription, run in order in one drain.
    assert gateway.drain() == DrainResult(done=3)

    create.refresh_from_db()
    notes = list(Notification.objects.order_by("id"))
    assert [n.kind for n in notes] == ["activation_data", "seats_changed", "seats_changed"]
    keys = [n.payload["license_key"] for n in notes]
    assert len(set(keys)) == 3
    assert [n.payload["seats"] for n in notes] == [5, 7, 9]
    remote = MockLicense.objects.get()
    assert (remote.quantity, remote.license_key, remote.key_generation) == (9, keys[2], 3)
    local = EsetLicense.objects.get()
    assert (local.quantity, local.license_key) == (9, keys[2])
    assert notes[2].key == f"seats_changed:seatchange:{second.pk}"
    assert notes[2].payload == {
        "license_key": keys[2],
        "public_license_id": remote.public_license_id,
        "product": PRODUCT,
        "seats": 9,
        "expires_on": EXPIRES_ON.isoformat(),
        "previous_seats": 7,
        "effective_on": AT.date().isoformat(),
    }
    assert keys[2] in notes[2].body


def test_same_quantity_counts_as_success(gateway, subscription, make_command, logged):
    _activated(gateway, subscription, make_command)
    key = MockLicense.objects.get().license_key
    command = make_command(subscription, CommandKind.CHANGE_QUANTITY, quantity=5)

    assert gateway.drain() == DrainResult(done=1)

    command.refresh_from_db()
    assert (command.state, command.result["notes"]) == (CommandState.DONE, ["same quantity"])
    assert _calls("License/UpdateQuantity") == [("License/UpdateQuantity", 400, "")]
    # The create's detail, then the one read after ESET's "same quantity" (48).
    assert _calls("License/Detail") == [("License/Detail", 200, "")] * 2
    assert MockLicense.objects.get().license_key == key
    note = Notification.objects.get(kind="seats_changed")
    assert (note.payload["license_key"], note.payload["seats"]) == (key, 5)


def test_retryable_failure_backs_off(gateway, subscription, make_command, mock_control):
    mock_control(fail_next=[{"mode": "5xx", "path": "License/Order"}] * 3)
    command = make_command(subscription, CommandKind.CREATE)

    assert gateway.drain() == DrainResult(retried=1)
    command.refresh_from_db()
    assert (command.state, command.attempts, command.next_attempt_at, command.last_error) == (
        CommandState.PENDING,
        1,
        AT + timedelta(seconds=30),
        "License/Order: HTTP 503",
    )
    assert command.locked_until is None
    assert Notification.objects.count() == 0

    assert gateway.drain(at=AT + timedelta(seconds=29)) == DrainResult()
    assert gateway.drain(at=AT + timedelta(seconds=30)) == DrainResult(done=1)
    command.refresh_from_db()
    assert (command.state, command.attempts, command.last_error) == (CommandState.DONE, 2, "")
    assert MockLicense.objects.count() == 1


def test_retryable_failures_back_off_to_the_cap_and_fail_only_after_days(
    gateway, subscription, make_command, mock_control, settings
):
    settings.ESET_GIVE_UP_DAYS = 2
    mock_control(fail_rate=1, fail_modes=["5xx"])
    command = make_command(subscription, CommandKind.CREATE)

    # 30 s, 1, 2, 4, 8, 16 min, then 30 min each time: no attempt count fails it.
    at, waits = AT, []
    for _ in range(12):
        assert gateway.drain(at=at) == DrainResult(retried=1)
        command.refresh_from_db()
        waits.append(command.next_attempt_at - at)
        at = command.next_attempt_at
    minutes = [w.total_seconds() / 60 for w in waits]
    assert minutes == [0.5, 1, 2, 4, 8, 16, 30, 30, 30, 30, 30, 30]
    assert (command.state, command.attempts) == (CommandState.PENDING, 12)
    # Not an error for the reseller to act on: told once that ESET keeps it waiting.
    assert list(Notification.objects.values_list("kind", flat=True)) == ["eset_delayed"]

    # Still retried the day after; failed once it has waited ESET_GIVE_UP_DAYS.
    assert gateway.drain(at=AT + timedelta(days=1)) == DrainResult(retried=1)
    assert gateway.drain(at=AT + timedelta(days=2)) == DrainResult(failed=1)
    command.refresh_from_db()
    error = "gave up after 2 days: Token/Get: HTTP 503"
    assert (command.state, command.attempts, command.last_error) == (CommandState.FAILED, 14, error)
    note = Notification.objects.get(kind="eset_error")
    assert note.payload == {
        "command": "create",
        "error": error,
        "subscription_id": subscription.pk,
    }


def test_a_subscriptions_commands_run_in_order(gateway, subscription, make_command, mock_control):
    mock_control(fail_next=[{"mode": "5xx", "path": "License/Order"}] * 3)
    create = make_command(subscription, CommandKind.CREATE)
    suspend = make_command(subscription, CommandKind.SUSPEND)

    assert gateway.drain() == DrainResult(retried=1)
    suspend.refresh_from_db()
    assert (suspend.state, suspend.attempts) == (CommandState.PENDING, 0)

    assert gateway.drain(at=AT + timedelta(seconds=30)) == DrainResult(done=2)
    create.refresh_from_db()
    suspend.refresh_from_db()
    assert (create.state, suspend.state) == (CommandState.DONE, CommandState.DONE)
    assert MockLicense.objects.get().state == 3
    assert EsetLicense.objects.get().state == "suspended"


def test_already_suspended_and_already_active_count_as_success(gateway, subscription, make_command):
    _activated(gateway, subscription, make_command)
    MockLicense.objects.update(state=3)
    suspend = make_command(subscription, CommandKind.SUSPEND)
    assert gateway.drain() == DrainResult(done=1)
    suspend.refresh_from_db()
    assert suspend.result["notes"] == ["already suspended"]
    assert EsetLicense.objects.get().state == "suspended"

    MockLicense.objects.update(state=1)
    resume = make_command(subscription, CommandKind.RESUME)
    assert gateway.drain() == DrainResult(done=1)
    resume.refresh_from_db()
    assert resume.result["notes"] == ["already active"]
    assert EsetLicense.objects.get().state == "active"


def test_suspend_then_resume(gateway, subscription, make_command):
    _activated(gateway, subscription, make_command)
    make_command(subscription, CommandKind.SUSPEND)
    make_command(subscription, CommandKind.RESUME)
    assert gateway.drain() == DrainResult(done=2)
    assert MockLicense.objects.get().state == 1
    assert EsetLicense.objects.get().state == "active"
    # Suspension and resumption are told by the billing services, not by the gateway.
    assert Notification.objects.count() == 1


def test_a_command_without_a_licence_fails(gateway, subscription, make_command):
    command = make_command(subscription, CommandKind.SUSPEND)
    assert gateway.drain() == DrainResult(failed=1)
    command.refresh_from_db()
    assert command.last_error == (
        f"ESET error None/None: command #{command.pk}: the subscription has no ESET licence"
    )


def test_an_abandoned_claim_is_taken_again(gateway, subscription, make_command, logged):
    command = make_command(subscription, CommandKind.CREATE)
    command.state, command.attempts = CommandState.RUNNING, 1
    command.locked_until = AT - timedelta(seconds=1)
    command.save()

    assert gateway.drain() == DrainResult(done=1)
    command.refresh_from_db()
    assert (command.state, command.attempts) == (CommandState.DONE, 2)
    # A second attempt looks for the licence before ordering.
    assert _calls("Search/Licenses") == [("Search/Licenses", 200, "")]
    assert len(_calls("License/Order")) == 1


def test_a_live_claim_is_left_alone(gateway, subscription, make_command):
    command = make_command(subscription, CommandKind.CREATE)
    command.state, command.attempts = CommandState.RUNNING, 1
    command.locked_until = AT + timedelta(minutes=1)
    command.save()
    assert gateway.drain() == DrainResult()
    assert MockLicense.objects.count() == 0
