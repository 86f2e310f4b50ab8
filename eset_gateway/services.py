"""Executing the ESET outbox (DESIGN.md §5) and the 00:30 seat sync (§4.6, §6).

A drain claims due commands by compare-and-set (so that two drains never run one command),
runs them against ESET with no transaction open and no row locked, then records each result
in a short transaction: the command's state, ESET's view of the licence, and the owner's or
the reseller's notification.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Least

from billing.services import clients_lock
from billing.time import SYNC_TIME, moscow_moment
from config.db import bulk_set
from notifications.models import NotificationKind
from notifications.services import NotificationSpec, notify, owner_spec, reseller_spec
from orders.models import Subscription

from .client import EsetClient, EsetError, EsetRetryableError, EsetTerminalError, License
from .handlers import CommandSnapshot, CompanyDirectory, Outcome, execute
from .models import (
    CommandKind,
    CommandState,
    DriftAction,
    DriftKind,
    EsetCustomer,
    EsetLicense,
    GatewayCommand,
    LicenseDrift,
)
from .outbox import CommandSpec, commands_enqueue

logger = logging.getLogger(__name__)

# A claimed command whose drain died is taken again after this.
CLAIM_SECONDS = 300
# Backoff of a command between attempts: 30 s, 1 min, 2 min, ... at most 1 h.
RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)
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
LICENSE_FIELDS = (
    "public_license_id",
    "license_key",
    "product_code",
    "quantity",
    "state",
    "updated_at",
)


@dataclass
class DrainResult:
    done: int = 0
    retried: int = 0
    failed: int = 0

    def add(self, other: DrainResult) -> None:
        self.done += other.done
        self.retried += other.retried
        self.failed += other.failed


@dataclass(frozen=True)
class SyncResult:
    applied: int
    rejected: int
    commands_done: int
    commands_retried: int
    commands_failed: int


def command_backoff(*, attempts: int) -> timedelta:
    """How long a command waits after its `attempts`-th failed attempt."""
    return min(RETRY_CAP, RETRY_BASE * 2 ** max(0, attempts - 1))


def sync_moment(*, day: date) -> datetime:
    """00:30 Moscow time on `day`: the moment of that day's seat sync."""
    return moscow_moment(day, SYNC_TIME.hour, SYNC_TIME.minute)


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
    return list(
        GatewayCommand.objects.filter(pk__in=ids)
        .select_related(
            "subscription__client__owner",
            "subscription__client__reseller",
            "subscription__client__eset_customer",
            "subscription__reseller_plan__vendor_plan",
            "subscription__eset_license",
        )
        .order_by("id")
    )


def _related(obj: Any, name: str) -> Any:
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def _snapshot(command: GatewayCommand) -> CommandSnapshot:
    subscription = command.subscription
    client = subscription.client
    customer = _related(client, "eset_customer")
    lic = _related(subscription, "eset_license")
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
    )


# --- executing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Executed:
    command: GatewayCommand
    outcome: Outcome | None
    error: BaseException | None


def _execute(
    command: GatewayCommand,
    snapshot: CommandSnapshot,
    eset: EsetClient,
    companies: CompanyDirectory,
) -> _Executed:
    """Runs in a worker thread: touches no model attribute, only the snapshot."""
    try:
        return _Executed(command, execute(command=snapshot, eset=eset, companies=companies), None)
    except EsetError as error:
        return _Executed(command, None, error)
    except Exception as error:  # a bug or an unforeseen answer: recorded and retried
        logger.exception("ESET command #%s crashed", command.pk)
        return _Executed(command, None, error)


# --- recording ---------------------------------------------------------------------------


def _license_fields(lic: License, *, at: datetime) -> dict[str, Any]:
    return {
        "public_license_id": lic.public_license_id,
        "license_key": lic.license_key,
        "product_code": lic.product_code,
        "quantity": lic.quantity,
        "state": (
            EsetLicense.State.SUSPENDED if lic.state == "suspended" else EsetLicense.State.ACTIVE
        ),
        "updated_at": at,
    }


def _licenses_store(*, stored: Sequence[_Executed], at: datetime) -> None:
    """Writes ESET's view of the licences of a group of successes."""
    changed: list[EsetLicense] = []
    created: list[EsetLicense] = []
    for item in stored:
        assert item.outcome is not None
        subscription = item.command.subscription
        if item.outcome.company_id and _related(subscription.client, "eset_customer") is None:
            EsetCustomer.objects.get_or_create(
                client_id=subscription.client_id, defaults={"company_id": item.outcome.company_id}
            )
        fields = _license_fields(item.outcome.license, at=at)
        current = _related(subscription, "eset_license")
        if current is None:
            created.append(EsetLicense(subscription=subscription, **fields))
            continue
        for name, value in fields.items():
            setattr(current, name, value)
        changed.append(current)
    if changed:
        bulk_set(changed, LICENSE_FIELDS)
    if created:
        EsetLicense.objects.bulk_create(created)


def _activation_payload(*, command: GatewayCommand, lic: License) -> dict[str, Any]:
    subscription = command.subscription
    return {
        "license_key": lic.license_key,
        "public_license_id": lic.public_license_id,
        "product": subscription.reseller_plan.vendor_plan.name,
        "seats": lic.quantity,
        "expires_on": subscription.expires_on.isoformat() if subscription.expires_on else None,
    }


def _success_specs(*, command: GatewayCommand, outcome: Outcome) -> list[NotificationSpec]:
    subscription = command.subscription
    payload = _activation_payload(command=command, lic=outcome.license)
    if command.kind == CommandKind.CREATE:
        return [
            owner_spec(
                subscription=subscription,
                kind=NotificationKind.ACTIVATION_DATA,
                key=f"activation_data:sub:{subscription.pk}",
                payload=payload,
            )
        ]
    if command.kind == CommandKind.CHANGE_QUANTITY:
        payload["previous_seats"] = command.payload.get("previous_quantity")
        payload["effective_on"] = command.payload.get("effective_on")
        event = (
            f"seatchange:{command.seat_change_id}"
            if command.seat_change_id
            else f"command:{command.pk}"
        )
        return [
            owner_spec(
                subscription=subscription,
                kind=NotificationKind.SEATS_CHANGED,
                key=f"seats_changed:{event}",
                payload=payload,
            )
        ]
    # Suspension and resumption are told by the billing services that decide them.
    return []


def _error_spec(*, command: GatewayCommand, error: str) -> NotificationSpec:
    subscription = command.subscription
    return reseller_spec(
        reseller=subscription.client.reseller,
        kind=NotificationKind.ESET_ERROR,
        key=f"eset_error:command:{command.pk}",
        payload={"command": command.kind, "error": error, "subscription_id": subscription.pk},
        client_id=subscription.client_id,
        subscription_id=subscription.pk,
    )


def _error_result(error: BaseException) -> dict[str, Any]:
    if isinstance(error, EsetTerminalError):
        return {"error": {"code": error.code, "sub_code": error.sub_code}}
    return {"error": {"type": type(error).__name__}}


def _record(*, executed: Sequence[_Executed], at: datetime) -> DrainResult:
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
    succeeded: list[_Executed] = []
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
            specs.extend(_success_specs(command=command, outcome=item.outcome))
            result.done += 1
            continue
        error = item.error
        assert error is not None
        message = (str(error) or type(error).__name__)[:ERROR_MAX_CHARS]
        exhausted = command.attempts >= settings.ESET_MAX_ATTEMPTS
        if isinstance(error, EsetTerminalError) or exhausted:
            if not isinstance(error, EsetTerminalError):
                message = f"gave up after {command.attempts} attempts: {message}"
            command.state, command.last_error = CommandState.FAILED, message
            command.done_at, command.result = None, _error_result(error)
            specs.append(_error_spec(command=command, error=message))
            result.failed += 1
            continue
        delay = command_backoff(attempts=command.attempts)
        retry_after = getattr(error, "retry_after", None)
        if isinstance(error, EsetRetryableError) and retry_after:
            delay = max(delay, timedelta(seconds=retry_after))
        command.state, command.last_error = CommandState.PENDING, message
        command.done_at, command.result = None, _error_result(error)
        command.next_attempt_at = at + delay
        result.retried += 1
    bulk_set(commands, RECORDED_FIELDS)
    if succeeded:
        _licenses_store(stored=succeeded, at=at)
    notify(specs=specs, at=at)
    return result


def _record_safely(*, executed: Sequence[_Executed], at: datetime) -> DrainResult:
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
                    failure = _Executed(item.command, None, error)
                    return _record(executed=[failure], at=at)
            except Exception:
                logger.exception("could not record the failure of command #%s", item.command.pk)
                return DrainResult()
    result = DrainResult()
    for item in executed:
        result.add(_record_safely(executed=[item], at=at))
    return result


# --- draining ----------------------------------------------------------------------------


def _drain_sequential(*, at: datetime, eset: EsetClient) -> DrainResult:
    result = DrainResult()
    companies = CompanyDirectory()
    while True:
        batch = _claim(at=at, limit=SEQUENTIAL_BATCH)
        if not batch:
            return result
        for command in batch:
            executed = _execute(command, _snapshot(command), eset, companies)
            result.add(_record_safely(executed=[executed], at=at))


def _drain_concurrent(*, at: datetime, eset: EsetClient, concurrency: int) -> DrainResult:
    """Keeps `concurrency` calls in flight and records their results in groups.

    The recording (one transaction, a handful of statements, whatever the group's size)
    runs in this thread while the calls go on in the pool: claimed commands queue ahead of
    the pool's threads so that none idles while a group is recorded, and results wait at
    most RECORD_WAIT_SECONDS (or RECORD_GROUP results) for the others of their group.
    The queue stays short next to the claim's lifetime (CLAIM_SECONDS)."""
    result = DrainResult()
    companies = CompanyDirectory()
    in_flight: set[Future[_Executed]] = set()
    finished: list[_Executed] = []
    first_finished = 0.0
    ahead = CLAIM_AHEAD * concurrency
    more = True
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="eset") as pool:
        while True:
            if more and len(in_flight) <= ahead // 2:
                wanted = ahead - len(in_flight)
                batch = _claim(at=at, limit=wanted)
                more = len(batch) == wanted
                for command in batch:
                    snapshot = _snapshot(command)
                    in_flight.add(pool.submit(_execute, command, snapshot, eset, companies))
            if not in_flight and not finished:
                return result
            if in_flight:
                timeout = None
                if finished:
                    timeout = max(0.0, first_finished + RECORD_WAIT_SECONDS - time.monotonic())
                done, _ = wait(in_flight, timeout=timeout, return_when=FIRST_COMPLETED)
                if done and not finished:
                    first_finished = time.monotonic()
                for future in done:
                    in_flight.discard(future)
                    finished.append(future.result())
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
                more = more or recorded.done > 0


def gateway_drain(*, at: datetime, eset: EsetClient | None = None) -> DrainResult:
    """Executes every command due at `at`. Not atomic on purpose: no transaction may stay
    open over ESET calls; each claim and each result commits on its own."""
    own_client = eset is None
    if eset is None:
        eset = EsetClient()
    try:
        concurrency = max(1, settings.ESET_CONCURRENCY)
        if eset.in_process or concurrency == 1:
            # The in-process mock shares this thread's database connection (and a test's
            # transaction), so its calls are made one at a time.
            return _drain_sequential(at=at, eset=eset)
        return _drain_concurrent(at=at, eset=eset, concurrency=concurrency)
    finally:
        if own_client:
            eset.close()


def eset_sync(*, day: date, eset: EsetClient | None = None) -> SyncResult:
    """The 00:30 Moscow-time job of `day`: applies (or rejects) the seat changes due that
    day, which writes their change_quantity commands, then executes every due command.
    Running it again changes nothing: applied changes are no longer pending and their
    commands are done (or waiting for their backoff).

    Against ESET over HTTP on PostgreSQL the two overlap: the changes are applied in a
    thread of their own, a transaction per chunk of clients, and each chunk's commands go
    to ESET as soon as it commits, while the next chunks are applied. The sync then takes
    about as long as ESET needs, not that plus the applying."""
    from orders.services import seat_changes_apply_due

    own_client = eset is None
    if eset is None:
        eset = EsetClient()
    at = sync_moment(day=day)
    try:
        if _may_overlap(eset):
            applied, drained = _apply_while_draining(
                apply=lambda: seat_changes_apply_due(day=day), at=at, eset=eset
            )
        else:
            applied = seat_changes_apply_due(day=day)
            drained = gateway_drain(at=at, eset=eset)
    finally:
        if own_client:
            eset.close()
    return SyncResult(
        applied=applied.applied,
        rejected=applied.rejected,
        commands_done=drained.done,
        commands_retried=drained.retried,
        commands_failed=drained.failed,
    )


def _may_overlap(eset: EsetClient) -> bool:
    # The in-process mock shares the caller's connection (and a test's transaction), and
    # SQLite takes one writer at a time: there, one thing after the other.
    return (
        not eset.in_process and settings.ESET_CONCURRENCY > 1 and connection.vendor == "postgresql"
    )


# How often the sync looks for commands the applying thread has committed meanwhile.
OVERLAP_POLL_SECONDS = 0.2


def _apply_while_draining(*, apply: Any, at: datetime, eset: EsetClient) -> tuple[Any, DrainResult]:
    """Runs `apply` in a thread (its own database connection) and drains what it commits
    until it has finished, then once more for its last chunk. An error of `apply` is
    raised here once the drains in progress have recorded their results."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["applied"] = apply()
        except BaseException as error:  # re-raised in the caller's thread
            outcome["error"] = error
        finally:
            connection.close()

    worker = threading.Thread(target=run, name="eset-sync-apply")
    worker.start()
    drained = DrainResult()
    try:
        while worker.is_alive():
            drained.add(gateway_drain(at=at, eset=eset))
            worker.join(OVERLAP_POLL_SECONDS)
    finally:
        worker.join()
    if "error" in outcome:
        raise outcome["error"]
    drained.add(gateway_drain(at=at, eset=eset))
    return outcome["applied"], drained


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


# --- the nightly reconciliation ----------------------------------------------------------

# 03:00 Moscow time: well after the 00:30 sync and the billing run chained to it.
RECONCILE_TIME = (3, 0)
RECONCILE_PAGE = 500
# Clients whose drifts are settled per transaction.
RECONCILE_CHUNK = 200


@dataclass(frozen=True)
class ReconcileResult:
    checked: int  # licences ESET listed
    drifts: int  # drifts recorded (a second run of the same night records none again)
    repaired: int  # drifts the platform repairs: their commands are in the outbox
    left: int  # left to a command in flight, a failed command, later, or the operator


@dataclass(frozen=True)
class _Seen:
    """A licence as ESET showed it; quantity None: ESET does not have it."""

    public_license_id: str
    quantity: int | None
    state: str
    license_key: str


@dataclass(frozen=True)
class _Candidate:
    seen: _Seen
    subscription_id: int | None
    known: bool  # the platform has this licence
    # A command of the subscription with a higher id was written after ESET was read.
    watermark: int


def reconcile_moment(*, day: date) -> datetime:
    """03:00 Moscow time on `day`: the moment of that night's reconciliation."""
    return moscow_moment(day, *RECONCILE_TIME)


def platform_license_view(*, seats: int, status: str) -> tuple[int, str]:
    """The quantity and state ESET should show for a subscription: its seats, and active
    only while the subscription is active (suspension and cancellation stop the licence)."""
    state = EsetLicense.State.ACTIVE if status == "active" else EsetLicense.State.SUSPENDED
    return seats, state


def _drift_kind(*, seen: _Seen, quantity: int, state: str) -> str | None:
    if seen.quantity is None:
        return DriftKind.MISSING
    quantity_differs, state_differs = seen.quantity != quantity, seen.state != state
    if quantity_differs and state_differs:
        return DriftKind.QUANTITY_STATE
    if quantity_differs:
        return DriftKind.QUANTITY
    return DriftKind.STATE if state_differs else None


def _last_command_id() -> int:
    return GatewayCommand.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _subscriptions_with_open_commands() -> set[int]:
    return set(
        GatewayCommand.objects.exclude(state=CommandState.DONE)
        .values_list("subscription_id", flat=True)
        .distinct()
    )


def _subscriptions_written_after(subscription_ids: set[int], *, watermark: int) -> set[int]:
    ids = sorted(subscription_ids)
    found: set[int] = set()
    for start in range(0, len(ids), 1000):
        found.update(
            GatewayCommand.objects.filter(
                subscription_id__in=ids[start : start + 1000], pk__gt=watermark
            ).values_list("subscription_id", flat=True)
        )
    return found


def _seen(lic: License) -> _Seen:
    return _Seen(lic.public_license_id, lic.quantity, lic.state, lic.license_key)


def _compare_page(page: Sequence[License], *, watermark: int) -> list[_Candidate]:
    """The licences of one page of ESET's listing that differ from the platform's view, or
    that the platform does not know (linked to a subscription by their reference)."""
    local = {
        row[0]: row[1:]
        for row in EsetLicense.objects.filter(
            public_license_id__in=[lic.public_license_id for lic in page]
        ).values_list(
            "public_license_id", "subscription_id", "subscription__seats", "subscription__status"
        )
    }
    found: list[_Candidate] = []
    unknown: list[tuple[License, int | None]] = []
    for lic in page:
        row = local.get(lic.public_license_id)
        if row is None:
            number = lic.reference.removeprefix("sub-")
            linked = int(number) if lic.reference.startswith("sub-") and number.isdigit() else None
            unknown.append((lic, linked))
            continue
        subscription_id, seats, status = row
        quantity, state = platform_license_view(seats=seats, status=status)
        if _drift_kind(seen=_seen(lic), quantity=quantity, state=state):
            found.append(_Candidate(_seen(lic), subscription_id, True, watermark))
    if unknown:
        exists = set(
            Subscription.objects.filter(
                pk__in=[linked for _, linked in unknown if linked is not None]
            ).values_list("pk", flat=True)
        )
        found += [
            _Candidate(_seen(lic), linked if linked in exists else None, False, watermark)
            for lic, linked in unknown
        ]
    return found


def _missing(seen_ids: set[str], *, watermark: int) -> list[_Candidate]:
    """The platform's licences that ESET did not list."""
    return [
        _Candidate(_Seen(public_id, None, "", ""), subscription_id, True, watermark)
        for public_id, subscription_id in EsetLicense.objects.order_by("pk")
        .values_list("public_license_id", "subscription_id")
        .iterator(chunk_size=2000)
        if public_id not in seen_ids
    ]


def _reread(candidates: list[_Candidate], eset: EsetClient, *, ran: set[int]) -> list[_Candidate]:
    """Licences whose subscription had a command running while ESET was listed are read
    again (License/Detail): the listing may predate what that command did. Their new
    watermark is the last command written before this second read."""
    watermark = _last_command_id()
    kept: list[_Candidate] = []
    for candidate in candidates:
        if candidate.subscription_id not in ran or candidate.seen.quantity is None:
            kept.append(candidate)
            continue
        try:
            lic = eset.license_detail(public_license_id=candidate.seen.public_license_id)
        except EsetTerminalError:
            kept.append(candidate)  # gone meanwhile: settled from the listing
            continue
        kept.append(_Candidate(_seen(lic), candidate.subscription_id, candidate.known, watermark))
    return kept


def _repair_specs(
    *, subscription_id: int, seen: _Seen, quantity: int, state: str, day: date
) -> list[CommandSpec]:
    """The commands that bring ESET back to the platform's view, in the order they must run
    (a suspended licence refuses a quantity change, so it is resumed first; a licence to be
    suspended keeps its quantity until it is resumed)."""
    key = f"reconcile:{seen.public_license_id}:{day.isoformat()}"
    specs: list[CommandSpec] = []
    eset_active = seen.state == EsetLicense.State.ACTIVE
    if state == EsetLicense.State.ACTIVE and not eset_active:
        specs.append(CommandSpec(subscription_id, CommandKind.RESUME, f"resume:{key}"))
        eset_active = True
    elif state == EsetLicense.State.SUSPENDED and eset_active:
        specs.append(CommandSpec(subscription_id, CommandKind.SUSPEND, f"suspend:{key}"))
        eset_active = False
    if eset_active and seen.quantity != quantity:
        specs.append(
            CommandSpec(
                subscription_id,
                CommandKind.CHANGE_QUANTITY,
                f"change_quantity:{key}",
                payload={
                    "quantity": quantity,
                    "previous_quantity": seen.quantity,
                    "effective_on": day.isoformat(),
                    "reason": "reconcile",
                },
            )
        )
    return specs


def _drift_payload(drift: LicenseDrift) -> dict[str, Any]:
    subscription = drift.subscription
    assert subscription is not None
    return {
        "subscription_id": subscription.pk,
        "product": subscription.reseller_plan.vendor_plan.name,
        "public_license_id": drift.public_license_id,
        "kind": drift.kind,
        "platform_quantity": drift.platform_quantity,
        "platform_state": drift.platform_state,
        "eset_quantity": drift.eset_quantity,
        "eset_state": drift.eset_state,
        "action": drift.action,
        "night": drift.night.isoformat(),
    }


def _settle(candidates: Sequence[_Candidate], *, day: date, at: datetime) -> ReconcileResult:
    """Records the drifts of a group of clients and writes the repairs, in the caller's
    transaction, with the clients locked first (billing's lock order): a billing run or a
    payment that moves a subscription meanwhile is either seen here or waits for this."""
    sub_ids = {c.subscription_id for c in candidates if c.subscription_id is not None}
    clients_lock(
        Subscription.objects.filter(pk__in=sub_ids).values_list("client_id", flat=True).distinct()
    )
    subs = Subscription.objects.select_related(
        "client__reseller", "reseller_plan__vendor_plan", "eset_license"
    ).in_bulk(list(sub_ids))
    known = set(
        EsetLicense.objects.filter(
            public_license_id__in=[c.seen.public_license_id for c in candidates]
        ).values_list("public_license_id", flat=True)
    )
    blocking: dict[int, GatewayCommand] = {}
    for command in GatewayCommand.objects.filter(subscription_id__in=sub_ids).exclude(
        state=CommandState.DONE
    ):
        # A failed command names the drift's cause before a pending one does.
        current = blocking.get(command.subscription_id)
        if current is None or (
            command.state == CommandState.FAILED and current.state != CommandState.FAILED
        ):
            blocking[command.subscription_id] = command
    newest = dict(
        GatewayCommand.objects.filter(subscription_id__in=sub_ids)
        .values("subscription_id")
        .annotate(top=Max("pk"))
        .values_list("subscription_id", "top")
        .order_by()
    )
    already = set(
        LicenseDrift.objects.filter(
            night=day, public_license_id__in=[c.seen.public_license_id for c in candidates]
        ).values_list("public_license_id", flat=True)
    )

    drifts: list[LicenseDrift] = []
    repairs: list[tuple[LicenseDrift, list[CommandSpec]]] = []
    refreshed: list[EsetLicense] = []
    for candidate in candidates:
        seen = candidate.seen
        if seen.public_license_id in already:
            continue
        sub = subs.get(candidate.subscription_id) if candidate.subscription_id else None
        drift = LicenseDrift(
            night=day,
            public_license_id=seen.public_license_id,
            subscription=sub,
            eset_quantity=seen.quantity,
            eset_state=seen.state,
            detected_at=at,
        )
        in_flight = sub is not None and (
            sub.pk in blocking or newest.get(sub.pk, 0) > candidate.watermark
        )
        if sub is not None:
            drift.platform_quantity, drift.platform_state = platform_license_view(
                seats=sub.seats, status=sub.status
            )
        if seen.public_license_id not in known:
            # ESET has a licence the platform does not: being ordered right now, or for the
            # operator to look into (never removed from here).
            drift.kind = DriftKind.UNKNOWN
            drift.action = DriftAction.COMMAND_OPEN if in_flight else DriftAction.MANUAL
            drifts.append(drift)
            continue
        assert sub is not None
        kind = _drift_kind(
            seen=seen, quantity=drift.platform_quantity or 0, state=drift.platform_state
        )
        if kind is None:
            continue  # the platform or ESET moved meanwhile and they agree now
        drift.kind = kind
        drifts.append(drift)
        if sub.pk in blocking:
            drift.command = blocking[sub.pk]
            failed = drift.command.state == CommandState.FAILED
            drift.action = DriftAction.COMMAND_FAILED if failed else DriftAction.COMMAND_OPEN
            continue
        if in_flight:
            # A command ran after ESET was read: the next night reads its result.
            drift.action, drift.note = DriftAction.COMMAND_OPEN, "команда выполнена во время сверки"
            continue
        if kind == DriftKind.MISSING:
            drift.action = DriftAction.MANUAL
            continue
        specs = _repair_specs(
            subscription_id=sub.pk,
            seen=seen,
            quantity=sub.seats,
            state=drift.platform_state,
            day=day,
        )
        if specs:
            drift.action = DriftAction.REPAIRED
            repairs.append((drift, specs))
        else:
            drift.action = DriftAction.DEFERRED
        # The stored view is ESET's as last read (the repair's result replaces it).
        assert seen.quantity is not None
        lic = sub.eset_license
        lic.quantity, lic.state, lic.license_key, lic.updated_at = (
            seen.quantity,
            seen.state,
            seen.license_key or lic.license_key,
            at,
        )
        refreshed.append(lic)
    if not drifts:
        return ReconcileResult(checked=0, drifts=0, repaired=0, left=0)

    specs = [spec for _, group in repairs for spec in group]
    commands_enqueue(specs=specs, at=at)
    written = GatewayCommand.objects.filter(key__in=[s.key for s in specs]).in_bulk(
        field_name="key"
    )
    for drift, group in repairs:
        drift.command = written[group[0].key]
    # A concurrent run of the same night meets the unique (licence, night) and is skipped.
    LicenseDrift.objects.bulk_create(drifts, ignore_conflicts=True)
    bulk_set(refreshed, LICENSE_FIELDS)
    notify(
        specs=[
            reseller_spec(
                reseller=drift.subscription.client.reseller,
                kind=NotificationKind.LICENSE_DRIFT,
                key=f"license_drift:{drift.public_license_id}:{day.isoformat()}",
                payload=_drift_payload(drift),
                client_id=drift.subscription.client_id,
                subscription_id=drift.subscription.pk,
            )
            for drift in drifts
            # The reseller hears of what the platform repairs or what needs someone; a
            # command in flight is expected to leave ESET behind for a while, and a licence
            # the platform does not know is the distributor's matter.
            if drift.subscription is not None
            and drift.action != DriftAction.COMMAND_OPEN
            and drift.kind != DriftKind.UNKNOWN
        ],
        at=at,
    )
    return ReconcileResult(
        checked=0, drifts=len(drifts), repaired=len(repairs), left=len(drifts) - len(repairs)
    )


def licences_reconcile(*, day: date, eset: EsetClient | None = None) -> ReconcileResult:
    """The nightly reconciliation of `day`, after the 00:30 sync (DESIGN.md §5).

    Reads every licence at ESET (Search/Licenses, in pages), compares its quantity and
    state with the platform's (the subscription's seats; active only while the
    subscription is active), records each difference once a night (`LicenseDrift`: the
    operator admin; the reseller's journal) and repairs what the platform is sure of: a
    licence none of whose commands is pending or failed gets the commands that bring it
    back. It never fights a command in flight: a licence whose command is pending, failed,
    or ran while ESET was being read is recorded and left to that command.

    Not atomic on purpose: ESET is read with no transaction open. A page that cannot be
    read aborts the run before anything is written (a partial listing would make licences
    look missing). Running it again the same night records and repairs nothing twice."""
    at = reconcile_moment(day=day)
    own_client = eset is None
    if eset is None:
        eset = EsetClient()
    try:
        watermark = _last_command_id()
        open_before = _subscriptions_with_open_commands()
        checked, candidates, seen_ids = 0, [], set[str]()
        for page in eset.license_pages(page_size=RECONCILE_PAGE):
            checked += len(page)
            seen_ids.update(lic.public_license_id for lic in page)
            candidates += _compare_page(page, watermark=watermark)
        candidates += _missing(seen_ids, watermark=watermark)
        touched = {c.subscription_id for c in candidates if c.subscription_id is not None}
        ran = (open_before & touched) | _subscriptions_written_after(touched, watermark=watermark)
        candidates = _reread(candidates, eset, ran=ran)
    finally:
        if own_client:
            eset.close()

    client_of: dict[int, int] = {}
    touched_ids = sorted({c.subscription_id for c in candidates if c.subscription_id})
    for start in range(0, len(touched_ids), 1000):
        client_of.update(
            Subscription.objects.filter(pk__in=touched_ids[start : start + 1000]).values_list(
                "pk", "client_id"
            )
        )
    by_client: dict[int, list[_Candidate]] = defaultdict(list)
    for candidate in candidates:
        owner = client_of.get(candidate.subscription_id or 0, 0)  # 0: no subscription
        by_client[owner].append(candidate)
    clients = sorted(by_client)
    total = ReconcileResult(checked=checked, drifts=0, repaired=0, left=0)
    for start in range(0, len(clients), RECONCILE_CHUNK):
        group = [c for cid in clients[start : start + RECONCILE_CHUNK] for c in by_client[cid]]
        with transaction.atomic():
            done = _settle(group, day=day, at=at)
        total = ReconcileResult(
            checked=checked,
            drifts=total.drifts + done.drifts,
            repaired=total.repaired + done.repaired,
            left=total.left + done.left,
        )
    logger.info("licences_reconcile %s: %s", day, total)
    return total
