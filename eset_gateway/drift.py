"""What to do about one licence the reconciliation compared (DESIGN.md §5): pure
functions of what ESET showed and what the platform knows; no database, no ESET."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.reasons import Reason

from .models import CommandKind, CommandState, DriftAction, DriftKind, EsetLicense
from .outbox import CommandSpec


@dataclass(frozen=True)
class Seen:
    """A licence as ESET showed it; quantity None: ESET does not have it."""

    public_license_id: str
    quantity: int | None
    state: str
    license_key: str


def platform_license_view(*, seats: int, status: str) -> tuple[int, str]:
    """The quantity and state ESET should show for a subscription: its seats, and active
    only while the subscription is active (suspension and cancellation stop the licence)."""
    state = EsetLicense.State.ACTIVE if status == "active" else EsetLicense.State.SUSPENDED
    return seats, state


def drift_kind(*, seen: Seen, quantity: int, state: str) -> str | None:
    if seen.quantity is None:
        return DriftKind.MISSING
    quantity_differs, state_differs = seen.quantity != quantity, seen.state != state
    if quantity_differs and state_differs:
        return DriftKind.QUANTITY_STATE
    if quantity_differs:
        return DriftKind.QUANTITY
    return DriftKind.STATE if state_differs else None


def repair_specs(
    *, subscription_id: int, seen: Seen, quantity: int, state: str, day: date
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
                    "reason": Reason.RECONCILE,
                },
            )
        )
    return specs


@dataclass(frozen=True)
class DriftDecision:
    """What to do about one licence: `kind` None means ESET and the platform agree."""

    kind: str | None
    action: str = ""
    note: str = ""  # a reason code (core.reasons)
    repairs: tuple[CommandSpec, ...] = ()
    refresh: bool = False  # store ESET's view as last read


def drift_decide(
    *,
    seen: Seen,
    known: bool,
    platform: tuple[int, str] | None,
    subscription_id: int | None,
    blocking_state: str | None,
    ran_after_read: bool,
    day: date,
) -> DriftDecision:
    """The decision about one licence ESET listed (or did not), from facts only.

    `known`: the platform has this licence; `platform`: the quantity and state ESET should
    show (None: no subscription); `blocking_state`: the state of a command of the
    subscription not done (a failed one first); `ran_after_read`: a command was written
    after ESET was read. A licence the platform does not know is never touched; one whose
    command is open or failed is left to it; a missing one is the operator's; the rest is
    repaired, state first."""
    in_flight = blocking_state is not None or ran_after_read
    if not known:
        # Being ordered right now, or for the operator to look into (never removed).
        action = DriftAction.COMMAND_OPEN if in_flight and subscription_id else DriftAction.MANUAL
        return DriftDecision(kind=DriftKind.UNKNOWN, action=action)
    assert platform is not None and subscription_id is not None
    quantity, state = platform
    kind = drift_kind(seen=seen, quantity=quantity, state=state)
    if kind is None:
        return DriftDecision(kind=None)
    if blocking_state is not None:
        failed = blocking_state == CommandState.FAILED
        action = DriftAction.COMMAND_FAILED if failed else DriftAction.COMMAND_OPEN
        return DriftDecision(kind=kind, action=action)
    if ran_after_read:
        # A command ran after ESET was read: the next night reads its result.
        return DriftDecision(
            kind=kind,
            action=DriftAction.COMMAND_OPEN,
            note=Reason.COMMAND_RAN_DURING_RECONCILE,
        )
    if kind == DriftKind.MISSING:
        return DriftDecision(kind=kind, action=DriftAction.MANUAL)
    specs = repair_specs(
        subscription_id=subscription_id, seen=seen, quantity=quantity, state=state, day=day
    )
    return DriftDecision(
        kind=kind,
        action=DriftAction.REPAIRED if specs else DriftAction.DEFERRED,
        repairs=tuple(specs),
        refresh=True,
    )
