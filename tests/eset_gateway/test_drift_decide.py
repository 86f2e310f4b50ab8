"""The reconciliation's decision about one licence (eset_gateway.drift.drift_decide): a
pure function, tested without a database or ESET."""

from datetime import date

import pytest

from core.reasons import Reason
from eset_gateway.drift import Seen, drift_decide
from eset_gateway.models import CommandKind, CommandState, DriftAction, DriftKind

DAY = date(2026, 12, 15)
ACTIVE, SUSPENDED = "active", "suspended"


def decide(seen, *, known=True, platform=(5, ACTIVE), blocking=None, ran=False, sub=7):
    return drift_decide(
        seen=seen,
        known=known,
        platform=platform,
        subscription_id=sub,
        blocking_state=blocking,
        ran_after_read=ran,
        day=DAY,
    )


def lic(quantity=5, state=ACTIVE):
    return Seen("AAA-BBB-CCC", quantity, state, "KEY")


def test_agreement_is_no_drift():
    assert decide(lic()).kind is None


def test_a_quantity_drift_is_repaired_with_one_change():
    decision = decide(lic(quantity=8))
    assert (decision.kind, decision.action, decision.refresh) == (
        DriftKind.QUANTITY,
        DriftAction.REPAIRED,
        True,
    )
    [spec] = decision.repairs
    assert (spec.kind, spec.payload["quantity"], spec.payload["previous_quantity"]) == (
        CommandKind.CHANGE_QUANTITY,
        5,
        8,
    )
    assert spec.payload["reason"] == Reason.RECONCILE
    assert spec.key == "change_quantity:reconcile:AAA-BBB-CCC:2026-12-15"


def test_a_suspended_licence_of_an_active_subscription_is_resumed_before_its_quantity():
    decision = decide(lic(quantity=3, state=SUSPENDED))
    assert decision.kind == DriftKind.QUANTITY_STATE
    assert [s.kind for s in decision.repairs] == [CommandKind.RESUME, CommandKind.CHANGE_QUANTITY]


def test_an_active_licence_of_a_suspended_subscription_is_suspended_and_keeps_its_quantity():
    decision = decide(lic(quantity=9), platform=(5, SUSPENDED))
    assert [s.kind for s in decision.repairs] == [CommandKind.SUSPEND]


@pytest.mark.parametrize(
    ("blocking", "action"),
    [(CommandState.FAILED, DriftAction.COMMAND_FAILED), ("pending", DriftAction.COMMAND_OPEN)],
)
def test_a_licence_with_a_command_not_done_is_left_to_it(blocking, action):
    decision = decide(lic(quantity=8), blocking=blocking)
    assert (decision.kind, decision.action, decision.repairs, decision.refresh) == (
        DriftKind.QUANTITY,
        action,
        (),
        False,
    )


def test_a_command_written_after_the_listing_defers_to_the_next_night():
    decision = decide(lic(quantity=8), ran=True)
    assert (decision.action, decision.note, decision.repairs) == (
        DriftAction.COMMAND_OPEN,
        Reason.COMMAND_RAN_DURING_RECONCILE,
        (),
    )


def test_a_licence_missing_at_eset_is_the_operators():
    decision = decide(Seen("AAA-BBB-CCC", None, "", ""))
    assert (decision.kind, decision.action, decision.repairs) == (
        DriftKind.MISSING,
        DriftAction.MANUAL,
        (),
    )


@pytest.mark.parametrize(
    ("sub", "ran", "action"),
    [
        (None, False, DriftAction.MANUAL),
        (7, False, DriftAction.MANUAL),
        (7, True, DriftAction.COMMAND_OPEN),
    ],
)
def test_a_licence_the_platform_does_not_know_is_never_touched(sub, ran, action):
    decision = decide(lic(), known=False, platform=None, sub=sub, ran=ran)
    assert (decision.kind, decision.action, decision.repairs) == (DriftKind.UNKNOWN, action, ())


def test_nothing_to_send_while_the_state_agrees_and_eset_is_suspended():
    # A suspended subscription whose suspended licence lists another quantity: ESET keeps
    # the quantity of a suspended licence, nothing to change until it is resumed.
    decision = decide(lic(quantity=9, state=SUSPENDED), platform=(5, SUSPENDED))
    assert (decision.kind, decision.action, decision.repairs) == (
        DriftKind.QUANTITY,
        DriftAction.DEFERRED,
        (),
    )
