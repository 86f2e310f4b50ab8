"""Writing ESET commands into the outbox, inside the caller's domain transaction (§5)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from config.db import bulk_insert

from .models import CommandKind, CommandState, GatewayCommand


@dataclass(frozen=True)
class CommandSpec:
    subscription_id: int
    kind: str
    key: str
    payload: dict = field(default_factory=dict)
    seat_change_id: int | None = None


# Executed right after commit; quantity changes wait for the 00:30 sync instead (§5).
IMMEDIATE_KINDS = {CommandKind.CREATE, CommandKind.SUSPEND, CommandKind.RESUME}


def commands_enqueue(*, specs: Sequence[CommandSpec], at: datetime) -> None:
    """Writes the commands not written before (the key is unique), due at `at`."""
    if not specs:
        return
    # Plain rows, not model objects: the 00:30 sync writes one per seat change.
    bulk_insert(
        GatewayCommand,
        COMMAND_FIELDS,
        [
            (
                s.subscription_id,
                s.kind,
                s.key,
                s.payload,
                s.seat_change_id,
                CommandState.PENDING,
                0,
                at,
                None,
                "",
                {},
                at,
                None,
            )
            for s in specs
        ],
        ignore_conflicts=True,
    )
    if any(s.kind in IMMEDIATE_KINDS for s in specs):
        transaction.on_commit(_schedule_drain)


COMMAND_FIELDS = (
    "subscription",
    "kind",
    "key",
    "payload",
    "seat_change",
    "state",
    "attempts",
    "next_attempt_at",
    "locked_until",
    "last_error",
    "result",
    "created_at",
    "done_at",
)


def _schedule_drain() -> None:
    from config.broker import send_or_leave_to_beat

    from .tasks import gateway_drain_task

    send_or_leave_to_beat(gateway_drain_task)
