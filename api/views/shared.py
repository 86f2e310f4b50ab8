"""Actions the reseller and the client scopes share (as the panel and the portal share
orders.views' submit helpers): each scope says how it finds its rows (a tenant-scoped
selector) and these do the rest through the domain services."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import Action, require
from billing import services as billing_services
from billing.services.cancellation import CANCELLABLE
from config.errors import Conflict
from core.clock import financial_day
from notifications.models import Notification
from notifications.services import notification_mark_read
from orders import services as order_services
from orders.models import (
    Order,
    OrderStatus,
    SeatChange,
    SeatChangeStatus,
    Subscription,
)
from orders.selectors import SubscriptionDetail, order_payment_status

from .. import serializers as s
from ..filters import SeatChangeFilter
from ..idempotency import idempotent
from ..selectors import seat_change_list
from .base import ApiViewSet, now, today


class OrderActions(ApiViewSet):
    queryset = Order.objects.none()  # the model, for the schema; rows come from selectors
    serializer_class = s.OrderSerializer
    role_actions = dict.fromkeys(("create", "confirm", "cancel"), Action.ORDERS_MANAGE)

    def scoped_orders(self) -> QuerySet[Order]:
        raise NotImplementedError

    def scoped_order(self, order_id: int) -> Order:
        raise NotImplementedError

    def order_response(self, order_id: int, *, status: int = 200) -> Response:
        order = self.scoped_order(order_id)
        context: dict[str, Any] = {}
        if order.status == OrderStatus.DRAFT:
            # S7: what the first period takes if the order is confirmed today.
            context["quote_total"] = order_services.order_quote(order=order, day=today())
        payment_status = order_payment_status(order=order, day=today())
        if payment_status is not None:
            context["still_due"] = payment_status.still_due
        return self.respond(s.OrderDetailSerializer, order, status=status, **context)

    def list(self, request: Request) -> Response:
        return self.list_response(self.scoped_orders(), s.OrderSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.order_response(self.object_id())

    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str) -> Response:
        order = self.scoped_order(self.object_id())
        order_services.order_confirm(order=order, at=now(), by=request.user)
        return self.order_response(order.pk)

    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        order = self.scoped_order(self.object_id())
        order_services.order_cancel(order=order, at=now(), by=request.user)
        return self.order_response(order.pk)


class SubscriptionActions(ApiViewSet):
    queryset = Subscription.objects.none()
    serializer_class = s.SubscriptionSerializer
    detail_serializer: type[s.SubscriptionDetailSerializer] = s.SubscriptionDetailSerializer
    role_actions = dict.fromkeys(("cancel_seat_change", "auto_renew"), Action.SUBSCRIPTIONS_MANAGE)

    def scoped_subscriptions(self) -> QuerySet[Subscription]:
        raise NotImplementedError

    def scoped_subscription(self, subscription_id: int) -> Subscription:
        raise NotImplementedError

    def scoped_detail(self, subscription_id: int) -> SubscriptionDetail:
        raise NotImplementedError

    def list(self, request: Request) -> Response:
        return self.list_response(self.scoped_subscriptions(), s.SubscriptionSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        detail = self.scoped_detail(self.object_id())
        subscription = detail.subscription
        subscription.api_periods = [row.period for row in detail.periods]  # type: ignore[attr-defined]
        subscription.api_pending_seat_change = detail.pending_change  # type: ignore[attr-defined]
        subscription.api_license = detail.license  # type: ignore[attr-defined]
        return self.respond(self.detail_serializer, subscription)

    @action(detail=True, methods=["post"], url_path="cancel-seat-change")
    def cancel_seat_change(self, request: Request, pk: str) -> Response:
        subscription = self.scoped_subscription(self.object_id())
        pending: SeatChange | None = (
            seat_change_list(subscription=subscription)
            .filter(status=SeatChangeStatus.PENDING)
            .first()
        )
        if pending is None:
            raise Conflict(_("Нет ожидающего изменения числа мест."), field="seat_change")
        change = order_services.seat_change_cancel(seat_change=pending, at=now(), by=request.user)
        return self.respond(s.SeatChangeSerializer, change)

    @action(detail=True, methods=["put"], url_path="auto-renew")
    def auto_renew(self, request: Request, pk: str) -> Response:
        subscription = self.scoped_subscription(self.object_id())
        value = self.parse(s.AutoRenewSerializer)["auto_renew"]
        subscription = order_services.subscription_set_auto_renew(
            subscription=subscription, auto_renew=value, by=request.user
        )
        return self.respond(s.SubscriptionSerializer, self.scoped_subscription(subscription.pk))

    @action(detail=True, methods=["get"], url_path="cancel-quote")
    def cancel_quote(self, request: Request, pk: str) -> Response:
        subscription = self.scoped_subscription(self.object_id())
        if subscription.status not in CANCELLABLE:
            raise Conflict(
                _("Отменить можно только активную или приостановленную подписку."),
                field="subscription",
            )
        quote = billing_services.cancel_quote(subscription=subscription, day=today())
        return self.respond(s.CancelQuoteSerializer, quote)

    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        subscription = self.scoped_subscription(self.object_id())
        require(request.user, Action.SUBSCRIPTIONS_CANCEL)

        def work() -> Response:
            at = now()
            quote = billing_services.cancel_quote(subscription=subscription, day=financial_day(at))
            billing_services.subscription_cancel(subscription=subscription, at=at, by=request.user)
            cancelled = self.scoped_subscription(subscription.pk)
            cancelled.freed = quote.freed  # type: ignore[attr-defined]
            return self.respond(s.CancelledSerializer, cancelled)

        return idempotent(request, work)


class SeatChangeActions(ApiViewSet):
    """A subscription's seat changes (S11), under /subscriptions/{subscription_pk}/."""

    queryset = SeatChange.objects.none()
    serializer_class = s.SeatChangeSerializer
    filterset_class = SeatChangeFilter
    role_actions = {"create": Action.SUBSCRIPTIONS_MANAGE}

    def scoped_subscription(self, subscription_id: int) -> Subscription:
        raise NotImplementedError

    def subscription(self) -> Subscription:
        return self.scoped_subscription(int(self.kwargs["subscription_pk"]))

    def list(self, request: Request, subscription_pk: str) -> Response:
        changes = seat_change_list(subscription=self.subscription())
        return self.list_response(changes, s.SeatChangeSerializer)

    def create(self, request: Request, subscription_pk: str) -> Response:
        subscription = self.subscription()

        def work() -> Response:
            seats = self.parse(s.SeatChangeRequestSerializer)["seats"]
            change = order_services.seat_change_request(
                subscription=subscription, seats=seats, at=now(), by=request.user
            )
            return self.respond(s.SeatChangeSerializer, change, status=201)

        return idempotent(request, work)


class NotificationActions(ApiViewSet):
    queryset = Notification.objects.none()
    serializer_class = s.NotificationSerializer

    def scoped_notifications(self) -> QuerySet[Notification]:
        raise NotImplementedError

    def scoped_notification(self, notification_id: int) -> Notification:
        raise NotImplementedError

    def list(self, request: Request) -> Response:
        return self.list_response(self.scoped_notifications(), s.NotificationSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.respond(s.NotificationSerializer, self.scoped_notification(self.object_id()))

    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        notification = self.scoped_notification(self.object_id())
        notification_mark_read(notification=notification, at=now())
        return self.respond(s.NotificationSerializer, notification)
