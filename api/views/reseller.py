"""The reseller scope, /api/v1/reseller/: what the panel does (DESIGN.md §8, S1-S11),
through the same selectors and services."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Client
from accounts.permissions import Action, require
from accounts.selectors import client_get, client_list
from accounts.services import client_create, client_update
from billing.models import Charge, Payment, ServicePeriod
from billing.selectors import payment_get, payment_list
from billing.services import (
    balance_adjust,
    payment_register_outcome,
    payment_reverse,
    refund_register,
)
from config.errors import Conflict, NotFound
from notifications.models import Notification
from notifications.selectors import notification_get, notification_list
from orders import services as order_services
from orders.models import Order, Subscription
from orders.selectors import (
    SubscriptionDetail,
    order_get,
    order_list,
    subscription_detail,
    subscription_get,
    subscription_list,
)
from plans import services as plan_services
from plans.models import ResellerPlan, VendorPlan
from plans.selectors import plan_catalogue, plan_get

from .. import filters as f
from .. import serializers as s
from ..idempotency import IDEMPOTENCY_PARAMETER, idempotent
from ..selectors import (
    reseller_balance_get,
    reseller_balances,
    reseller_charges,
    reseller_periods,
    reseller_plan_get,
)
from .base import ResellerViewSet, now
from .docs import IDEMPOTENT, SEAT_CHANGE, cancel_docs, detailed, listed, written
from .shared import NotificationActions, OrderActions, SeatChangeActions, SubscriptionActions

# --------------------------------------------------------------------------- plans

PLAN_ACTION = "Returns the plan as the reseller now sees it."


@extend_schema(tags=["reseller: plans"])
@extend_schema_view(
    list=listed(s.CataloguePlanSerializer, "The ESET catalogue with this reseller's plans (S1)"),
    retrieve=detailed(s.CataloguePlanSerializer, "A catalogue plan (S1-S4)"),
    activate=written(s.CataloguePlanSerializer, "Activate a plan (S2)", description=PLAN_ACTION),
    deactivate=written(
        s.CataloguePlanSerializer,
        "Deactivate a plan",
        description="Stops new orders (running subscriptions keep it) and unpublishes it. "
        + PLAN_ACTION,
    ),
    publish=written(
        s.CataloguePlanSerializer,
        "Publish a plan in the client portal (S5)",
        description="Only an active plan can be published (409 otherwise). " + PLAN_ACTION,
    ),
    unpublish=written(s.CataloguePlanSerializer, "Unpublish a plan", description=PLAN_ACTION),
    seat_price=written(
        s.CataloguePlanSerializer,
        "Set the seat price per month (S4)",
        request=s.SeatPriceSerializer,
        description="Applies to service periods formed from now on. A price below the "
        "purchase price, or 0, is refused with a 409 `seat_price_below_cost` naming "
        "`seat_price` and nothing is written, unless `confirm_loss` is true. " + PLAN_ACTION,
    ),
)
class PlanViewSet(ResellerViewSet):
    """Plans are addressed by their catalogue id (`id`), as in the panel; orders name the
    reseller's copy (`reseller_plan`)."""

    queryset = VendorPlan.objects.none()
    serializer_class = s.CataloguePlanSerializer
    filterset_class = f.CataloguePlanFilter
    role_actions = dict.fromkeys(
        ("activate", "deactivate", "publish", "unpublish", "seat_price"), Action.PLANS_MANAGE
    )

    def catalogue(self) -> QuerySet[VendorPlan]:
        return plan_catalogue(reseller=self.reseller)

    def row(self, vendor_plan_id: int) -> Response:
        plan = self.catalogue().filter(pk=vendor_plan_id).first()
        if plan is None:
            raise NotFound(_("Тарифный план не найден."), field="vendor_plan")
        return self.respond(s.CataloguePlanSerializer, plan)

    def reseller_plan(self, *, activated: bool) -> ResellerPlan | None:
        view = plan_get(reseller=self.reseller, vendor_plan_id=self.object_id())
        if view.reseller_plan is None and activated:
            raise Conflict(_("Сначала активируйте тарифный план."), field="vendor_plan")
        return view.reseller_plan

    def list(self, request: Request) -> Response:
        return self.list_response(self.catalogue(), s.CataloguePlanSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.row(self.object_id())

    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str) -> Response:
        view = plan_get(reseller=self.reseller, vendor_plan_id=self.object_id())
        plan_services.reseller_plan_activate(
            reseller=self.reseller, vendor_plan=view.vendor_plan, by=request.user
        )
        return self.row(view.vendor_plan.pk)

    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str) -> Response:
        # A plan never activated is already inactive: nothing to do, as for a second call.
        plan = self.reseller_plan(activated=False)
        if plan is not None:
            plan_services.reseller_plan_deactivate(reseller_plan=plan, by=request.user)
        return self.row(self.object_id())

    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        plan = self.reseller_plan(activated=True)
        assert plan is not None
        plan_services.reseller_plan_publish(reseller_plan=plan, by=request.user)
        return self.row(self.object_id())

    @action(detail=True, methods=["post"])
    def unpublish(self, request: Request, pk: str) -> Response:
        plan = self.reseller_plan(activated=False)
        if plan is not None:
            plan_services.reseller_plan_unpublish(reseller_plan=plan, by=request.user)
        return self.row(self.object_id())

    @action(detail=True, methods=["put"], url_path="seat-price")
    def seat_price(self, request: Request, pk: str) -> Response:
        plan = self.reseller_plan(activated=True)
        assert plan is not None
        data = self.parse(s.SeatPriceSerializer)
        plan_services.reseller_plan_set_seat_price(
            reseller_plan=plan,
            seat_price=data["seat_price"],
            by=request.user,
            confirm_loss=data["confirm_loss"],
        )
        return self.row(self.object_id())


# --------------------------------------------------------------------------- clients


@extend_schema(tags=["reseller: clients"])
@extend_schema_view(
    list=listed(s.ClientSerializer, "The reseller's clients"),
    create=written(
        s.ClientSerializer,
        "Create a client",
        request=s.ClientCreateSerializer,
        status=201,
        description="The client's owner (who receives activation data, S9) is a new user "
        "whose login is the client's e-mail.",
    ),
    retrieve=detailed(s.ClientSerializer, "A client"),
    partial_update=written(
        s.ClientSerializer,
        "Change a client's name or INN",
        request=s.ClientUpdateSerializer,
        description="The e-mail is the owner's login and cannot be changed here.",
    ),
    refund=written(
        s.CorrectionSerializer,
        "Register a refund: money paid back to the client (§4.8)",
        request=s.RefundRequestSerializer,
        status=201,
        parameters=[IDEMPOTENCY_PARAMETER],
        description="One `refund` ledger entry of −amount. At most the available balance "
        "(balance − open charges): beyond it a 409 `insufficient_funds` naming `amount`. "
        "Accountants and admins only (403 otherwise). " + IDEMPOTENT,
    ),
    adjust=written(
        s.CorrectionSerializer,
        "Adjust a client's balance with a reason (§4.8)",
        request=s.AdjustmentRequestSerializer,
        status=201,
        parameters=[IDEMPOTENCY_PARAMETER],
        description="A signed `adjustment` ledger entry; a negative one at most the "
        "available balance (409 `insufficient_funds` beyond it). Accountants and admins "
        "only (403 otherwise). " + IDEMPOTENT,
    ),
)
class ClientViewSet(ResellerViewSet):
    queryset = Client.objects.none()
    serializer_class = s.ClientSerializer
    filterset_class = f.ClientFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    role_actions = dict.fromkeys(("create", "partial_update"), Action.CLIENTS_MANAGE)

    def list(self, request: Request) -> Response:
        return self.list_response(client_list(reseller=self.reseller), s.ClientSerializer)

    def create(self, request: Request) -> Response:
        data = self.parse(s.ClientCreateSerializer)
        client = client_create(reseller=self.reseller, **data, by=request.user, at=now())
        return self.respond(s.ClientSerializer, client, status=201)

    def retrieve(self, request: Request, pk: str) -> Response:
        client = client_get(reseller=self.reseller, client_id=self.object_id())
        return self.respond(s.ClientSerializer, client)

    def partial_update(self, request: Request, pk: str) -> Response:
        client = client_get(reseller=self.reseller, client_id=self.object_id())
        data = self.parse(s.ClientUpdateSerializer, partial=True)
        return self.respond(
            s.ClientSerializer, client_update(client=client, **data, by=request.user)
        )

    @action(detail=True, methods=["post"])
    def refund(self, request: Request, pk: str) -> Response:
        client = client_get(reseller=self.reseller, client_id=self.object_id())
        require(request.user, Action.CORRECTIONS)

        def work() -> Response:
            data = self.parse(s.RefundRequestSerializer)
            entry = refund_register(
                client=client,
                amount=data["amount"],
                reference=data["reference"],
                at=now(),
                by=request.user,
            )
            return self.respond(s.CorrectionSerializer, entry, status=201)

        return idempotent(request, work)

    @action(detail=True, methods=["post"])
    def adjust(self, request: Request, pk: str) -> Response:
        client = client_get(reseller=self.reseller, client_id=self.object_id())
        require(request.user, Action.CORRECTIONS)

        def work() -> Response:
            data = self.parse(s.AdjustmentRequestSerializer)
            entry = balance_adjust(
                client=client,
                amount=data["amount"],
                reason=data["reason"],
                at=now(),
                by=request.user,
            )
            return self.respond(s.CorrectionSerializer, entry, status=201)

        return idempotent(request, work)


@extend_schema(tags=["reseller: balances"])
@extend_schema_view(
    list=listed(s.BalanceSerializer, "Every client's balance (§4.3)"),
    retrieve=detailed(s.BalanceSerializer, "A client's balance (§4.3)"),
)
class BalanceViewSet(ResellerViewSet):
    """Balances are addressed by the client's id."""

    queryset = Client.objects.none()
    serializer_class = s.BalanceSerializer
    filterset_class = f.BalanceFilter

    def list(self, request: Request) -> Response:
        return self.list_response(reseller_balances(reseller=self.reseller), s.BalanceSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        client = reseller_balance_get(reseller=self.reseller, client_id=self.object_id())
        return self.respond(s.BalanceSerializer, client)


# --------------------------------------------------------------------------- orders


@extend_schema(tags=["reseller: orders"])
@extend_schema_view(
    list=listed(s.OrderSerializer, "The reseller's orders"),
    create=written(
        s.OrderDetailSerializer,
        "Order a plan for a client (S5-S6)",
        request=s.OrderCreateSerializer,
        status=201,
        parameters=[IDEMPOTENCY_PARAMETER],
        description="A draft order; `seats` defaults to the plan's minimum (S6). " + IDEMPOTENT,
    ),
    retrieve=detailed(s.OrderDetailSerializer, "An order"),
    confirm=written(
        s.OrderDetailSerializer,
        "Confirm an order (S7)",
        description="Creates the subscription awaiting payment; it activates at once when the "
        "client's available balance covers its first period.",
    ),
    cancel=written(
        s.OrderDetailSerializer,
        "Cancel an order",
        description="A draft, or a confirmed order still awaiting payment.",
    ),
)
class OrderViewSet(ResellerViewSet, OrderActions):
    filterset_class = f.OrderFilter

    def scoped_orders(self) -> QuerySet[Order]:
        return order_list(reseller=self.reseller)

    def scoped_order(self, order_id: int) -> Order:
        return order_get(reseller=self.reseller, order_id=order_id)

    def create(self, request: Request) -> Response:
        def work() -> Response:
            data = self.parse(s.OrderCreateSerializer)
            client = client_get(reseller=self.reseller, client_id=data["client"])
            plan = reseller_plan_get(reseller=self.reseller, reseller_plan_id=data["reseller_plan"])
            order = order_services.order_create(
                client=client,
                reseller_plan=plan,
                seats=data.get("seats"),
                by=request.user,
                source=Order.Source.API,
            )
            return self.order_response(order.pk, status=201)

        return idempotent(request, work)


# --------------------------------------------------------------------------- subscriptions


@extend_schema(tags=["reseller: subscriptions"])
@extend_schema_view(
    list=listed(s.SubscriptionSerializer, "The reseller's subscriptions"),
    retrieve=detailed(
        s.SubscriptionDetailSerializer,
        "A subscription with its periods, pending seat change and ESET licence",
    ),
    cancel_seat_change=written(
        s.SeatChangeSerializer,
        "Cancel the pending seat change",
        description="409 when no change is pending.",
    ),
    auto_renew=written(
        s.SubscriptionSerializer, "Turn auto-renewal on or off (S7)", request=s.AutoRenewSerializer
    ),
    **cancel_docs(s),
)
class SubscriptionViewSet(ResellerViewSet, SubscriptionActions):
    filterset_class = f.SubscriptionFilter

    def scoped_subscriptions(self) -> QuerySet[Subscription]:
        return subscription_list(reseller=self.reseller)

    def scoped_subscription(self, subscription_id: int) -> Subscription:
        return subscription_get(reseller=self.reseller, subscription_id=subscription_id)

    def scoped_detail(self, subscription_id: int) -> SubscriptionDetail:
        return subscription_detail(reseller=self.reseller, subscription_id=subscription_id)


@extend_schema(tags=["reseller: subscriptions"])
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
class SeatChangeViewSet(ResellerViewSet, SeatChangeActions):
    def scoped_subscription(self, subscription_id: int) -> Subscription:
        return subscription_get(reseller=self.reseller, subscription_id=subscription_id)


# --------------------------------------------------------------------------- money


@extend_schema(tags=["reseller: payments"])
@extend_schema_view(
    list=listed(s.PaymentSerializer, "The reseller's clients' payments"),
    create=written(
        s.PaymentCreatedSerializer,
        "Register a payment for a client (S8)",
        request=s.PaymentCreateSerializer,
        status=201,
        parameters=[IDEMPOTENCY_PARAMETER],
        description="The balance grows at once; what waits for money is then served "
        "(`activated`, `resumed`). " + IDEMPOTENT,
    ),
    retrieve=detailed(s.PaymentSerializer, "A payment"),
    reverse=written(
        s.CorrectionSerializer,
        "Reverse a payment entered by mistake (§4.8)",
        request=s.ReversalRequestSerializer,
        status=201,
        parameters=[IDEMPOTENCY_PARAMETER],
        description="One `reversal` ledger entry of −amount linked to the payment. A payment "
        "is reversed once (409 `conflict` naming `payment`); refused while its money is "
        "reserved for service (409 `insufficient_funds` naming `amount`). Accountants and "
        "admins only (403 otherwise). " + IDEMPOTENT,
    ),
)
class PaymentViewSet(ResellerViewSet):
    queryset = Payment.objects.none()
    serializer_class = s.PaymentSerializer
    filterset_class = f.PaymentFilter
    role_actions = {"create": Action.PAYMENTS_REGISTER}

    def list(self, request: Request) -> Response:
        return self.list_response(payment_list(reseller=self.reseller), s.PaymentSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        payment = payment_get(reseller=self.reseller, payment_id=self.object_id())
        return self.respond(s.PaymentSerializer, payment)

    def create(self, request: Request) -> Response:
        def work() -> Response:
            data = self.parse(s.PaymentCreateSerializer)
            client = client_get(reseller=self.reseller, client_id=data["client"])
            order = (
                order_get(reseller=self.reseller, order_id=data["order"])
                if data["order"] is not None
                else None
            )
            outcome = payment_register_outcome(
                client=client,
                amount=data["amount"],
                at=now(),
                order=order,
                by=request.user,
                method=data["method"],
                reference=data["reference"],
            )
            payment = payment_get(reseller=self.reseller, payment_id=outcome.payment.pk)
            payment.activated = list(outcome.activated)  # type: ignore[attr-defined]
            payment.resumed = list(outcome.resumed)  # type: ignore[attr-defined]
            return self.respond(s.PaymentCreatedSerializer, payment, status=201)

        return idempotent(request, work)

    @action(detail=True, methods=["post"])
    def reverse(self, request: Request, pk: str) -> Response:
        payment = payment_get(reseller=self.reseller, payment_id=self.object_id())
        require(request.user, Action.CORRECTIONS)

        def work() -> Response:
            reason = self.parse(s.ReversalRequestSerializer)["reason"]
            entry = payment_reverse(payment=payment, reason=reason, at=now(), by=request.user)
            return self.respond(s.CorrectionSerializer, entry, status=201)

        return idempotent(request, work)


@extend_schema(tags=["reseller: periods and charges"])
@extend_schema_view(list=listed(s.PeriodSerializer, "Service periods (§4.1)"))
class PeriodViewSet(ResellerViewSet):
    queryset = ServicePeriod.objects.none()
    serializer_class = s.PeriodSerializer
    filterset_class = f.PeriodFilter

    def list(self, request: Request) -> Response:
        return self.list_response(reseller_periods(reseller=self.reseller), s.PeriodSerializer)


@extend_schema(tags=["reseller: periods and charges"])
@extend_schema_view(
    list=listed(
        s.ChargeSerializer,
        "Charges (§4.2-4.3)",
        description="`amount` is the client's price, `cost` the purchase price: the "
        "difference is the reseller's margin.",
    )
)
class ChargeViewSet(ResellerViewSet):
    queryset = Charge.objects.none()
    serializer_class = s.ChargeSerializer
    filterset_class = f.ChargeFilter

    def list(self, request: Request) -> Response:
        return self.list_response(reseller_charges(reseller=self.reseller), s.ChargeSerializer)


# --------------------------------------------------------------------------- journal


@extend_schema(tags=["reseller: notifications"])
@extend_schema_view(
    list=listed(s.NotificationSerializer, "The notification journal (S9)"),
    retrieve=detailed(s.NotificationSerializer, "A notification"),
    read=written(s.NotificationSerializer, "Mark a notification read"),
)
class NotificationViewSet(ResellerViewSet, NotificationActions):
    filterset_class = f.NotificationFilter

    def scoped_notifications(self) -> QuerySet[Notification]:
        return notification_list(reseller=self.reseller)

    def scoped_notification(self, notification_id: int) -> Notification:
        return notification_get(reseller=self.reseller, notification_id=notification_id)


__all__ = [
    "BalanceViewSet",
    "ChargeViewSet",
    "ClientViewSet",
    "NotificationViewSet",
    "OrderViewSet",
    "PaymentViewSet",
    "PeriodViewSet",
    "PlanViewSet",
    "SeatChangeViewSet",
    "SubscriptionViewSet",
]
