"""The drain against an ESET that is down (issue 10, item 8): one drain at a time, the
breaker of the concurrent drain, delay alerts opened once per episode, and the
subscription page's words while its licence order waits."""

from __future__ import annotations

import threading
from datetime import timedelta

import httpx
import pytest
from django.db import connection
from django.urls import reverse

from eset_gateway.client import EsetClient
from eset_gateway.delays import delays_report
from eset_gateway.drain import Stop
from eset_gateway.drain_lock import drain_lock
from eset_gateway.models import (
    CommandKind,
    CommandState,
    EsetLicense,
    GatewayCommand,
    GatewayDelayAlert,
)
from eset_gateway.selectors import license_waits_on_eset
from eset_gateway.services import DrainResult, gateway_drain
from notifications.models import Notification
from tests.panel.conftest import sign_in

from .conftest import AT

pytestmark = pytest.mark.django_db


def test_a_drain_while_another_holds_the_lock_does_nothing(subscription, make_command, eset):
    command = make_command(subscription, CommandKind.CREATE)
    holding, done = threading.Event(), threading.Event()

    def other_drain() -> None:
        try:
            with drain_lock() as held:
                assert held
                holding.set()
                done.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_drain)
    thread.start()
    try:
        assert holding.wait(10)
        result = gateway_drain(at=AT, eset=eset())
        assert (result, result.stopped) == (DrainResult(), Stop.BUSY)
        command.refresh_from_db()
        assert (command.state, command.attempts) == (CommandState.PENDING, 0)
    finally:
        done.set()
        thread.join()
    # Once the other one has finished, the queue is this one's.
    assert gateway_drain(at=AT, eset=eset()) == DrainResult(done=1)


def test_the_lock_is_reentrant_within_a_thread():
    with drain_lock() as outer, drain_lock() as inner:
        assert (outer, inner) == (True, True)
    # And released after: another thread takes it.
    taken: list[bool] = []

    def take() -> None:
        try:
            with drain_lock() as held:
                taken.append(held)
        finally:
            connection.close()

    thread = threading.Thread(target=take)
    thread.start()
    thread.join()
    assert taken == [True]


def test_the_concurrent_drain_stops_when_eset_is_down(make_subscription, make_command, settings):
    settings.ESET_CONCURRENCY = 4
    settings.ESET_DOWN_AFTER_FAILURES = 3
    for n in range(40):
        sub = make_subscription()
        EsetLicense.objects.create(
            subscription=sub,
            public_license_id=f"AAA-BBB-{n:03d}",
            license_key="K",
            product_code="EPA-TEST",
            quantity=5,
        )
        make_command(sub, CommandKind.CHANGE_QUANTITY, quantity=7)
    calls: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        raise httpx.ConnectError("connection refused", request=request)

    eset = EsetClient(
        "http://eset.down/api/", transport=httpx.MockTransport(refuse), sleep=lambda s: None
    )
    with eset:
        result = gateway_drain(at=AT, eset=eset)

    assert result.stopped == Stop.ESET_DOWN
    assert (result.done, result.failed) == (0, 0)
    # One claim of 16 (4 calls in flight, 12 queued): what ran failed, the rest went back.
    assert result.retried + result.released == 16
    assert 3 <= result.retried <= 3 + settings.ESET_CONCURRENCY
    assert len(calls) == result.retried * settings.ESET_CALL_ATTEMPTS
    states = list(GatewayCommand.objects.values_list("state", "attempts", "next_attempt_at"))
    assert {s for s, _, _ in states} == {CommandState.PENDING}
    tried = [s for s in states if s[1] == 1]
    assert len(tried) == result.retried
    # Unanswered: retried at the next drain, not backed off further.
    assert {s[2] for s in tried} == {AT + timedelta(minutes=1)}
    assert {s[1:] for s in states if s[1] == 0} == {(0, AT)}


def _late(make_command, subscription, minutes: int) -> GatewayCommand:
    return make_command(subscription, CommandKind.CREATE, at=AT - timedelta(minutes=minutes))


def test_a_delay_is_told_once_per_episode(make_subscription, make_command, settings):
    settings.ESET_DELAY_ALERT_MINUTES = 15
    first = make_subscription()
    same_reseller = make_subscription(client=first.client)
    command = _late(make_command, first, 14)

    assert delays_report(at=AT).opened == 0  # 14 minutes: not yet
    assert delays_report(at=AT + timedelta(minutes=1)).opened == 2  # reseller + operator
    note = Notification.objects.get(kind="eset_delayed")
    assert (note.reseller_id, note.key, note.payload["waiting"], note.email_to) == (
        first.client.reseller_id,
        f"eset_delayed:alert:{GatewayDelayAlert.objects.get(scope__startswith='reseller').pk}",
        1,
        first.client.reseller.email,
    )
    assert note.payload["since"] == "14.12.2026 11:46"

    # More commands of the same reseller, still waiting: the same episode, nothing new.
    _late(make_command, same_reseller, 30)
    assert delays_report(at=AT + timedelta(minutes=5)).opened == 0
    assert Notification.objects.filter(kind="eset_delayed").count() == 1

    # Done: the episode closes; a later wait is a new one, told again.
    GatewayCommand.objects.update(state=CommandState.DONE)
    assert delays_report(at=AT + timedelta(minutes=6)).resolved == 2
    _late(make_command, first, 20)
    assert delays_report(at=AT + timedelta(minutes=7)).opened == 2
    assert Notification.objects.filter(kind="eset_delayed").count() == 2
    assert GatewayDelayAlert.objects.count() == 4
    assert command.pk  # the first episode's oldest command is kept on its alert
    assert GatewayDelayAlert.objects.filter(oldest_command=command).count() == 2


def test_the_subscription_page_says_eset_is_not_answering(subscription, make_command):
    command = make_command(subscription, CommandKind.CREATE)
    assert not license_waits_on_eset(subscription_id=subscription.pk)
    panel = sign_in(subscription.client.reseller)
    url = reverse("subscriptions:detail", args=[subscription.pk])
    # Paid, ordered, no answer yet: not "after payment".
    html = panel.get(url).content.decode()
    assert "Лицензия ESET заказывается" in html
    assert "после оплаты" not in html

    GatewayCommand.objects.filter(pk=command.pk).update(
        attempts=2, last_error="Token/Get: ConnectError: connection refused"
    )
    assert license_waits_on_eset(subscription_id=subscription.pk)
    html = panel.get(url).content.decode()
    assert "ESET не отвечает, лицензия будет выдана автоматически" in html
    assert "после оплаты" not in html
    panel.post("/i18n/setlang/", {"language": "en", "next": "/panel/"})
    english = panel.get(url).content.decode()
    assert "ESET is not answering, the licence will be issued automatically" in english

    # Done: no longer waiting.
    GatewayCommand.objects.filter(pk=command.pk).update(state=CommandState.DONE)
    assert not license_waits_on_eset(subscription_id=subscription.pk)
