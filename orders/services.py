"""What people ask for (S5-S7, S11; DESIGN.md §2): orders and seat-change requests,
validated and recorded here and handed to billing, which owns the subscriptions they lead to."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditAction, AuditEvent, Client, Membership
from accounts.services import client_address_require
from billing.services import (
    ZERO,
    clients_available,
    clients_lock,
    order_quote,
    seat_increase_extra,
    subscription_cancel_pending,
    subscription_open,
)
from billing.services.lifecycle import seat_changes_move
from config.errors import Conflict, InsufficientFunds, NotFound, ValidationError
from config.formats import format_rub
from core.bounds import SEATS_DIGITS, seats_range_text
from core.clock import financial_day, next_sync_day, require_aware
from core.reasons import Reason
from core.transitions import transition
from plans.models import ResellerPlan

from .models import (
    ORDER_TRANSITIONS,
    Order,
    OrderStatus,
    SeatChange,
    SeatChangeStatus,
    Subscription,
    SubscriptionStatus,
)

__all__ = [
    "order_cancel",
    "order_confirm",
    "order_create",
    "order_drafts_purge",
    "order_quote",
    "orders_complete",
    "seat_change_cancel",
    "seat_change_request",
    "subscription_set_auto_renew",
]


def _audit(obj, action: str, *, at=None, by=None, client=None, before=None, after=None) -> None:
    """The audit trail of a person's request (accounts.audit)."""
    client = client or obj.client
    audit_record(
        action=action,
        reseller_id=client.reseller_id,
        client_id=client.pk,
        at=at,
        by=by,
        obj=obj,
        before=before,
        after=after,
    )


def _seats_clean(seats, *, reseller_plan: ResellerPlan, field: str = "seats") -> int:
    """S6: within the plan's limits of the Workplace resource; every refusal states them."""
    vendor = reseller_plan.vendor_plan
    refused = seats_range_text(vendor.min_seats, vendor.max_seats)
    if isinstance(seats, bool) or not isinstance(seats, int):
        text = seats.strip() if isinstance(seats, str) else ""
        if not (text.isascii() and text.isdigit() and len(text) <= SEATS_DIGITS):
            raise ValidationError(refused, field=field)
        seats = int(text)
    if seats < 1:
        raise ValidationError(refused, field=field)
    if not vendor.min_seats <= seats <= vendor.max_seats:
        # The plan's limits, not the request's form: a state conflict (409 in the API).
        raise Conflict(refused, field=field)
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


def _order_move(order: Order, *, source: str, target: str, fields=()) -> Order:
    return transition(
        [order], table=ORDER_TRANSITIONS, source=source, target=target, fields=fields
    )[0]


def order_confirm(*, order: Order, at: datetime, by=None) -> Subscription:
    """S7: the order becomes a subscription awaiting payment, handed to billing, which
    activates it at once when the available balance already covers its first period (§4.4)."""
    require_aware(at)
    day = financial_day(at)
    with transaction.atomic():
        clients_lock([order.client_id])
        current = Order.objects.select_related("reseller_plan__vendor_plan", "client").get(
            pk=order.pk
        )
        if current.status != OrderStatus.DRAFT:
            raise Conflict(_("Заказ уже подтверждён или отменён."), field="order")
        _plan_orderable(client=current.client, reseller_plan=current.reseller_plan, by=None)
        _seats_clean(current.seats, reseller_plan=current.reseller_plan)
        # Confirming may activate at once (§4.4): what ESET needs to issue the licence is
        # checked now, before any command is written.
        client_address_require(client=current.client)
        if current.reseller_plan.vendor_plan.eset_product_code is None:
            raise ValidationError(
                _("У тарифа не указан код продукта в ESET: его задаёт оператор."),
                field="eset_product_code",
            )
        current.confirmed_at, current.amount_due = at, order_quote(order=current, day=day)
        _order_move(
            current,
            source=OrderStatus.DRAFT,
            target=OrderStatus.CONFIRMED,
            fields=["confirmed_at", "amount_due"],
        )
        subscription = subscription_open(order=current, at=at)
        _audit(
            current,
            AuditAction.ORDER_CONFIRMED,
            at=at,
            by=by,
            after={"amount_due": current.amount_due},
        )
    order.refresh_from_db()
    return subscription


@transaction.atomic
def order_cancel(*, order: Order, at: datetime, by=None) -> Order:
    """A draft, or a confirmed order still awaiting payment, can be cancelled."""
    require_aware(at)
    clients_lock([order.client_id])
    order.refresh_from_db()
    if order.status not in (OrderStatus.DRAFT, OrderStatus.CONFIRMED):
        raise Conflict(_("Заказ уже выполнен или отменён."), field="order")
    if order.status == OrderStatus.CONFIRMED:
        subscription_cancel_pending(subscription=Subscription.objects.get(order=order), at=at)
    before = order.status
    _order_move(order, source=order.status, target=OrderStatus.CANCELLED)
    order.refresh_from_db()
    _audit(order, AuditAction.ORDER_CANCELLED, at=at, by=by, before={"status": before})
    return order


def orders_complete(*, subscription_ids: list[int], at: datetime) -> int:
    """The orders of subscriptions billing has just activated are completed, in billing's
    transaction (billing.services.subscriptions_activated, connected in orders.apps)."""
    orders = list(
        Order.objects.filter(
            subscription__pk__in=subscription_ids, status=OrderStatus.CONFIRMED
        ).order_by("pk")
    )
    for order in orders:
        order.completed_at = at
    transition(
        orders,
        table=ORDER_TRANSITIONS,
        source=OrderStatus.CONFIRMED,
        target=OrderStatus.COMPLETED,
        fields=["completed_at"],
    )
    return len(orders)


@transaction.atomic
def subscription_set_auto_renew(
    *, subscription: Subscription, auto_renew: bool, by=None
) -> Subscription:
    if not isinstance(auto_renew, bool):
        raise ValidationError(_("Укажите да или нет."), field="auto_renew")
    if subscription.status == SubscriptionStatus.CANCELLED:
        raise Conflict(_("Подписка отменена."), field="subscription")
    before = Subscription.objects.values_list("auto_renew", flat=True).get(pk=subscription.pk)
    Subscription.objects.filter(pk=subscription.pk).update(auto_renew=auto_renew)
    subscription.refresh_from_db()
    if before != auto_renew:
        _audit(
            subscription,
            AuditAction.AUTO_RENEW_CHANGED,
            by=by,
            before={"auto_renew": before},
            after={"auto_renew": auto_renew},
        )
    return subscription


# --------------------------------------------------------------------------- seat changes


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
            extra = seat_increase_extra(
                subscription=subscription, seats=seats, from_day=effective_on
            )
            if extra > available:
                raise InsufficientFunds(
                    _("Недостаточно средств: для увеличения нужно %(need)s, доступно %(have)s.")
                    % {"need": format_rub(extra), "have": format_rub(max(available, ZERO))},
                    field="seats",
                )
        seat_changes_move(
            list(
                SeatChange.objects.filter(
                    subscription=subscription, status=SeatChangeStatus.PENDING
                )
            ),
            target=SeatChangeStatus.CANCELLED,
            day=financial_day(at),
            reason=Reason.REPLACED,
        )
        try:
            with transaction.atomic():
                change = SeatChange.objects.create(
                    subscription=subscription,
                    seats=seats,
                    previous_seats=subscription.seats,
                    effective_on=effective_on,
                    requested_at=at,
                    requested_by=by,
                )
        except IntegrityError:  # a concurrent request won; the client lock makes it rare
            raise Conflict(_("Изменение уже запрошено, повторите."), field="seats") from None
        _audit(
            change,
            AuditAction.SEAT_CHANGE_REQUESTED,
            at=at,
            by=by,
            client=subscription.client,
            before={"seats": subscription.seats},
            after={"seats": seats, "effective_on": effective_on},
        )
        return change


@transaction.atomic
def seat_change_cancel(*, seat_change: SeatChange, at: datetime, by=None) -> SeatChange:
    require_aware(at)
    current = SeatChange.objects.filter(pk=seat_change.pk, status=SeatChangeStatus.PENDING).first()
    if current is None:
        raise Conflict(_("Изменение уже применено или отменено."), field="seat_change")
    seat_changes_move(
        [current],
        target=SeatChangeStatus.CANCELLED,
        day=financial_day(at),
        reason=Reason.CANCELLED_BY_USER,
    )
    seat_change.refresh_from_db()
    _audit(
        seat_change,
        AuditAction.SEAT_CHANGE_CANCELLED,
        at=at,
        by=by,
        client=seat_change.subscription.client,
        before={"status": SeatChangeStatus.PENDING},
        after={"status": SeatChangeStatus.CANCELLED},
    )
    return seat_change


# A draft nobody confirmed within this long is abandoned (issue 11): the nightly job
# removes it, so that order lists show what people still mean to buy.
DRAFT_LIFETIME = timedelta(days=30)
PURGE_BATCH = 2000


def _purgeable_drafts(*, before: datetime):
    drafts = Order.objects.filter(status=OrderStatus.DRAFT, created_at__lt=before)
    # Whatever refers to an order (a payment, a subscription, a document) keeps it.
    for relation in Order._meta.related_objects:
        drafts = drafts.filter(**{f"{relation.name}__isnull": True})
    return drafts


@transaction.atomic
def order_drafts_purge(*, at: datetime) -> int:
    """Deletes the draft orders created more than DRAFT_LIFETIME before `at`, each with a
    line in its tenant's audit trail (by the system). Set-based, batch by batch: the rows
    are locked (PostgreSQL; a draft being confirmed now is skipped and confirmed), their
    trail written in one insert, then deleted in one statement. Idempotent: a second run
    finds nothing. Returns how many were deleted."""
    require_aware(at)
    before = at - DRAFT_LIFETIME
    purged = 0
    while True:
        rows = list(
            _purgeable_drafts(before=before)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")
            .values_list("pk", "client_id", "client__reseller_id", "seats")[:PURGE_BATCH]
        )
        if not rows:
            return purged
        AuditEvent.objects.bulk_create(
            AuditEvent(
                reseller_id=reseller_id,
                client_id=client_id,
                actor=None,
                action=AuditAction.ORDER_DRAFT_PURGED,
                object_type="order",
                object_id=pk,
                before={"status": OrderStatus.DRAFT, "seats": seats},
                after={},
                at=at,
            )
            for pk, client_id, reseller_id, seats in rows
        )
        # Still a draft: the lock (or, on SQLite, the one writer) keeps it so until commit.
        deleted = Order.objects.filter(pk__in=[row[0] for row in rows], status=OrderStatus.DRAFT)
        purged += deleted._raw_delete(deleted.db)  # nothing cascades from an unreferenced draft
