"""Orders, subscriptions and seat changes (S5-S7, S11; DESIGN.md §4.4, §4.6)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Client, Membership
from billing.calendar import days_in_month, seat_days_after_change, seat_days_amount
from billing.models import Charge, ChargeStatus
from billing.services import (
    ZERO,
    both_sides_specs,
    client_id_chunks,
    client_serve_waiting,
    clients_available,
    clients_lock,
    period_quote,
    subscription_event,
    subscription_payload,
)
from billing.time import financial_day, moscow_moment, next_sync_day, require_aware
from config.db import bulk_set
from config.errors import Conflict, InsufficientFunds, NotFound, ValidationError
from config.formats import format_rub
from eset_gateway.models import CommandKind
from eset_gateway.outbox import CommandSpec, commands_enqueue
from notifications.models import NotificationKind
from notifications.services import notify
from plans.models import ResellerPlan

from .models import (
    Order,
    OrderStatus,
    SeatChange,
    SeatChangeStatus,
    Subscription,
    SubscriptionEvent,
    SubscriptionStatus,
)


def _seats_clean(seats, *, reseller_plan: ResellerPlan, field: str = "seats") -> int:
    """S6: within the plan's limits of the Workplace resource."""
    if isinstance(seats, bool) or not isinstance(seats, int):
        if isinstance(seats, str) and seats.strip().isascii() and seats.strip().isdigit():
            seats = int(seats.strip())
        else:
            raise ValidationError(_("Число рабочих мест должно быть целым числом."), field=field)
    vendor = reseller_plan.vendor_plan
    if seats < 1:
        raise ValidationError(
            _("Число рабочих мест должно быть от %(min)s до %(max)s.")
            % {"min": vendor.min_seats, "max": vendor.max_seats},
            field=field,
        )
    if not vendor.min_seats <= seats <= vendor.max_seats:
        # The plan's limits, not the request's form: a state conflict (409 in the API).
        raise Conflict(
            _("Число рабочих мест должно быть от %(min)s до %(max)s.")
            % {"min": vendor.min_seats, "max": vendor.max_seats},
            field=field,
        )
    return seats


def _plan_orderable(*, client: Client, reseller_plan: ResellerPlan, by) -> str:
    """Checks the plan can be ordered for the client and returns the order's source."""
    if reseller_plan.reseller_id != client.reseller_id:
        # Another reseller's plan: not found, its existence stays hidden.
        raise NotFound(_("Тарифный план не найден."), field="reseller_plan")
    if reseller_plan.status != ResellerPlan.Status.ACTIVE:
        raise Conflict(_("Тарифный план не активирован."), field="reseller_plan")
    if not reseller_plan.vendor_plan.is_available:
        raise Conflict(_("Тарифный план недоступен в каталоге."), field="reseller_plan")
    membership = Membership.objects.filter(user=by).first() if by is not None else None
    if membership is not None and membership.client_id is not None:
        if membership.client_id != client.pk:
            raise NotFound(_("Клиент не найден."), field="client")
        if not reseller_plan.is_published:  # S5: clients order published plans only
            raise Conflict(_("Тарифный план не опубликован."), field="reseller_plan")
        return Order.Source.PORTAL
    if membership is not None and membership.reseller_id not in (None, client.reseller_id):
        raise NotFound(_("Клиент не найден."), field="client")
    return Order.Source.PANEL


@transaction.atomic
def order_create(
    *,
    client: Client,
    reseller_plan: ResellerPlan,
    seats: int | None = None,
    by=None,
    at: datetime | None = None,
    source: str | None = None,
) -> Order:
    """S5-S6: a draft order with the plan's minimum seats unless more are asked for.
    `source` records the face it came through (the API says so); by default the panel or
    the portal, from who `by` is."""
    derived = _plan_orderable(client=client, reseller_plan=reseller_plan, by=by)
    if source is None:
        source = derived
    elif source not in Order.Source.values:
        raise ValidationError(_("Неизвестный источник заказа."), field="source")
    if seats is None:
        seats = reseller_plan.vendor_plan.min_seats
    seats = _seats_clean(seats, reseller_plan=reseller_plan)
    order = Order(
        client=client, reseller_plan=reseller_plan, seats=seats, source=source, created_by=by
    )
    if at is not None:
        order.created_at = require_aware(at)
    order.save()
    return order


def order_quote(*, order: Order, day: date) -> Decimal:
    """S7: what activating the order would take if it started on `day`."""
    return period_quote(reseller_plan=order.reseller_plan, seats=order.seats, starts_on=day).total


def order_confirm(*, order: Order, at: datetime) -> Subscription:
    """S7: the order becomes a subscription awaiting payment; it activates at once when
    the client's available balance already covers its first period (§4.4)."""
    require_aware(at)
    day = financial_day(at)
    with transaction.atomic():
        clients_lock([order.client_id])
        current = Order.objects.select_related("reseller_plan__vendor_plan", "client").get(
            pk=order.pk
        )
        _plan_orderable(client=current.client, reseller_plan=current.reseller_plan, by=None)
        _seats_clean(current.seats, reseller_plan=current.reseller_plan)
        amount_due = order_quote(order=current, day=day)
        if not Order.objects.filter(pk=order.pk, status=OrderStatus.DRAFT).update(
            status=OrderStatus.CONFIRMED, confirmed_at=at, amount_due=amount_due
        ):
            raise Conflict(_("Заказ уже подтверждён или отменён."), field="order")
        subscription = Subscription.objects.create(
            order=current,
            client=current.client,
            reseller_plan=current.reseller_plan,
            seats=current.seats,
            created_at=at,
        )
        SubscriptionEvent.objects.create(
            subscription=subscription,
            to_status=SubscriptionStatus.PENDING_PAYMENT,
            day=day,
            reason="заказ подтверждён",
        )
        client_serve_waiting(client=current.client, at=at)
    subscription.refresh_from_db()
    order.refresh_from_db()
    return subscription


@transaction.atomic
def order_cancel(*, order: Order, at: datetime) -> Order:
    """A draft, or a confirmed order still awaiting payment, can be cancelled."""
    require_aware(at)
    clients_lock([order.client_id])
    order.refresh_from_db()
    if order.status == OrderStatus.DRAFT:
        Order.objects.filter(pk=order.pk, status=OrderStatus.DRAFT).update(
            status=OrderStatus.CANCELLED
        )
    elif order.status == OrderStatus.CONFIRMED:
        sub = Subscription.objects.get(order=order)
        if not Subscription.objects.filter(
            pk=sub.pk, status=SubscriptionStatus.PENDING_PAYMENT
        ).update(status=SubscriptionStatus.CANCELLED, cancelled_on=financial_day(at)):
            raise Conflict(_("Подписка уже активна: заказ нельзя отменить."), field="order")
        Order.objects.filter(pk=order.pk).update(status=OrderStatus.CANCELLED)
        subscription_event(
            sub,
            SubscriptionStatus.PENDING_PAYMENT,
            SubscriptionStatus.CANCELLED,
            financial_day(at),
            "заказ отменён",
        ).save()
    else:
        raise Conflict(_("Заказ уже выполнен или отменён."), field="order")
    order.refresh_from_db()
    return order


@transaction.atomic
def subscription_set_auto_renew(*, subscription: Subscription, auto_renew: bool) -> Subscription:
    if not isinstance(auto_renew, bool):
        raise ValidationError(_("Укажите да или нет."), field="auto_renew")
    if subscription.status == SubscriptionStatus.CANCELLED:
        raise Conflict(_("Подписка отменена."), field="subscription")
    Subscription.objects.filter(pk=subscription.pk).update(auto_renew=auto_renew)
    subscription.refresh_from_db()
    return subscription


# --------------------------------------------------------------------------- seat changes


@dataclass(frozen=True)
class SeatDelta:
    """How a seat change from `from_day` moves each open charge and the reserved total."""

    charges: list[tuple[Charge, int, Decimal, Decimal]]  # charge, seat_days, amount, cost
    extra: Decimal  # Σ new amount − Σ old amount


def _open_charges_from(subscription_ids: list[int], from_day: date) -> dict[int, list[Charge]]:
    """The open charges that hold days on or after `from_day`, by subscription."""
    found: dict[int, list[Charge]] = defaultdict(list)
    for charge in (
        Charge.objects.filter(
            subscription_id__in=subscription_ids, status=ChargeStatus.OPEN, date_to__gte=from_day
        )
        .select_related("period")
        .order_by("date_from")
    ):
        found[charge.subscription_id].append(charge)
    return found


def _seat_delta(
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


def seat_change_request(
    *, subscription: Subscription, seats: int, at: datetime, by=None
) -> SeatChange:
    """S11: a new seat count, applied at the next 00:30 Moscow-time sync. A newer request
    replaces a pending one. An increase needs the available balance for the rest of the
    period, checked now and again when applied."""
    require_aware(at)
    effective_on = next_sync_day(at)
    with transaction.atomic():
        available = clients_available([subscription.client_id])[subscription.client_id]
        subscription = Subscription.objects.select_related("reseller_plan__vendor_plan").get(
            pk=subscription.pk
        )
        if subscription.status != SubscriptionStatus.ACTIVE:
            raise Conflict(
                _("Изменить число мест можно только у активной подписки."), field="subscription"
            )
        seats = _seats_clean(seats, reseller_plan=subscription.reseller_plan)
        if seats == subscription.seats:
            raise Conflict(
                _("У подписки уже %(seats)s рабочих мест.") % {"seats": seats}, field="seats"
            )
        if seats > subscription.seats:
            extra = _seat_delta(
                charges=_open_charges_from([subscription.pk], effective_on)[subscription.pk],
                old_seats=subscription.seats,
                new_seats=seats,
                from_day=effective_on,
            ).extra
            if extra > available:
                raise InsufficientFunds(
                    _("Недостаточно средств: для увеличения нужно %(need)s, доступно %(have)s.")
                    % {"need": format_rub(extra), "have": format_rub(max(available, ZERO))},
                    field="seats",
                )
        SeatChange.objects.filter(
            subscription=subscription, status=SeatChangeStatus.PENDING
        ).update(
            status=SeatChangeStatus.CANCELLED,
            decided_on=financial_day(at),
            reason="заменено новым запросом",
        )
        try:
            with transaction.atomic():
                return SeatChange.objects.create(
                    subscription=subscription,
                    seats=seats,
                    previous_seats=subscription.seats,
                    effective_on=effective_on,
                    requested_at=at,
                    requested_by=by,
                )
        except IntegrityError:  # a concurrent request won; the client lock makes it rare
            raise Conflict(_("Изменение уже запрошено, повторите."), field="seats") from None


@transaction.atomic
def seat_change_cancel(*, seat_change: SeatChange, at: datetime) -> SeatChange:
    require_aware(at)
    if not SeatChange.objects.filter(pk=seat_change.pk, status=SeatChangeStatus.PENDING).update(
        status=SeatChangeStatus.CANCELLED,
        decided_on=financial_day(at),
        reason="отменено пользователем",
    ):
        raise Conflict(_("Изменение уже применено или отменено."), field="seat_change")
    seat_change.refresh_from_db()
    return seat_change


@dataclass(frozen=True)
class SeatChangeApplyResult:
    applied: int
    rejected: int


def seat_changes_apply_due(*, day: date) -> SeatChangeApplyResult:
    """The domain half of the 00:30 sync for `day` (§4.6): every pending change due by
    `day` is applied from `day` (open charges recomputed, the ESET quantity change written
    to the outbox) or rejected when an increase no longer has the funds."""
    at = moscow_moment(day, 0, 30)
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
            open_charges = _open_charges_from([c.subscription_id for c in changes], day)
            specs, commands, updates, charges, subs = [], [], [], [], []
            for change in changes:
                sub = change.subscription
                reason = ""
                delta = None
                if sub.status != SubscriptionStatus.ACTIVE:
                    reason = "подписка не активна"
                else:
                    delta = _seat_delta(
                        charges=open_charges[sub.pk],
                        old_seats=sub.seats,
                        new_seats=change.seats,
                        from_day=day,
                    )
                    if delta.extra > 0 and delta.extra > available[sub.client_id]:
                        reason = "недостаточно средств на балансе"
                if reason or delta is None:
                    change.status, change.reason, change.decided_on = (
                        SeatChangeStatus.REJECTED,
                        reason,
                        day,
                    )
                    updates.append(change)
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
                change.status, change.decided_on = SeatChangeStatus.APPLIED, day
                updates.append(change)
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
            bulk_set(updates, ["status", "reason", "decided_on"])
            bulk_set(charges, ["seat_days", "amount", "cost"])
            bulk_set(subs, ["seats"])
            commands_enqueue(specs=commands, at=at)
            notify(specs=specs, at=at)
    return SeatChangeApplyResult(applied=applied, rejected=rejected)
