"""DESIGN.md §11: statuses move only through core.transitions, checked against the table
next to the statuses, by compare-and-set, with their event rows."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.reasons import Reason
from core.transitions import TransitionRefused, transition, transition_check
from orders.models import (
    ORDER_TRANSITIONS,
    SEAT_CHANGE_TRANSITIONS,
    SUBSCRIPTION_TRANSITIONS,
    Order,
    OrderStatus,
    SeatChange,
    SeatChangeStatus,
    Subscription,
    SubscriptionEvent,
    SubscriptionStatus,
)
from tests.factories import ClientFactory, ResellerPlanFactory, msk

ROOT = Path(__file__).resolve().parents[2]
TABLES = {
    "order": (OrderStatus, ORDER_TRANSITIONS),
    "subscription": (SubscriptionStatus, SUBSCRIPTION_TRANSITIONS),
    "seat_change": (SeatChangeStatus, SEAT_CHANGE_TRANSITIONS),
}


def forbidden_moves():
    for name, (statuses, table) in TABLES.items():
        for source in statuses.values:
            for target in statuses.values:
                if target not in table[source]:
                    yield pytest.param(name, source, target, id=f"{name}:{source}->{target}")


def allowed_moves():
    for name, (_statuses, table) in TABLES.items():
        for source, targets in table.items():
            for target in sorted(targets):
                yield pytest.param(name, source, target, id=f"{name}:{source}->{target}")


def test_every_status_has_a_row_in_its_table():
    for statuses, table in TABLES.values():
        assert set(table) == set(statuses.values)
        assert all(targets <= set(statuses.values) for targets in table.values())


@pytest.mark.parametrize(("name", "source", "target"), list(forbidden_moves()))
def test_a_forbidden_move_is_refused(name, source, target):
    with pytest.raises(TransitionRefused):
        transition_check(table=TABLES[name][1], source=source, target=target)


@pytest.mark.parametrize(("name", "source", "target"), list(allowed_moves()))
def test_an_allowed_move_passes_the_check(name, source, target):
    transition_check(table=TABLES[name][1], source=source, target=target)


# --------------------------------------------------------------------------- on rows


def _rows(status_of_subscription: str, order_status: str = OrderStatus.CONFIRMED):
    plan = ResellerPlanFactory()
    client = ClientFactory(reseller=plan.reseller)
    order = Order.objects.create(client=client, reseller_plan=plan, seats=5, status=order_status)
    sub = Subscription.objects.create(
        order=order,
        client=client,
        reseller_plan=plan,
        seats=5,
        status=status_of_subscription,
        created_at=msk(2026, 12, 1),
    )
    return order, sub


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("source", "target"),
    [
        (s, t)
        for s in SubscriptionStatus.values
        for t in SubscriptionStatus.values
        if t not in SUBSCRIPTION_TRANSITIONS[s]
    ],
)
def test_a_forbidden_subscription_move_writes_nothing(source, target):
    _, sub = _rows(source)
    with pytest.raises(TransitionRefused):
        transition(
            [sub],
            table=SUBSCRIPTION_TRANSITIONS,
            source=source,
            target=target,
            events=lambda s: SubscriptionEvent(
                subscription_id=s.pk, from_status=source, to_status=target, day=msk(2026, 12, 1)
            ),
        )
    sub.refresh_from_db()
    assert sub.status == source
    assert not SubscriptionEvent.objects.exists()


@pytest.mark.django_db
def test_a_move_from_a_stale_status_is_refused_and_writes_nothing():
    """Compare-and-set: the caller saw `active`, the row is `cancelled` by now."""
    _, sub = _rows(SubscriptionStatus.CANCELLED)
    stale = Subscription.objects.get(pk=sub.pk)
    with pytest.raises(TransitionRefused):
        transition(
            [stale],
            table=SUBSCRIPTION_TRANSITIONS,
            source=SubscriptionStatus.ACTIVE,
            target=SubscriptionStatus.SUSPENDED,
            fields=["suspended_on"],
        )
    sub.refresh_from_db()
    assert (sub.status, sub.suspended_on) == (SubscriptionStatus.CANCELLED, None)


@pytest.mark.django_db
def test_an_allowed_move_writes_the_fields_and_one_event_each():
    _, first = _rows(SubscriptionStatus.ACTIVE)
    _, second = _rows(SubscriptionStatus.ACTIVE)
    day = msk(2026, 12, 31).date()
    for sub in (first, second):
        sub.suspended_on = day
    transition(
        [first, second],
        table=SUBSCRIPTION_TRANSITIONS,
        source=SubscriptionStatus.ACTIVE,
        target=SubscriptionStatus.SUSPENDED,
        fields=["suspended_on"],
        events=lambda s: SubscriptionEvent(
            subscription_id=s.pk,
            from_status=SubscriptionStatus.ACTIVE,
            to_status=SubscriptionStatus.SUSPENDED,
            day=day,
            reason=Reason.RENEWAL_UNPAID,
        ),
    )
    rows = set(Subscription.objects.values_list("status", "suspended_on"))
    assert rows == {(SubscriptionStatus.SUSPENDED, day)}
    assert SubscriptionEvent.objects.filter(reason=Reason.RENEWAL_UNPAID).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("source", "target"),
    [
        (s, t)
        for s in SeatChangeStatus.values
        for t in SeatChangeStatus.values
        if t not in SEAT_CHANGE_TRANSITIONS[s]
    ],
)
def test_a_forbidden_seat_change_move_writes_nothing(source, target):
    _, sub = _rows(SubscriptionStatus.ACTIVE)
    change = SeatChange.objects.create(
        subscription=sub,
        seats=6,
        previous_seats=5,
        effective_on=msk(2026, 12, 2).date(),
        status=source,
        requested_at=msk(2026, 12, 1),
    )
    with pytest.raises(TransitionRefused):
        transition([change], table=SEAT_CHANGE_TRANSITIONS, source=source, target=target)
    change.refresh_from_db()
    assert change.status == source


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("source", "target"),
    [
        (s, t)
        for s in OrderStatus.values
        for t in OrderStatus.values
        if t not in ORDER_TRANSITIONS[s]
    ],
)
def test_a_forbidden_order_move_writes_nothing(source, target):
    order, _ = _rows(SubscriptionStatus.PENDING_PAYMENT, order_status=source)
    with pytest.raises(TransitionRefused):
        transition([order], table=ORDER_TRANSITIONS, source=source, target=target)
    order.refresh_from_db()
    assert order.status == source


# --------------------------------------------------------------------------- nobody else


STATUS_MODELS = {"Order", "Subscription", "SeatChange"}


def _status_writes(path: Path) -> list[str]:
    """`.update(status=…)` on the three machines' querysets, or a bulk_set of "status"."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        source = ast.unparse(node.func.value)
        updates_status = node.func.attr == "update" and any(
            k.arg == "status" for k in node.keywords
        )
        if updates_status and any(f"{model}.objects" in source for model in STATUS_MODELS):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "bulk_set":
            fields = node.args[1] if len(node.args) > 1 else None
            if fields is not None and "'status'" in ast.unparse(fields):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_nothing_but_the_transition_function_writes_these_statuses():
    apps = ["accounts", "plans", "orders", "billing", "eset_gateway", "notifications", "api"]
    writes = [
        hit
        for app in apps
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and "mock" not in path.parts
        for hit in _status_writes(path)
    ]
    assert writes == []
