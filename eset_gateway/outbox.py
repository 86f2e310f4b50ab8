"""Writing ESET commands into the outbox, inside the caller's domain transaction (§5)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from .models import CommandKind, GatewayCommand


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
    GatewayCommand.objects.bulk_create(
        [
            GatewayCommand(
                subscription_id=s.subscription_id,
                kind=s.kind,
                key=s.key,
                payload=s.payload,
                seat_change_id=s.seat_change_id,
                next_attempt_at=at,
                created_at=at,
            )
            for s in specs
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    if any(s.kind in IMMEDIATE_KINDS for s in specs):
        transaction.on_commit(_schedule_drain)


def _schedule_drain() -> None:
    from .tasks import gateway_drain_task

    gateway_drain_task.delay()
