"""Reads of money, scoped by the tenant the caller passes in."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet, Sum

from accounts.models import Client

from .models import Charge, ChargeStatus, Payment
from .services import money


def client_reserved(*, client: Client) -> Decimal:
    """Σ open charges: what the balance already has to cover (§4.3)."""
    total = Charge.objects.filter(client=client, status=ChargeStatus.OPEN).aggregate(
        total=Sum("amount")
    )["total"]
    return money(total)


def client_available_balance(*, client: Client) -> Decimal:
    """balance − Σ open charges (§4.3), as of the client row the caller holds."""
    return client.balance - client_reserved(client=client)


def client_payments(*, client: Client) -> QuerySet[Payment]:
    return Payment.objects.filter(client=client).order_by("-paid_at", "-id")


def client_charges(*, client: Client) -> QuerySet[Charge]:
    return (
        Charge.objects.filter(client=client)
        .select_related("subscription__reseller_plan__vendor_plan")
        .order_by("-date_from", "-id")
    )
