"""Seat changes applied (§4.6, S11): the domain half of the 00:30 sync. orders records the
requests; billing applies them to the open charges and writes ESET's quantity change to
the outbox, or rejects them when an increase no longer has the funds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction

from config.db import bulk_set
from core.clock import nightly_moment
from core.money import ZERO
from core.reasons import Reason
from eset_gateway.models import CommandKind
from eset_gateway.outbox import CommandSpec, commands_enqueue
from notifications.models import NotificationKind
from notifications.services import NotificationSpec, notify
from orders.models import SeatChange, SeatChangeStatus, Subscription, SubscriptionStatus

from ..calendar import days_in_month, seat_days_after_change, seat_days_amount
from ..models import Charge, ChargeStatus
from .ledger import client_id_chunks, clients_available
from .lifecycle import both_sides_specs, seat_changes_move, subscription_payload


@dataclass(frozen=True)
class SeatDelta:
    """How a seat change from `from_day` moves each open charge and the reserved total."""

    charges: list[tuple[Charge, int, Decimal, Decimal]]  # charge, seat_days, amount, cost
    extra: Decimal  # Σ new amount − Σ old amount


def open_charges_from(subscription_ids: Sequence[int], from_day: date) -> dict[int, list[Charge]]:
    """The open charges that hold days on or after `from_day`, by subscription."""
    found: dict[int, list[Charge]] = defaultdict(list)
    for charge in (
        Charge.objects.filter(
            subscription_id__in=list(subscription_ids),
            status=ChargeStatus.OPEN,
            date_to__gte=from_day,
        )
        .select_related("period")
        .order_by("date_from")
    ):
        found[charge.subscription_id].append(charge)
    return found


def seat_delta(
    *, charges: list[Charge], old_seats: int, new_seats: int, from_day: date
) -> SeatDelta:
    """Recomputes open charges from `from_day` with the new count; days already passed and
    days in charges already closed keep the old count (§4.6)."""
    moved, extra = [], ZERO
    for charge in charges:
        seat_days = seat_days_after_change(
            date_from=charge.date_from,
            date_to=charge.date_to,
            seat_days=charge.seat_days,
            old_seats=old_seats,
            new_seats=new_seats,
            from_day=from_day,
        )
        dim = days_in_month(charge.date_from)
        amount = seat_days_amount(
            seat_days=seat_days, price=charge.period.seat_price, month_days=dim
        )
        cost = seat_days_amount(
            seat_days=seat_days, price=charge.period.purchase_price, month_days=dim
        )
        moved.append((charge, seat_days, amount, cost))
        extra += amount - charge.amount
    return SeatDelta(charges=moved, extra=extra)


def seat_increase_extra(*, subscription: Subscription, seats: int, from_day: date) -> Decimal:
    """What an increase to `seats` from `from_day` adds to the open charges (§4.6)."""
    return seat_delta(
        charges=open_charges_from([subscription.pk], from_day)[subscription.pk],
        old_seats=subscription.seats,
        new_seats=seats,
        from_day=from_day,
    ).extra


@dataclass(frozen=True)
class SeatChangeApplyResult:
    applied: int
    rejected: int


def seat_changes_apply_due(*, day: date) -> SeatChangeApplyResult:
    """Every pending change due by `day` is applied from `day` (open charges recomputed, the
    ESET quantity change written to the outbox) or rejected when the subscription is no
    longer active or an increase no longer has the funds. One transaction per chunk of
    clients, locked."""
    at = nightly_moment(day)
    applied = rejected = 0
    due = SeatChange.objects.filter(status=SeatChangeStatus.PENDING, effective_on__lte=day)
    for client_ids in client_id_chunks(due, "subscription__client_id"):
        with transaction.atomic():
            available = clients_available(client_ids)
            changes = list(
                due.filter(subscription__client_id__in=client_ids)
                .select_related(
                    "subscription__reseller_plan__vendor_plan",
                    "subscription__client__owner",
                    "subscription__client__reseller",
                )
                .order_by("subscription__client_id", "id")
            )
            open_charges = open_charges_from([c.subscription_id for c in changes], day)
            specs: list[NotificationSpec] = []
            commands: list[CommandSpec] = []
            done: list[SeatChange] = []
            refused: dict[str, list[SeatChange]] = defaultdict(list)
            charges: list[Charge] = []
            subs: list[Subscription] = []
            for change in changes:
                sub = change.subscription
                delta = None
                reason = ""
                if sub.status != SubscriptionStatus.ACTIVE:
                    reason = Reason.SUBSCRIPTION_NOT_ACTIVE
                else:
                    delta = seat_delta(
                        charges=open_charges[sub.pk],
                        old_seats=sub.seats,
                        new_seats=change.seats,
                        from_day=day,
                    )
                    if delta.extra > 0 and delta.extra > available[sub.client_id]:
                        reason = Reason.INSUFFICIENT_FUNDS
                if reason or delta is None:
                    refused[reason].append(change)
                    payload = subscription_payload(
                        sub,
                        seats=change.seats,
                        previous_seats=change.previous_seats,
                        reason=reason,
                        amount_due=(delta.extra - max(available[sub.client_id], ZERO))
                        if delta is not None
                        else "",
                    )
                    specs += both_sides_specs(
                        sub,
                        NotificationKind.SEAT_CHANGE_REJECTED,
                        f"seat_change_rejected:seatchange:{change.pk}",
                        payload,
                    )
                    rejected += 1
                    continue
                available[sub.client_id] -= delta.extra
                for charge, seat_days, amount, cost in delta.charges:
                    charge.seat_days, charge.amount, charge.cost = seat_days, amount, cost
                    charges.append(charge)
                sub.seats = change.seats
                subs.append(sub)
                done.append(change)
                # The owner hears of it (with the new key, S11) once ESET has changed it.
                commands.append(
                    CommandSpec(
                        subscription_id=sub.pk,
                        kind=CommandKind.CHANGE_QUANTITY,
                        key=f"change_quantity:seatchange:{change.pk}",
                        payload={
                            "quantity": change.seats,
                            "effective_on": day.isoformat(),
                            "previous_quantity": change.previous_seats,
                        },
                        seat_change_id=change.pk,
                    )
                )
                applied += 1
            seat_changes_move(done, target=SeatChangeStatus.APPLIED, day=day)
            for reason, group in refused.items():
                seat_changes_move(group, target=SeatChangeStatus.REJECTED, day=day, reason=reason)
            bulk_set(charges, ["seat_days", "amount", "cost"])
            bulk_set(subs, ["seats"])
            commands_enqueue(specs=commands, at=at)
            notify(specs=specs, at=at)
    return SeatChangeApplyResult(applied=applied, rejected=rejected)
