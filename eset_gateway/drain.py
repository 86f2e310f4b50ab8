"""Executing the ESET outbox (DESIGN.md §5): a drain claims due commands by
compare-and-set (so that two drains never run one command), runs them against ESET with no
transaction open and no row locked, then records each result in a short transaction: the
command's state, ESET's view of the licence, and the owner's or the reseller's
notification.

An outage of ESET is survived in order (issue 10, item 8):
- one drain at a time (drain_lock), with one ESET client and so one token for all its
  calls; a beat drain stops claiming after ESET_DRAIN_SECONDS;
- ESET_DOWN_AFTER_FAILURES consecutive calls that got no answer at all stop the drain
  (the breaker): what it had claimed and not run is released without counting an attempt;
- a command that got no answer is retried at the next drain (OUTAGE_RETRY), without a
  growing backoff: the oldest commands are the next drain's probes, and when ESET answers
  again the queue is served oldest first (claims go by id). Other retryable failures back
  off from 30 s to RETRY_CAP and are retried for ESET_GIVE_UP_DAYS before they fail;
  only terminal errors fail at once;
- commands waiting longer than ESET_DELAY_ALERT_MINUTES are told once (delays.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Least

from accounts.models import Client
from config.db import bulk_set
from notifications.services import NotificationSpec, notify

from . import recording
from .client import Address, EsetClient, EsetError, EsetRetryableError, EsetTerminalError
from .delays import delays_report
from .drain_lock import drain_lock
from .handlers import CommandSnapshot, CompanyDirectory, execute
from .models import CommandKind, CommandState, EsetLicense, GatewayCommand
from .recording import Executed, related

logger = logging.getLogger(__name__)

# A claimed command whose drain died is taken again after this.
CLAIM_SECONDS = 300
# Backoff of a command between attempts: 30 s, 1 min, 2 min, ... at most 30 min.
RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(minutes=30)
# A command that got no answer at all waits for the next drain (beat: every minute).
OUTAGE_RETRY = timedelta(minutes=1)
# Commands claimed per round of the sequential (in-process) drain.
SEQUENTIAL_BATCH = 100
# The concurrent drain claims this many commands per call it keeps in flight (a queue
# ahead of its threads), and records results in groups of up to RECORD_GROUP, each result
# waiting at most RECORD_WAIT_SECONDS for the others of its group.
CLAIM_AHEAD = 4
RECORD_GROUP = 200
RECORD_WAIT_SECONDS = 0.25
ERROR_MAX_CHARS = 2000
RECORDED_FIELDS = ("state", "locked_until", "done_at", "last_error", "result", "next_attempt_at")


class Stop(StrEnum):
    """Why a drain stopped before the queue was empty."""

    BUSY = "busy"  # another drain holds the lock: the work is its
    ESET_DOWN = "eset_down"  # the breaker: consecutive calls got no answer
    TIME_LIMIT = "time_limit"


@dataclass
class DrainResult:
    done: int = 0
    retried: int = 0
    failed: int = 0
    # Claimed, then given back unrun (breaker, time limit): not an attempt.
    released: int = field(default=0, compare=False)
    stopped: str = field(default="", compare=False)

    def add(self, other: DrainResult) -> None:
        self.done += other.done
        self.retried += other.retried
        self.failed += other.failed
        self.released += other.released
        self.stopped = other.stopped or self.stopped


def unreachable(error: BaseException | None) -> bool:
    """No answer came from ESET at all: it is down (or the way to it), not this command."""
    return isinstance(error, EsetRetryableError) and getattr(error, "unreachable", False)


class Breaker:
    """Counts consecutive unanswered calls of one drain; open means: stop claiming. The
    concurrent drain's threads observe it as each call ends, and check it before each call
    starts, so that the queue behind a dead ESET is not tried call after call."""

    def __init__(self, threshold: int) -> None:
        self.threshold = max(1, threshold)
        self.streak = 0
        self._lock = threading.Lock()

    def observe(self, executed: Executed) -> None:
        with self._lock:
            self.streak = self.streak + 1 if unreachable(executed.error) else 0

    @property
    def open(self) -> bool:
        return self.streak >= self.threshold


class Deadline:
    def __init__(self, seconds: float | None, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._at = None if seconds is None else clock() + seconds

    @property
    def passed(self) -> bool:
        return self._at is not None and self._clock() >= self._at


def command_backoff(*, attempts: int) -> timedelta:
    """How long a command waits after its `attempts`-th failed attempt."""
    return min(RETRY_CAP, RETRY_BASE * 2 ** max(0, attempts - 1))


# --- claiming ----------------------------------------------------------------------------


def _claim(*, at: datetime, limit: int) -> list[GatewayCommand]:
    """Claims up to `limit` due commands, oldest first, and loads them for execution.

    Due: pending with next_attempt_at <= at, or running with an expired claim (its drain
    died). A command waits while an older command of its subscription is not done, so that
    a subscription's effects reach ESET in the order they were decided.

    One UPDATE ... RETURNING claims the batch: its WHERE is re-checked on every row it
    changes, so of two concurrent drains only one gets each command."""
    table = connection.ops.quote_name(GatewayCommand._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    now, until = adapt(at), adapt(at + timedelta(seconds=CLAIM_SECONDS))
    pending, running, done = CommandState.PENDING, CommandState.RUNNING, CommandState.DONE
    # Skip rows another drain is claiming right now instead of queueing behind it.
    skip_locked = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    due = "((state = %s AND next_attempt_at <= %s) OR (state = %s AND locked_until < %s))"
    # The candidates are picked once (a materialised CTE): as a plain IN (subquery) the
    # database may run the LIMITed subquery again per row and claim more than asked.
    sql = f"""
        WITH picked AS MATERIALIZED (
            SELECT c.id FROM {table} c
            WHERE ((c.state = %s AND c.next_attempt_at <= %s)
                   OR (c.state = %s AND c.locked_until < %s))
              AND NOT EXISTS (
                  SELECT 1 FROM {table} o
                  WHERE o.subscription_id = c.subscription_id AND o.id < c.id AND o.state <> %s
              )
            ORDER BY c.id
            LIMIT %s{skip_locked}
        )
        UPDATE {table} SET state = %s, attempts = attempts + 1, locked_until = %s
        WHERE id IN (SELECT id FROM picked) AND {due}
        RETURNING id
    """
    params = [pending, now, running, now, done, limit, running, until, pending, now, running, now]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return []
    commands = list(
        GatewayCommand.objects.filter(pk__in=ids)
        .select_related(
            "subscription__client__owner",
            "subscription__client__reseller",
            "subscription__client__eset_customer",
            "subscription__client__reseller__eset_company",
            "subscription__reseller_plan__vendor_plan",
            "subscription__eset_license",
        )
        .order_by("id")
    )
    # The licences each client's lost orders must not adopt: those the platform knows.
    creating = {c.subscription.client_id for c in commands if c.kind == CommandKind.CREATE}
    known: dict[int, set[str]] = {}
    for client_id, public_id in EsetLicense.objects.filter(
        subscription__client_id__in=creating
    ).values_list("subscription__client_id", "public_license_id"):
        known.setdefault(client_id, set()).add(public_id)
    for command in commands:
        command._known_license_ids = frozenset(known.get(command.subscription.client_id, ()))  # type: ignore[attr-defined]
    return commands


def _address(client: Client) -> Address | None:
    if not (client.address_city and client.address_street):
        return None
    return Address(
        state=client.address_state,
        city=client.address_city,
        street_address=client.address_street,
        zip_code=client.address_zip,
    )


def _snapshot(command: GatewayCommand) -> CommandSnapshot:
    subscription = command.subscription
    client = subscription.client
    reseller = client.reseller
    customer = related(client, "eset_customer")
    msp = related(reseller, "eset_company")
    lic = related(subscription, "eset_license")
    return CommandSnapshot(
        id=command.pk,
        kind=command.kind,
        payload=dict(command.payload or {}),
        attempts=command.attempts,
        subscription_id=subscription.pk,
        client_id=client.pk,
        client_name=client.name,
        company_id=customer.company_id if customer else None,
        public_license_id=lic.public_license_id if lic else None,
        client_email=client.email,
        client_inn=client.inn,
        client_address=_address(client),
        reseller_id=reseller.pk,
        reseller_name=reseller.name,
        reseller_email=reseller.email,
        reseller_company_id=msp.company_id if msp else None,
        known_license_ids=getattr(command, "_known_license_ids", frozenset()),
    )


# --- executing ---------------------------------------------------------------------------


def _execute(
    command: GatewayCommand,
    snapshot: CommandSnapshot,
    eset: EsetClient,
    companies: CompanyDirectory,
) -> Executed:
    """Runs in a worker thread: touches no model attribute, only the snapshot."""
    try:
        return Executed(command, execute(command=snapshot, eset=eset, companies=companies), None)
    except EsetError as error:
        return Executed(command, None, error)
    except Exception as error:  # a bug or an unforeseen answer: recorded and retried
        logger.exception("ESET command #%s crashed", command.pk)
        return Executed(command, None, error)


def _execute_unless_down(
    command: GatewayCommand,
    snapshot: CommandSnapshot,
    eset: EsetClient,
    companies: CompanyDirectory,
    breaker: Breaker,
) -> Executed:
    if breaker.open:
        return Executed(command, None, None, ran=False)
    executed = _execute(command, snapshot, eset, companies)
    breaker.observe(executed)
    return executed


# --- recording ---------------------------------------------------------------------------


def _record(*, executed: Sequence[Executed], at: datetime) -> DrainResult:
    """Records a group of results in the caller's transaction.

    Compare-and-set: only commands still running under this drain's claim (same attempt
    number) are written; a drain whose claim expired meanwhile must not overwrite the one
    that took its command over. They are locked first, in id order, then updated at once."""
    by_id = {item.command.pk: item for item in executed}
    locked = (
        GatewayCommand.objects.select_for_update()
        .filter(pk__in=list(by_id), state=CommandState.RUNNING)
        .order_by("pk")
        .values_list("pk", "attempts")
    )
    ours = {pk for pk, attempts in locked if attempts == by_id[pk].command.attempts}
    result = DrainResult()
    specs: list[NotificationSpec] = []
    commands: list[GatewayCommand] = []
    succeeded: list[Executed] = []
    for pk in sorted(ours):
        item = by_id[pk]
        command = item.command
        commands.append(command)
        command.locked_until = None
        if item.outcome is not None:
            lic = item.outcome.license
            command.state, command.done_at, command.last_error = CommandState.DONE, at, ""
            command.result = {
                "public_license_id": lic.public_license_id,
                "license_key": lic.license_key,
                "quantity": lic.quantity,
                "state": lic.state,
                "notes": list(item.outcome.notes),
            }
            succeeded.append(item)
            specs.extend(recording.success_specs(command=command, outcome=item.outcome))
            result.done += 1
            continue
        error = item.error
        assert error is not None
        message = (str(error) or type(error).__name__)[:ERROR_MAX_CHARS]
        # Retryable failures are retried for days (an outage of hours must not fail every
        # command and wait for an operator); only terminal errors fail at once.
        give_up = timedelta(days=settings.ESET_GIVE_UP_DAYS)
        exhausted = at - command.created_at >= give_up
        if isinstance(error, EsetTerminalError) or exhausted:
            if not isinstance(error, EsetTerminalError):
                message = f"gave up after {settings.ESET_GIVE_UP_DAYS} days: {message}"
            command.state, command.last_error = CommandState.FAILED, message
            command.done_at, command.result = None, recording.error_result(error)
            specs.append(recording.error_spec(command=command, error=message))
            result.failed += 1
            continue
        backoff = command_backoff(attempts=command.attempts)
        delay = OUTAGE_RETRY if unreachable(error) else backoff
        retry_after = getattr(error, "retry_after", None)
        if isinstance(error, EsetRetryableError) and retry_after:
            delay = max(delay, timedelta(seconds=retry_after))
        command.state, command.last_error = CommandState.PENDING, message
        command.done_at, command.result = None, recording.error_result(error)
        command.next_attempt_at = at + delay
        result.retried += 1
    bulk_set(commands, RECORDED_FIELDS)
    if succeeded:
        recording.licenses_store(stored=succeeded, at=at)
    notify(specs=specs, at=at)
    return result


def _record_safely(*, executed: Sequence[Executed], at: datetime) -> DrainResult:
    """Records a group in one transaction; if that fails, one by one, so that one bad row
    does not hold back the others. A success that cannot be recorded is recorded as a
    failed attempt (retried with backoff, then failed): every handler tolerates running
    again. If even that cannot be written, the command stays claimed and runs again when
    its claim expires."""
    try:
        with transaction.atomic():
            return _record(executed=executed, at=at)
    except Exception as error:
        if len(executed) == 1:
            item = executed[0]
            logger.exception("could not record ESET command #%s", item.command.pk)
            if item.outcome is None:
                return DrainResult()
            try:
                with transaction.atomic():
                    failure = Executed(item.command, None, error)
                    return _record(executed=[failure], at=at)
            except Exception:
                logger.exception("could not record the failure of command #%s", item.command.pk)
                return DrainResult()
    result = DrainResult()
    for item in executed:
        result.add(_record_safely(executed=[item], at=at))
    return result


# --- releasing ---------------------------------------------------------------------------


def _release(commands: Sequence[GatewayCommand]) -> int:
    """Gives claimed, unrun commands back, due as they were and without the attempt their
    claim counted. Compare-and-set on the claim's attempt number, as recording is."""
    by_attempts: dict[int, list[int]] = {}
    for command in commands:
        by_attempts.setdefault(command.attempts, []).append(command.pk)
    released = 0
    for attempts, ids in by_attempts.items():
        released += GatewayCommand.objects.filter(
            pk__in=ids, state=CommandState.RUNNING, attempts=attempts
        ).update(state=CommandState.PENDING, attempts=F("attempts") - 1, locked_until=None)
    return released


# --- draining ----------------------------------------------------------------------------


def _stop_reason(breaker: Breaker, deadline: Deadline) -> str:
    if breaker.open:
        return Stop.ESET_DOWN
    if deadline.passed:
        return Stop.TIME_LIMIT
    return ""


def _drain_sequential(*, at: datetime, eset: EsetClient, deadline: Deadline) -> DrainResult:
    result = DrainResult()
    companies = CompanyDirectory()
    breaker = Breaker(settings.ESET_DOWN_AFTER_FAILURES)
    while True:
        if stop := _stop_reason(breaker, deadline):
            result.stopped = stop
            return result
        batch = _claim(at=at, limit=SEQUENTIAL_BATCH)
        if not batch:
            return result
        for index, command in enumerate(batch):
            if stop := _stop_reason(breaker, deadline):
                result.released += _release(batch[index:])
                result.stopped = stop
                return result
            executed = _execute(command, _snapshot(command), eset, companies)
            breaker.observe(executed)
            result.add(_record_safely(executed=[executed], at=at))


def _drain_concurrent(
    *, at: datetime, eset: EsetClient, concurrency: int, deadline: Deadline
) -> DrainResult:
    """Keeps `concurrency` calls in flight and records their results in groups.

    The recording (one transaction, a handful of statements, whatever the group's size)
    runs in this thread while the calls go on in the pool: claimed commands queue ahead of
    the pool's threads so that none idles while a group is recorded, and results wait at
    most RECORD_WAIT_SECONDS (or RECORD_GROUP results) for the others of their group.
    The queue stays short next to the claim's lifetime (CLAIM_SECONDS)."""
    result = DrainResult()
    companies = CompanyDirectory()
    breaker = Breaker(settings.ESET_DOWN_AFTER_FAILURES)
    in_flight: dict[Future[Executed], GatewayCommand] = {}
    finished: list[Executed] = []
    first_finished = 0.0
    ahead = CLAIM_AHEAD * concurrency
    more = True
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="eset") as pool:
        while True:
            stop = _stop_reason(breaker, deadline)
            if stop and not result.stopped:
                # Stop claiming; what is queued and not started goes back unrun.
                result.stopped, more = stop, False
                unstarted = [f for f in in_flight if f.cancel()]
                result.released += _release([in_flight.pop(f) for f in unstarted])
            if more and len(in_flight) <= ahead // 2:
                wanted = ahead - len(in_flight)
                batch = _claim(at=at, limit=wanted)
                more = len(batch) == wanted
                for command in batch:
                    snapshot = _snapshot(command)
                    future = pool.submit(
                        _execute_unless_down, command, snapshot, eset, companies, breaker
                    )
                    in_flight[future] = command
            if not in_flight and not finished:
                return result
            if in_flight:
                timeout = None
                if finished:
                    timeout = max(0.0, first_finished + RECORD_WAIT_SECONDS - time.monotonic())
                done, _ = wait(list(in_flight), timeout=timeout, return_when=FIRST_COMPLETED)
                if done and not finished:
                    first_finished = time.monotonic()
                skipped = []
                for future in done:
                    del in_flight[future]
                    executed = future.result()
                    if executed.ran:
                        finished.append(executed)
                    else:
                        skipped.append(executed.command)
                result.released += _release(skipped)
            due = (
                len(finished) >= RECORD_GROUP
                or not in_flight
                or time.monotonic() >= first_finished + RECORD_WAIT_SECONDS
            )
            if finished and due:
                recorded = _record_safely(executed=finished, at=at)
                finished = []
                result.add(recorded)
                # A command done may let the next command of its subscription go.
                more = (more or recorded.done > 0) and not result.stopped


def gateway_drain(
    *,
    at: datetime,
    eset: EsetClient | None = None,
    time_limit: float | None = None,
    unlimited: bool = False,
    wait_for_lock: float = 0.0,
    clock: Callable[[], float] = time.monotonic,
) -> DrainResult:
    """Executes every command due at `at`, then tells of commands waiting too long. Not
    atomic on purpose: no transaction may stay open over ESET calls; each claim and each
    result commits on its own.

    One drain at a time: while another holds the lock (waited for up to `wait_for_lock`
    seconds) this one does nothing (`stopped == "busy"`). All its calls share one ESET
    client, and so one token. It stops claiming after `time_limit` seconds of `clock`
    (ESET_DRAIN_SECONDS by default), unless `unlimited` (the nightly sync)."""
    seconds = None if unlimited else time_limit or settings.ESET_DRAIN_SECONDS
    with drain_lock(wait=wait_for_lock) as held:
        if not held:
            logger.info("another ESET drain is running: leaving the queue to it")
            return DrainResult(stopped=Stop.BUSY)
        deadline = Deadline(seconds, clock)
        own_client = eset is None
        if eset is None:
            eset = EsetClient()
        try:
            concurrency = max(1, settings.ESET_CONCURRENCY)
            if eset.in_process or concurrency == 1:
                # The in-process mock shares this thread's database connection (and a
                # test's transaction), so its calls are made one at a time.
                result = _drain_sequential(at=at, eset=eset, deadline=deadline)
            else:
                result = _drain_concurrent(
                    at=at, eset=eset, concurrency=concurrency, deadline=deadline
                )
        finally:
            if own_client:
                eset.close()
        if result.stopped == Stop.ESET_DOWN:
            logger.warning("ESET is not answering: drain stopped, %s released", result.released)
        delays_report(at=at)
        return result


@transaction.atomic
def commands_retry_now(*, command_ids: Iterable[int], at: datetime) -> int:
    """Makes failed or waiting commands due at `at` (the operator's "retry now").

    Attempts restart from 1, not 0: a retried create then looks its licence up before
    ordering, in case an earlier attempt ordered it and lost the answer."""
    return GatewayCommand.objects.filter(
        pk__in=list(command_ids), state__in=[CommandState.FAILED, CommandState.PENDING]
    ).update(
        state=CommandState.PENDING,
        next_attempt_at=at,
        locked_until=None,
        attempts=Least(F("attempts"), Value(1)),
    )
