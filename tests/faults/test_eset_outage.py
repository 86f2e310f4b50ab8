"""An ESET outage survived in order and told in time (issue 10, item 8), with a fake clock:
hundreds of licence orders queued, ESET unreachable for 19 minutes of beat's drains (one a
minute), then back. Every command is done exactly once, oldest first, no command failed,
each drain during the outage stopped after a few unanswered calls instead of queueing
behind them, and the reseller and the operator were told once, when the oldest command had
waited ESET_DELAY_ALERT_MINUTES."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from accounts.models import Client, Reseller
from eset_gateway.client import EsetClient, _InProcessApp
from eset_gateway.drain import Stop
from eset_gateway.mock.models import MockLicense
from eset_gateway.models import (
    CommandKind,
    CommandState,
    EsetLicense,
    GatewayCommand,
    GatewayDelayAlert,
)
from eset_gateway.services import DrainResult, gateway_drain
from notifications.models import Notification
from tests.eset_gateway.conftest import AT

pytestmark = pytest.mark.django_db

QUEUED = 240  # licence orders, of two resellers' clients
DOWN_MINUTES = 19  # drains at AT, AT+1 min, ..., AT+18 min find ESET unreachable


class Switch(httpx.BaseTransport):
    """The way to ESET: while `down`, every call is refused before it reaches the mock."""

    def __init__(self) -> None:
        self.inner = httpx.WSGITransport(app=_InProcessApp())
        self.down = False
        self.refused = 0
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            self.refused += 1
            raise httpx.ConnectError("connection refused", request=request)
        self.paths.append(request.url.path.rsplit("/api/", 1)[-1])
        return self.inner.handle_request(request)


def _queue(make_subscription, make_command) -> list[GatewayCommand]:
    users = get_user_model().objects
    commands = []
    for r in range(2):
        reseller = Reseller.objects.create(name=f"Outage reseller {r}", email=f"r{r}@x.example")
        for c in range(QUEUED // 2):
            owner = users.create_user(username=f"o{r}-{c}", email=f"o{r}-{c}@x.example")
            client = Client.objects.create(
                reseller=reseller,
                name=f"Client {r}-{c}",
                email=owner.email,
                owner=owner,
                address_state="Москва",
                address_city="Москва",
                address_street=f"ул. Тверская, д. {c + 1}",
                address_zip="125009",
            )
            commands.append(make_command(make_subscription(client=client), CommandKind.CREATE))
    return commands


def test_a_long_outage_is_survived_in_order_and_told_once(
    make_subscription, make_command, settings, sleeps, django_capture_on_commit_callbacks
):
    settings.ESET_DOWN_AFTER_FAILURES = 3
    settings.ESET_DELAY_ALERT_MINUTES = 15
    settings.ESET_OPERATOR_EMAILS = ["noc@distributor.example"]
    commands = _queue(make_subscription, make_command)
    switch = Switch()
    switch.down = True

    def drain(minute: int) -> DrainResult:
        # A new client per drain, as beat's drains make; the drain's time limit runs on a
        # clock that stands still (the outage is simulated, not waited for).
        # What follows the commits (the operator's e-mail, the e-mail outbox) runs too.
        with (
            django_capture_on_commit_callbacks(execute=True),
            EsetClient(transport=switch, sleep=sleeps) as eset,
        ):
            return gateway_drain(at=AT + timedelta(minutes=minute), eset=eset, clock=lambda: 0.0)

    told_at: dict[str, int] = {}
    for minute in range(DOWN_MINUTES):
        refused_before = switch.refused
        result = drain(minute)
        # The breaker: three commands' calls got no answer, the rest of the claim went back.
        assert (result.done, result.failed, result.retried) == (0, 0, 3), minute
        assert result.stopped == Stop.ESET_DOWN
        assert result.released == 97  # a batch of 100 claimed, 3 tried
        # Each tried command made its in-call attempts at Token/Get, no more.
        assert switch.refused - refused_before == 3 * settings.ESET_CALL_ATTEMPTS
        assert not GatewayCommand.objects.filter(state=CommandState.FAILED).exists()
        assert not GatewayCommand.objects.filter(state=CommandState.RUNNING).exists()
        for note in Notification.objects.filter(kind="eset_delayed"):
            told_at.setdefault(note.key, minute)

    # The probes are the oldest commands, retried every minute without a growing backoff;
    # the others were never counted an attempt.
    probes = commands[:3]
    for command in probes:
        command.refresh_from_db()
        assert (command.state, command.attempts) == (CommandState.PENDING, DOWN_MINUTES)
        assert command.next_attempt_at == AT + timedelta(minutes=DOWN_MINUTES)
    assert set(
        GatewayCommand.objects.exclude(pk__in=[c.pk for c in probes]).values_list(
            "state", "attempts"
        )
    ) == {(CommandState.PENDING, 0)}

    # Told in time and once: each reseller at the drain 15 minutes after the orders, the
    # operator by one e-mail; nothing more in the minutes after.
    notes = list(Notification.objects.filter(kind="eset_delayed").order_by("reseller_id"))
    assert [(n.reseller.name, n.payload["waiting"]) for n in notes] == [
        ("Outage reseller 0", QUEUED // 2),
        ("Outage reseller 1", QUEUED // 2),
    ]
    assert sorted(told_at.values()) == [15, 15]
    assert notes[0].subject == "ESET не отвечает: лицензии будут выданы автоматически"
    assert [m.subject for m in mail.outbox if m.to == ["noc@distributor.example"]] == [
        "ESET не отвечает: команды ждут дольше 15 минут"
    ]
    assert sorted(m.to[0] for m in mail.outbox if "лицензии будут выданы" in m.subject) == [
        "r0@x.example",
        "r1@x.example",
    ]
    assert GatewayDelayAlert.objects.filter(resolved_at__isnull=True).count() == 3

    # ESET is back: the next drain serves the whole queue, oldest first, with one token.
    switch.down = False
    result = drain(DOWN_MINUTES)
    assert result == DrainResult(done=QUEUED)
    assert result.stopped == ""
    assert switch.paths.count("Token/Get") == 1
    assert switch.paths.count("License/Order") == QUEUED

    order_of_licences = list(
        EsetLicense.objects.order_by("id").values_list("subscription_id", flat=True)
    )
    assert order_of_licences == [c.subscription_id for c in commands]
    assert MockLicense.objects.count() == QUEUED
    assert set(GatewayCommand.objects.values_list("state", flat=True)) == {CommandState.DONE}
    assert Notification.objects.filter(kind="activation_data").count() == QUEUED
    assert not Notification.objects.filter(kind="eset_error").exists()

    # The episode is over: closed, and nothing told again.
    assert drain(DOWN_MINUTES + 1) == DrainResult()
    assert GatewayDelayAlert.objects.filter(resolved_at__isnull=True).count() == 0
    assert Notification.objects.filter(kind="eset_delayed").count() == 2
    assert len([m for m in mail.outbox if m.to == ["noc@distributor.example"]]) == 1


def test_a_drain_past_its_time_limit_stops_claiming_and_gives_back_what_it_had(
    make_subscription, make_command, eset
):
    commands = [make_command(make_subscription(), CommandKind.CREATE) for _ in range(5)]
    ticks: list[float] = []

    def clock() -> float:
        # Ten seconds pass between readings: at the start (0), before the claim (10), then
        # before each command (20, 30, then 40: past the limit, before the third).
        ticks.append(0.0)
        return 10.0 * (len(ticks) - 1)

    result = gateway_drain(at=AT, eset=eset(), time_limit=35.0, clock=clock)
    assert (result.done, result.released, result.stopped) == (2, 3, Stop.TIME_LIMIT)
    states: list[Any] = [
        GatewayCommand.objects.values_list("state", "attempts").get(pk=c.pk) for c in commands
    ]
    assert states == [(CommandState.DONE, 1)] * 2 + [(CommandState.PENDING, 0)] * 3
    # The next drain takes the rest.
    assert gateway_drain(at=AT, eset=eset()) == DrainResult(done=3)
