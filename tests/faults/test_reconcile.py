"""The nightly reconciliation: ESET's licences against the platform's view, with drift
injected at the mock (its `drift` control changes a licence behind the platform's back)."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from celery.schedules import crontab
from django.core.management import call_command

from config.celery import RECONCILE_TASK
from config.celery import app as celery_app
from eset_gateway import reconcile as services
from eset_gateway.client import EsetRetryableError
from eset_gateway.mock.models import MockCall, MockLicense
from eset_gateway.models import (
    CommandKind,
    CommandState,
    DriftAction,
    DriftKind,
    EsetLicense,
    GatewayCommand,
    LicenseDrift,
)
from eset_gateway.reconcile import reconcile_moment
from eset_gateway.services import (
    DrainResult,
    ReconcileResult,
    gateway_drain,
    licences_reconcile,
)
from eset_gateway.tasks import licences_reconcile_task
from notifications.models import Notification
from notifications.selectors import notification_list
from notifications.texts import notification_text
from orders.models import Subscription, SubscriptionStatus
from tests.eset_gateway.conftest import AT

pytestmark = pytest.mark.django_db

NIGHT = date(2026, 12, 16)
AT_NIGHT = reconcile_moment(day=NIGHT)
LATER = AT_NIGHT + timedelta(minutes=1)


@pytest.fixture
def licensed(make_subscription, make_command, eset):
    """Subscriptions whose licences ESET has issued (5 seats each unless told)."""

    def make(count: int = 1, **kwargs) -> list[Subscription]:
        subs = [make_subscription(**kwargs) for _ in range(count)]
        for sub in subs:
            make_command(sub, CommandKind.CREATE)
        assert gateway_drain(at=AT, eset=eset()) == DrainResult(done=count)
        return subs

    return make


def _public_id(sub: Subscription) -> str:
    return EsetLicense.objects.get(subscription=sub).public_license_id


def _remote(sub: Subscription) -> MockLicense:
    return MockLicense.objects.get(public_license_id=_public_id(sub))


def _drift_notes() -> list[Notification]:
    return list(Notification.objects.filter(kind="license_drift").order_by("id"))


def test_nothing_to_do_when_eset_agrees(licensed, eset):
    licensed(3)
    assert licences_reconcile(day=NIGHT, eset=eset()) == ReconcileResult(
        checked=3, drifts=0, repaired=0, left=0
    )
    assert LicenseDrift.objects.count() == 0
    assert GatewayCommand.objects.exclude(state=CommandState.DONE).count() == 0


def test_quantity_drift_is_recorded_told_and_repaired(licensed, mock_control, eset):
    sub, _other = licensed(2)
    public_id = _public_id(sub)
    key_before = _remote(sub).license_key
    mock_control(drift=[{"publicLicenseKey": public_id, "quantity": 9}])
    drifted_key = _remote(sub).license_key
    assert drifted_key != key_before  # ESET issues a new key on any quantity change

    assert licences_reconcile(day=NIGHT, eset=eset()) == ReconcileResult(
        checked=2, drifts=1, repaired=1, left=0
    )

    drift = LicenseDrift.objects.get()
    command = GatewayCommand.objects.get(kind=CommandKind.CHANGE_QUANTITY)
    assert (
        drift.night,
        drift.public_license_id,
        drift.subscription_id,
        drift.kind,
        drift.platform_quantity,
        drift.eset_quantity,
        drift.platform_state,
        drift.eset_state,
        drift.action,
        drift.command_id,
        drift.detected_at,
    ) == (
        NIGHT,
        public_id,
        sub.pk,
        DriftKind.QUANTITY,
        5,
        9,
        "active",
        "active",
        DriftAction.REPAIRED,
        command.pk,
        AT_NIGHT,
    )
    assert (command.subscription_id, command.state, command.next_attempt_at) == (
        sub.pk,
        CommandState.PENDING,
        AT_NIGHT,
    )
    assert command.payload == {
        "quantity": 5,
        "previous_quantity": 9,
        "effective_on": NIGHT.isoformat(),
        "reason": "reconcile",
    }
    # The stored view is ESET's as read, until the repair's answer replaces it.
    local = EsetLicense.objects.get(subscription=sub)
    assert (local.quantity, local.license_key) == (9, drifted_key)
    note = Notification.objects.get(kind="license_drift")
    reseller = sub.client.reseller
    assert (note.key, note.reseller_id, note.recipient_id, note.email_to, note.created_at) == (
        f"license_drift:{public_id}:{NIGHT.isoformat()}",
        reseller.pk,
        None,
        reseller.email,
        AT_NIGHT,
    )
    assert (note.client_id, note.subscription_id) == (sub.client_id, sub.pk)
    assert note.subject == f"Расхождение с ESET: лицензия {public_id} (ESET PROTECT Advanced)"
    assert "На платформе: рабочих мест 5, лицензия активна." in note.body
    assert "В ESET: рабочих мест 9, лицензия активна." in note.body
    assert "команда поставлена в очередь" in note.body
    assert list(notification_list(reseller=reseller, kind="license_drift")) == [note]
    english = notification_text(note, "en")
    assert english.subject == f"ESET drift: licence {public_id} (ESET PROTECT Advanced)"
    assert "On the platform: 5 seats, licence active." in english.body
    assert "At ESET: 9 seats, licence active." in english.body
    assert "ESET will issue a new activation key" in english.body

    # The same night again: recorded once, repaired once.
    assert licences_reconcile(day=NIGHT, eset=eset()) == ReconcileResult(
        checked=2, drifts=0, repaired=0, left=0
    )
    assert (LicenseDrift.objects.count(), len(_drift_notes())) == (1, 1)
    assert GatewayCommand.objects.filter(kind=CommandKind.CHANGE_QUANTITY).count() == 1

    assert gateway_drain(at=LATER, eset=eset()) == DrainResult(done=1)
    remote = _remote(sub)
    assert (remote.quantity, remote.key_generation) == (5, 3)
    local.refresh_from_db()
    assert (local.quantity, local.license_key) == (5, remote.license_key)
    # The owner gets the key ESET issued for the repaired quantity.
    seats = Notification.objects.get(kind="seats_changed")
    assert (seats.recipient_id, seats.payload["license_key"], seats.payload["seats"]) == (
        sub.client.owner_id,
        remote.license_key,
        5,
    )
    next_night = NIGHT + timedelta(days=1)
    assert licences_reconcile(day=next_night, eset=eset()) == ReconcileResult(
        checked=2, drifts=0, repaired=0, left=0
    )


def test_a_licence_suspended_at_eset_while_the_subscription_is_active_is_resumed(
    licensed, mock_control, eset
):
    (sub,) = licensed(1)
    public_id = _public_id(sub)
    mock_control(drift=[{"publicLicenseKey": public_id, "state": "suspended", "quantity": 7}])

    assert licences_reconcile(day=NIGHT, eset=eset()) == ReconcileResult(
        checked=1, drifts=1, repaired=1, left=0
    )

    drift = LicenseDrift.objects.get()
    assert (drift.kind, drift.action, drift.eset_state, drift.platform_state) == (
        DriftKind.QUANTITY_STATE,
        DriftAction.REPAIRED,
        "suspended",
        "active",
    )
    # Resumed first: a suspended licence refuses a quantity change.
    assert list(
        GatewayCommand.objects.filter(key__contains="reconcile")
        .order_by("id")
        .values_list("kind", "key")
    ) == [
        (CommandKind.RESUME, f"resume:reconcile:{public_id}:{NIGHT.isoformat()}"),
        (CommandKind.CHANGE_QUANTITY, f"change_quantity:reconcile:{public_id}:{NIGHT.isoformat()}"),
    ]
    assert drift.command.kind == CommandKind.RESUME
    assert gateway_drain(at=LATER, eset=eset()) == DrainResult(done=2)
    remote = _remote(sub)
    assert (remote.state, remote.quantity) == (1, 5)


def test_a_licence_active_at_eset_while_the_subscription_is_suspended_is_suspended(licensed, eset):
    (sub,) = licensed(1)
    Subscription.objects.filter(pk=sub.pk).update(status=SubscriptionStatus.SUSPENDED)

    assert licences_reconcile(day=NIGHT, eset=eset()) == ReconcileResult(
        checked=1, drifts=1, repaired=1, left=0
    )
    drift = LicenseDrift.objects.get()
    assert (drift.kind, drift.action, drift.command.kind) == (
        DriftKind.STATE,
        DriftAction.REPAIRED,
        CommandKind.SUSPEND,
    )
    assert gateway_drain(at=LATER, eset=eset()) == DrainResult(done=1)
    assert _remote(sub).state == 3
    assert EsetLicense.objects.get(subscription=sub).state == "suspended"


def test_a_quantity_differing_on_a_suspended_licence_waits_for_the_resumption(
    licensed, mock_control, eset
):
    (sub,) = licensed(1)
    Subscription.objects.filter(pk=sub.pk).update(status=SubscriptionStatus.SUSPENDED)
    mock_control(drift=[{"publicLicenseKey": _public_id(sub), "state": "suspended", "quantity": 3}])

    assert licences_reconcile(day=NIGHT, eset=eset()) == ReconcileResult(
        checked=1, drifts=1, repaired=0, left=1
    )
    drift = LicenseDrift.objects.get()
    assert (drift.kind, drift.action, drift.command) == (
        DriftKind.QUANTITY,
        DriftAction.DEFERRED,
        None,
    )
    assert GatewayCommand.objects.count() == 1  # the create only
    assert "когда лицензия будет возобновлена" in _drift_notes()[0].body


def test_a_pending_command_is_not_fought(licensed, mock_control, make_command, eset):
    (sub,) = licensed(1)
    # A seat change to 8 waits for its retry at ESET, which still shows 5.
    pending = make_command(sub, CommandKind.CHANGE_QUANTITY, quantity=8)
    GatewayCommand.objects.filter(pk=pending.pk).update(
        attempts=1, next_attempt_at=LATER + timedelta(hours=1), last_error="HTTP 503"
    )
    Subscription.objects.filter(pk=sub.pk).update(seats=8)

    assert licences_reconcile(day=NIGHT, eset=eset()) == ReconcileResult(
        checked=1, drifts=1, repaired=0, left=1
    )
    drift = LicenseDrift.objects.get()
    assert (drift.kind, drift.action, drift.command_id) == (
        DriftKind.QUANTITY,
        DriftAction.COMMAND_OPEN,
        pending.pk,
    )
    assert GatewayCommand.objects.count() == 2
    # Expected to lag while the command runs: the reseller is not troubled with it.
    assert _drift_notes() == []
    assert EsetLicense.objects.get(subscription=sub).quantity == 5


def test_a_failed_command_is_left_to_the_operator_and_told(licensed, make_command, eset):
    (sub,) = licensed(1)
    failed = make_command(sub, CommandKind.CHANGE_QUANTITY, quantity=8)
    GatewayCommand.objects.filter(pk=failed.pk).update(
        state=CommandState.FAILED, attempts=1, last_error="ESET error 8/30"
    )
    Subscription.objects.filter(pk=sub.pk).update(seats=8)

    assert licences_reconcile(day=NIGHT, eset=eset()) == ReconcileResult(
        checked=1, drifts=1, repaired=0, left=1
    )
    drift = LicenseDrift.objects.get()
    assert (drift.action, drift.command_id) == (DriftAction.COMMAND_FAILED, failed.pk)
    assert GatewayCommand.objects.count() == 2
    (note,) = _drift_notes()
    assert "завершилась ошибкой" in note.body


def test_a_licence_missing_at_eset_is_for_the_operator(licensed, mock_control, eset):
    sub, _other = licensed(2)
    public_id = _public_id(sub)
    mock_control(drift=[{"publicLicenseKey": public_id, "delete": True}])

    assert licences_reconcile(day=NIGHT, eset=eset()) == ReconcileResult(
        checked=1, drifts=1, repaired=0, left=1
    )
    drift = LicenseDrift.objects.get()
    assert (drift.kind, drift.action, drift.eset_quantity, drift.eset_state) == (
        DriftKind.MISSING,
        DriftAction.MANUAL,
        None,
        "",
    )
    assert GatewayCommand.objects.count() == 2  # the creates only
    (note,) = _drift_notes()
    assert "В ESET: лицензия не найдена." in note.body
    assert "Нужно решение оператора" in note.body


def test_a_licence_the_platform_does_not_know_is_recorded_for_the_operator(licensed, eset):
    (sub,) = licensed(1)
    client = eset()
    customer_id = _remote(sub).customer.public_id
    product = sub.reseller_plan.vendor_plan.eset_product_code
    # Ordered at ESET behind the platform's back: one of the subscription's product (but
    # the subscription has its licence: ESET carries no reference of the platform's, so
    # neither can be told to be a subscription's), one of another product.
    stray = client.order_license(customer_id=customer_id, product_code=product, quantity=2)
    orphan = client.order_license(customer_id=customer_id, product_code=101, quantity=1)

    assert licences_reconcile(day=NIGHT, eset=client) == ReconcileResult(
        checked=3, drifts=2, repaired=0, left=2
    )
    assert set(
        LicenseDrift.objects.values_list("public_license_id", "subscription_id", "kind", "action")
    ) == {
        (stray, None, DriftKind.UNKNOWN, DriftAction.MANUAL),
        (orphan, None, DriftKind.UNKNOWN, DriftAction.MANUAL),
    }
    # The distributor's matter: nothing for the reseller, nothing sent to ESET.
    assert _drift_notes() == []
    assert GatewayCommand.objects.count() == 1


def test_eset_is_read_in_pages(licensed, mock_control, eset, monkeypatch):
    licensed(5)
    monkeypatch.setattr(services, "RECONCILE_PAGE", 2)
    mock_control(log_calls=True)
    assert licences_reconcile(day=NIGHT, eset=eset()).checked == 5
    assert MockCall.objects.filter(path="Search/Licenses").count() == 3


def test_a_page_that_cannot_be_read_writes_nothing(licensed, mock_control, eset, monkeypatch):
    sub, _other = licensed(2)
    monkeypatch.setattr(services, "RECONCILE_PAGE", 1)
    mock_control(drift=[{"publicLicenseKey": _public_id(sub), "quantity": 9}])
    client = eset()
    read_page = client._search_licenses

    def second_page_fails(**kwargs):
        if kwargs.get("skip"):  # every attempt of the call inside the client fails
            mock_control(fail_next=[{"mode": "5xx", "path": "Search/Licenses"}] * 3)
        return read_page(**kwargs)

    monkeypatch.setattr(client, "_search_licenses", second_page_fails)
    with pytest.raises(EsetRetryableError):
        licences_reconcile(day=NIGHT, eset=client)
    # The first page held a drift; a partial listing would make the second licence look
    # missing too. Nothing is written.
    assert (LicenseDrift.objects.count(), len(_drift_notes())) == (0, 0)
    assert GatewayCommand.objects.count() == 2


def test_a_command_that_ran_while_eset_was_read_is_read_again(
    licensed, make_command, eset, monkeypatch
):
    (sub,) = licensed(1)
    real_compare = services._compare_page

    def compare_after_a_sync(page, *, watermark):
        # The listing says 5; meanwhile the sync changes ESET to 8 and records it.
        make_command(sub, CommandKind.CHANGE_QUANTITY, quantity=8, at=AT)
        Subscription.objects.filter(pk=sub.pk).update(seats=8)
        assert gateway_drain(at=AT, eset=eset()) == DrainResult(done=1)
        return real_compare(page, watermark=watermark)

    monkeypatch.setattr(services, "_compare_page", compare_after_a_sync)
    assert licences_reconcile(day=NIGHT, eset=eset()) == ReconcileResult(
        checked=1, drifts=0, repaired=0, left=0
    )
    assert GatewayCommand.objects.filter(key__contains="reconcile").count() == 0
    assert _remote(sub).quantity == 8


def test_a_command_written_while_eset_was_read_is_not_fought(
    licensed, make_command, eset, monkeypatch
):
    (sub,) = licensed(1)
    real_compare = services._compare_page
    written = []

    def compare_after_a_seat_change(page, *, watermark):
        # Applied by a concurrent sync and not yet run: ESET still shows 5.
        written.append(make_command(sub, CommandKind.CHANGE_QUANTITY, quantity=8, at=LATER))
        Subscription.objects.filter(pk=sub.pk).update(seats=8)
        return real_compare(page, watermark=watermark)

    monkeypatch.setattr(services, "_compare_page", compare_after_a_seat_change)
    assert licences_reconcile(day=NIGHT, eset=eset()) == ReconcileResult(
        checked=1, drifts=1, repaired=0, left=1
    )
    drift = LicenseDrift.objects.get()
    assert (drift.action, drift.command_id) == (DriftAction.COMMAND_OPEN, written[0].pk)
    assert GatewayCommand.objects.filter(key__contains="reconcile").count() == 0


def test_task_beat_command_and_admin(licensed, mock_control, admin_client):
    (sub,) = licensed(1)
    public_id = _public_id(sub)
    mock_control(drift=[{"publicLicenseKey": public_id, "quantity": 6}])

    assert licences_reconcile_task.name == RECONCILE_TASK
    assert licences_reconcile_task.acks_late is True
    entry = celery_app.conf.beat_schedule["licence-reconciliation"]
    assert (entry["task"], entry["schedule"]) == (RECONCILE_TASK, crontab(hour=3, minute=0))
    # After the 00:30 sync that starts the night.
    nightly = celery_app.conf.beat_schedule["nightly-sync-then-billing"]["schedule"]
    assert (nightly.hour, nightly.minute) == ({0}, {30})

    assert licences_reconcile_task.apply(kwargs={"day_iso": NIGHT.isoformat()}).get() == {
        "checked": 1,
        "drifts": 1,
        "repaired": 1,
        "left": 0,
    }
    out = StringIO()
    call_command("eset_reconcile", "--date", NIGHT.isoformat(), stdout=out)
    assert out.getvalue() == (
        "eset_reconcile 2026-12-16: licences checked=1 drifts=0 repaired=0 left=0\n"
    )

    page = admin_client.get("/admin/eset_gateway/licensedrift/?action=repaired")
    assert page.status_code == 200
    assert public_id in page.content.decode()
    drift = LicenseDrift.objects.get()
    assert admin_client.get(f"/admin/eset_gateway/licensedrift/{drift.pk}/change/").status_code == (
        200
    )
    assert admin_client.get("/admin/eset_gateway/licensedrift/add/").status_code == 403
