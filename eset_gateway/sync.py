"""The gateway's half of the 00:30 sync (§4.6, §6): billing hands over `apply`, a callable
that applies the seat changes due and writes their quantity commands; the gateway runs it
and sends every due command to ESET. The gateway imports no service of billing: what to
apply is billing's, how to send it is ours (DESIGN.md §2)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection

from .client import EsetClient
from .drain import DrainResult, Stop, gateway_drain

# How often the sync looks for commands the applying thread has committed meanwhile.
OVERLAP_POLL_SECONDS = 0.2


@dataclass(frozen=True)
class SyncResult:
    applied: int
    rejected: int
    commands_done: int
    commands_retried: int
    commands_failed: int


def sync_run(
    *,
    at: datetime,
    apply: Callable[[], tuple[int, int]],
    eset: EsetClient | None = None,
) -> SyncResult:
    """Runs `apply` (→ applied, rejected), then drains every command due at `at`.

    Against ESET over HTTP on PostgreSQL the two overlap: `apply` runs in a thread of its
    own, a transaction per chunk of clients, and each chunk's commands go to ESET as soon as
    it commits, while the next chunks are applied. The sync then takes about as long as ESET
    needs, not that plus the applying."""
    own_client = eset is None
    if eset is None:
        eset = EsetClient()
    try:
        if _may_overlap(eset):
            (applied, rejected), drained = _apply_while_draining(apply=apply, at=at, eset=eset)
        else:
            applied, rejected = apply()
            drained = _drain(at=at, eset=eset, final=True)
    finally:
        if own_client:
            eset.close()
    return SyncResult(
        applied=applied,
        rejected=rejected,
        commands_done=drained.done,
        commands_retried=drained.retried,
        commands_failed=drained.failed,
    )


def _drain(*, at: datetime, eset: EsetClient, final: bool = False) -> DrainResult:
    """The sync's drains have no time limit (the night's changes go at once), but share the
    lock with beat's: the last one waits for a beat drain in progress, then takes what is
    left. ESET down stops them like any drain: beat's drains carry on from there."""
    wait = settings.ESET_DRAIN_SECONDS + 30 if final else 0.0
    return gateway_drain(at=at, eset=eset, unlimited=True, wait_for_lock=wait)


def _may_overlap(eset: EsetClient) -> bool:
    # The in-process mock shares the caller's connection (and a test's transaction), and
    # SQLite takes one writer at a time: there, one thing after the other.
    return (
        not eset.in_process and settings.ESET_CONCURRENCY > 1 and connection.vendor == "postgresql"
    )


def _apply_while_draining(
    *, apply: Callable[[], Any], at: datetime, eset: EsetClient
) -> tuple[Any, DrainResult]:
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
            if drained.stopped != Stop.ESET_DOWN:
                drained.add(_drain(at=at, eset=eset))
            worker.join(OVERLAP_POLL_SECONDS)
    finally:
        worker.join()
    if "error" in outcome:
        raise outcome["error"]
    if drained.stopped != Stop.ESET_DOWN:
        drained.add(_drain(at=at, eset=eset, final=True))
    return outcome["applied"], drained
