"""The concurrent drain (an ESET reached over HTTP) records its results in groups, one
transaction per group, while the next calls go on: what lets the 00:30 sync keep
ESET_CONCURRENCY calls in flight with ten thousand seat changes (tests/bench/bench_sync.py).
ESET is a stub transport here, so that the threads never touch the database. On
PostgreSQL the sync also applies the seat changes in a thread while it drains."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from datetime import date

import httpx
import pytest

from billing.services import eset_sync
from billing.services import ledger as billing_services
from billing.services import runs as billing_runs
from billing.services import seat_changes as billing_seat_changes
from eset_gateway import drain as services
from eset_gateway.client import EsetClient
from eset_gateway.models import CommandKind, CommandState, EsetLicense, GatewayCommand
from eset_gateway.services import DrainResult, SyncResult, gateway_drain
from notifications.models import Notification
from tests.conftest import requires_postgres

from .conftest import AT

SYNC_DAY = date(2026, 12, 15)

pytestmark = pytest.mark.django_db


class StubEset:
    """Answers License/UpdateQuantity (empty, as ESET does) after a short delay, counting
    the calls per licence and the calls in flight at once; License/Detail at once."""

    def __init__(self, delay: float = 0.02) -> None:
        self.delay = delay
        self.calls: Counter[str] = Counter()
        self.in_flight = self.most_in_flight = 0
        self.quantities: dict[str, int] = {}
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.rsplit("/api/", 1)[1]
        body = json.loads(request.content or b"{}")
        if path == "Token/Get":
            return httpx.Response(200, json={"accessToken": "a", "refreshToken": "r"})
        if path == "License/Detail":
            licence = {
                "customerId": "C1",
                "publicLicenseKey": body["publicLicenseKey"],
                "licenseKey": "NEWK-EYNE-WKEY-NEWK-EY00",
                "productCode": 111,
                "quantity": self.quantities.get(body["publicLicenseKey"], 5),
                "state": 1,
            }
            return httpx.Response(200, json=licence)
        assert path == "License/UpdateQuantity", path
        with self._lock:
            self.calls[body["publicLicenseKey"]] += 1
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        time.sleep(self.delay)
        with self._lock:
            self.in_flight -= 1
            self.quantities[body["publicLicenseKey"]] = body["quantity"]
        # ESET answers a quantity change with an empty body.
        return httpx.Response(200, content=b"")


@pytest.fixture
def quantity_changes(make_subscription, make_command):
    def make(count: int) -> list[GatewayCommand]:
        commands = []
        for n in range(count):
            sub = make_subscription()
            EsetLicense.objects.create(
                subscription=sub,
                public_license_id=f"AAA-AAA-{n:03d}",
                license_key="OLDK-EYOL-DKEY-OLDK-EY00",
                product_code="EPA-TEST",
                quantity=5,
            )
            commands.append(make_command(sub, CommandKind.CHANGE_QUANTITY, quantity=7))
        return commands

    return make


@pytest.fixture
def groups(monkeypatch) -> list[int]:
    """The size of each group recorded."""
    sizes: list[int] = []
    record = services._record

    def counting(*, executed, at):
        sizes.append(len(executed))
        return record(executed=executed, at=at)

    monkeypatch.setattr(services, "_record", counting)
    return sizes


def _drain(stub: StubEset) -> DrainResult:
    eset = EsetClient("http://eset.stub/api/", transport=httpx.MockTransport(stub))
    with eset:
        assert not eset.in_process
        return gateway_drain(at=AT, eset=eset)


def test_results_are_recorded_in_groups_while_calls_go_on(quantity_changes, groups, settings):
    settings.ESET_CONCURRENCY = 4
    commands = quantity_changes(40)
    stub = StubEset()

    assert _drain(stub) == DrainResult(done=40)

    assert stub.calls == Counter({f"AAA-AAA-{n:03d}": 1 for n in range(40)})
    assert stub.most_in_flight == 4
    assert sum(groups) == 40
    assert len(groups) < 20  # not one transaction per result
    assert set(
        GatewayCommand.objects.filter(pk__in=[c.pk for c in commands]).values_list(
            "state", "attempts"
        )
    ) == {(CommandState.DONE, 1)}
    assert set(EsetLicense.objects.values_list("quantity", "license_key")) == {
        (7, "NEWK-EYNE-WKEY-NEWK-EY00")
    }
    assert Notification.objects.filter(kind="seats_changed").count() == 40


def test_a_group_is_recorded_once_record_group_results_are_in(
    quantity_changes, settings, monkeypatch
):
    """Not only when the calls in flight are over or the wait has passed: one call hangs
    until a group is recorded, the others fill the group."""
    settings.ESET_CONCURRENCY = 4
    monkeypatch.setattr(services, "RECORD_GROUP", 3)
    monkeypatch.setattr(services, "RECORD_WAIT_SECONDS", 30.0)
    quantity_changes(12)
    recorded = threading.Event()
    record = services._record

    def signalling(*, executed, at):
        result = record(executed=executed, at=at)
        recorded.set()
        return result

    monkeypatch.setattr(services, "_record", signalling)
    stub = StubEset(delay=0.005)
    answer = stub.__call__

    def first_hangs(request: httpx.Request) -> httpx.Response:
        if b"AAA-AAA-000" in request.content:
            assert recorded.wait(20), "no group was recorded while a call was in flight"
        return answer(request)

    started = time.monotonic()
    eset = EsetClient("http://eset.stub/api/", transport=httpx.MockTransport(first_hangs))
    with eset:
        assert gateway_drain(at=AT, eset=eset) == DrainResult(done=12)
    assert time.monotonic() - started < 15  # never waited out RECORD_WAIT_SECONDS


def test_claims_queue_ahead_of_the_threads(quantity_changes, settings, monkeypatch):
    settings.ESET_CONCURRENCY = 2
    claims: list[int] = []
    claim = services._claim

    def counting(*, at, limit):
        batch = claim(at=at, limit=limit)
        claims.append(len(batch))
        return batch

    monkeypatch.setattr(services, "_claim", counting)
    quantity_changes(20)

    assert _drain(StubEset(delay=0.005)) == DrainResult(done=20)
    # CLAIM_AHEAD calls' worth per thread are claimed at first, then topped up.
    assert claims[0] == services.CLAIM_AHEAD * 2
    assert sum(claims) == 20


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_the_sync_sends_a_chunks_changes_while_the_next_chunks_are_applied(
    make_subscription, make_seat_change, settings, monkeypatch
):
    settings.ESET_CONCURRENCY = 4
    for n in range(6):
        sub = make_subscription()
        EsetLicense.objects.create(
            subscription=sub,
            public_license_id=f"BBB-BBB-{n:03d}",
            license_key="OLDK-EYOL-DKEY-OLDK-EY00",
            product_code="EPA-TEST",
            quantity=5,
        )
        make_seat_change(sub, seats=8, effective_on=SYNC_DAY)
    # Three chunks of two clients, each taking a while to apply.
    monkeypatch.setattr(billing_services, "CHUNK_CLIENTS", 2)
    enqueue = billing_seat_changes.commands_enqueue

    def slow_enqueue(**kwargs):
        enqueue(**kwargs)
        time.sleep(0.5)

    monkeypatch.setattr(billing_seat_changes, "commands_enqueue", slow_enqueue)
    apply = billing_runs.seat_changes_apply_due
    applied_at: list[float] = []

    def timed_apply(**kwargs):
        try:
            return apply(**kwargs)
        finally:
            applied_at.append(time.monotonic())

    monkeypatch.setattr(billing_runs, "seat_changes_apply_due", timed_apply)
    stub = StubEset()
    called_at: list[float] = []
    answer = stub.__call__

    def timed_answer(request):
        called_at.append(time.monotonic())
        return answer(request)

    eset = EsetClient("http://eset.stub/api/", transport=httpx.MockTransport(timed_answer))
    with eset:
        result = eset_sync(day=SYNC_DAY, eset=eset)

    assert result == SyncResult(
        applied=6, rejected=0, commands_done=6, commands_retried=0, commands_failed=0
    )
    assert stub.calls == Counter({f"BBB-BBB-{n:03d}": 1 for n in range(6)})
    # ESET heard of the first chunks' changes before the applying had finished.
    assert min(called_at) < applied_at[0]
    assert set(GatewayCommand.objects.values_list("state", flat=True)) == {CommandState.DONE}


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_an_error_while_applying_reaches_the_caller_of_the_sync(settings, monkeypatch):
    settings.ESET_CONCURRENCY = 4

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(billing_runs, "seat_changes_apply_due", broken)
    eset = EsetClient("http://eset.stub/api/", transport=httpx.MockTransport(StubEset()))
    with eset, pytest.raises(RuntimeError, match="disk full"):
        eset_sync(day=SYNC_DAY, eset=eset)
