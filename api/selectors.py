"""Tenant-scoped reads the API needs and the panel and portal have no selector for yet
(whole-reseller lists of periods, charges and balances; a subscription's seat changes; a
reseller's plan by its own id; a user's tokens). Each filters by the tenant first, so that
another tenant's id is simply not found."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from accounts.models import Client, Reseller
from billing.models import Charge, ChargeStatus, Payment, ServicePeriod
from config.errors import NotFound
from orders.models import Order, SeatChange, Subscription
from plans.models import ResellerPlan

from .models import ApiToken

MONEY: DecimalField = DecimalField(max_digits=14, decimal_places=2)


def reseller_plan_get(*, reseller: Reseller, reseller_plan_id: int) -> ResellerPlan:
    """The reseller's own copy of a plan, in any status (order_create says why an inactive
    one cannot be ordered); another reseller's is not found."""
    plan = (
        ResellerPlan.objects.filter(reseller=reseller, pk=reseller_plan_id)
        .select_related("vendor_plan")
        .first()
    )
    if plan is None:
        raise NotFound(_("Тарифный план не найден."), field="reseller_plan")
    return plan


def reseller_periods(*, reseller: Reseller) -> QuerySet[ServicePeriod]:
    return ServicePeriod.objects.filter(subscription__client__reseller=reseller).order_by(
        "-starts_on", "-id"
    )


def client_periods(*, client: Client) -> QuerySet[ServicePeriod]:
    return ServicePeriod.objects.filter(subscription__client=client).order_by("-starts_on", "-id")


def reseller_charges(*, reseller: Reseller) -> QuerySet[Charge]:
    return (
        Charge.objects.filter(client__reseller=reseller)
        .select_related("subscription__reseller_plan__vendor_plan")
        .order_by("-date_from", "-id")
    )


def client_payment_get(*, client: Client, payment_id: int) -> Payment:
    payment = Payment.objects.filter(client=client, pk=payment_id).first()
    if payment is None:
        raise NotFound(_("Платёж не найден."), field="payment")
    return payment


def seat_change_list(*, subscription: Subscription) -> QuerySet[SeatChange]:
    """The seat changes of a subscription the caller already found through its tenant."""
    return SeatChange.objects.filter(subscription=subscription).order_by("-requested_at", "-id")


def _with_reserved(clients: QuerySet[Client]) -> QuerySet[Client]:
    """Each client with `reserved` (Σ open charges) and `available` = balance − reserved
    (§4.3), in one query whatever the number of clients; the same figures as
    billing.selectors.client_available_balance gives for one client."""
    open_total = (
        Charge.objects.filter(client=OuterRef("pk"), status=ChargeStatus.OPEN)
        .order_by()
        .values("client")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return clients.annotate(
        reserved=Coalesce(Subquery(open_total, output_field=MONEY), Value(Decimal("0.00")))
    ).annotate(available=F("balance") - F("reserved"))


def reseller_balances(*, reseller: Reseller) -> QuerySet[Client]:
    return _with_reserved(Client.objects.filter(reseller=reseller)).order_by("name", "id")


def reseller_balance_get(*, reseller: Reseller, client_id: int) -> Client:
    client = reseller_balances(reseller=reseller).filter(pk=client_id).first()
    if client is None:
        raise NotFound(_("Клиент не найден."), field="client")
    return client


def client_balance(*, client: Client) -> Client:
    return _with_reserved(Client.objects.filter(pk=client.pk)).get()


# --------------------------------------------------------------------------- tokens


def token_list(*, user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def token_get(*, user, token_id: int) -> ApiToken:
    """Someone else's token is not found."""
    token = token_list(user=user).filter(pk=token_id).first()
    if token is None:
        raise NotFound(_("Токен не найден."), field="token")
    return token


def token_for_key(*, key_hash: str) -> ApiToken | None:
    """The live token with this hash, with its user."""
    return (
        ApiToken.objects.select_related("user")
        .filter(key_hash=key_hash, revoked_at__isnull=True)
        .first()
    )


def client_orders(*, client: Client) -> QuerySet[Order]:
    """The client's own orders, newest first (the portal reaches them one by one)."""
    return (
        Order.objects.filter(client=client)
        .select_related("client", "reseller_plan__vendor_plan", "subscription")
        .order_by("-created_at", "-id")
    )
