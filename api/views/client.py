"""The client scope, /api/v1/client/: what the portal does (DESIGN.md §8), through the same
client-scoped selectors and services. A client sees selling prices, never purchase prices."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from billing.models import Charge, Payment
from billing.selectors import client_charges, client_payments
from notifications.models import Notification
from notifications.selectors import client_notification_get, client_notification_list
from orders import services as order_services
from orders.models import Order, Subscription
from orders.selectors import (
    SubscriptionDetail,
    client_order_get,
    client_subscription_detail,
    client_subscription_get,
    client_subscriptions,
    portal_plan_get,
    portal_plans,
)
from plans.models import ResellerPlan

from .. import filters as f
from .. import serializers as s
from ..errors import READ, error_responses
from ..idempotency import IDEMPOTENCY_PARAMETER, idempotent
from ..selectors import client_balance, client_orders, client_payment_get
from ..tenancy import request_tenant
from .base import ClientViewSet
from .docs import IDEMPOTENT, SEAT_CHANGE, cancel_docs, detailed, listed, written
from .shared import NotificationActions, OrderActions, SeatChangeActions, SubscriptionActions


@extend_schema(tags=["client: plans"])
@extend_schema_view(
    list=listed(s.PublishedPlanSerializer, "Plans the reseller published for ordering (S5)"),
    retrieve=detailed(s.PublishedPlanSerializer, "A published plan"),
)
class PlanViewSet(ClientViewSet):
    queryset = ResellerPlan.objects.none()
    serializer_class = s.PublishedPlanSerializer
    filterset_class = f.PublishedPlanFilter

    def list(self, request: Request) -> Response:
        return self.list_response(portal_plans(client=self.client), s.PublishedPlanSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        plan = portal_plan_get(client=self.client, plan_id=self.object_id())
        return self.respond(s.PublishedPlanSerializer, plan)


@extend_schema(tags=["client: orders"])
@extend_schema_view(
    list=listed(s.OrderSerializer, "The client's orders"),
    create=written(
        s.OrderDetailSerializer,
        "Order a published plan (S5-S6)",
        request=s.ClientOrderCreateSerializer,
        status=201,
        parameters=[IDEMPOTENCY_PARAMETER],
        description="A draft order; `seats` defaults to the plan's minimum (S6). " + IDEMPOTENT,
    ),
    retrieve=detailed(s.OrderDetailSerializer, "An order"),
    confirm=written(s.OrderDetailSerializer, "Confirm an order (S7)"),
    cancel=written(s.OrderDetailSerializer, "Cancel an order"),
)
class OrderViewSet(ClientViewSet, OrderActions):
    filterset_class = f.ClientOrderFilter

    def scoped_orders(self) -> QuerySet[Order]:
        return client_orders(client=self.client)

    def scoped_order(self, order_id: int) -> Order:
        return client_order_get(client=self.client, order_id=order_id)

    def create(self, request: Request) -> Response:
        def work() -> Response:
            data = self.parse(s.ClientOrderCreateSerializer)
            plan = portal_plan_get(client=self.client, plan_id=data["reseller_plan"])
            order = order_services.order_create(
                client=self.client,
                reseller_plan=plan,
                seats=data.get("seats"),
                by=request.user,
                source=Order.Source.API,
            )
            return self.order_response(order.pk, status=201)

        return idempotent(request, work)


@extend_schema(tags=["client: subscriptions"])
@extend_schema_view(
    list=listed(s.SubscriptionSerializer, "The client's subscriptions"),
    retrieve=detailed(
        s.ClientSubscriptionDetailSerializer,
        "A subscription with its periods, pending seat change and ESET licence",
    ),
    cancel_seat_change=written(s.SeatChangeSerializer, "Cancel the pending seat change"),
    auto_renew=written(
        s.SubscriptionSerializer, "Turn auto-renewal on or off", request=s.AutoRenewSerializer
    ),
    **cancel_docs(s),
)
class SubscriptionViewSet(ClientViewSet, SubscriptionActions):
    filterset_class = f.ClientSubscriptionFilter
    detail_serializer = s.ClientSubscriptionDetailSerializer

    def scoped_subscriptions(self) -> QuerySet[Subscription]:
        # The serializer names the client: one join instead of a query per row.
        return client_subscriptions(client=self.client).select_related("client")

    def scoped_subscription(self, subscription_id: int) -> Subscription:
        return client_subscription_get(client=self.client, subscription_id=subscription_id)

    def scoped_detail(self, subscription_id: int) -> SubscriptionDetail:
        return client_subscription_detail(client=self.client, subscription_id=subscription_id)


@extend_schema(tags=["client: subscriptions"])
@extend_schema_view(
    list=listed(s.SeatChangeSerializer, "A subscription's seat changes", nested=True),
    create=written(
        s.SeatChangeSerializer,
        "Request a seat change (S11)",
        request=s.SeatChangeRequestSerializer,
        status=201,
        parameters=[IDEMPOTENCY_PARAMETER],
        description=SEAT_CHANGE + IDEMPOTENT,
    ),
)
class SeatChangeViewSet(ClientViewSet, SeatChangeActions):
    def scoped_subscription(self, subscription_id: int) -> Subscription:
        return client_subscription_get(client=self.client, subscription_id=subscription_id)


@extend_schema(
    tags=["client: balance"],
    summary="The client's balance (§4.3)",
    responses={200: s.BalanceSerializer, **error_responses(*READ)},
)
class BalanceView(GenericAPIView):
    """`available` = `balance` − `reserved` (the open charges it must still cover)."""

    permission_classes = ClientViewSet.permission_classes
    serializer_class = s.BalanceSerializer
    pagination_class = None
    filter_backends: list = []

    def get(self, request: Request) -> Response:
        tenant = request_tenant(request)
        assert tenant is not None and tenant.client is not None
        return Response(s.BalanceSerializer(client_balance(client=tenant.client)).data)


@extend_schema(tags=["client: balance"])
@extend_schema_view(list=listed(s.ClientChargeSerializer, "The client's charges (§4.2)"))
class ChargeViewSet(ClientViewSet):
    queryset = Charge.objects.none()
    serializer_class = s.ClientChargeSerializer
    filterset_class = f.ClientChargeFilter

    def list(self, request: Request) -> Response:
        return self.list_response(client_charges(client=self.client), s.ClientChargeSerializer)


@extend_schema(tags=["client: balance"])
@extend_schema_view(
    list=listed(s.PaymentSerializer, "The client's payments"),
    retrieve=detailed(s.PaymentSerializer, "A payment"),
)
class PaymentViewSet(ClientViewSet):
    queryset = Payment.objects.none()
    serializer_class = s.PaymentSerializer
    filterset_class = f.ClientPaymentFilter

    def list(self, request: Request) -> Response:
        payments = client_payments(client=self.client).select_related("client")
        return self.list_response(payments, s.PaymentSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        payment = client_payment_get(client=self.client, payment_id=self.object_id())
        return self.respond(s.PaymentSerializer, payment)


@extend_schema(tags=["client: notifications"])
@extend_schema_view(
    list=listed(s.NotificationSerializer, "The client's notification journal (S9)"),
    retrieve=detailed(s.NotificationSerializer, "A notification"),
    read=written(s.NotificationSerializer, "Mark a notification read"),
)
class NotificationViewSet(ClientViewSet, NotificationActions):
    filterset_class = f.ClientNotificationFilter

    def scoped_notifications(self) -> QuerySet[Notification]:
        return client_notification_list(client=self.client)

    def scoped_notification(self, notification_id: int) -> Notification:
        return client_notification_get(client=self.client, notification_id=notification_id)
