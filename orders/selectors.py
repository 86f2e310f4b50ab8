"""Reads of orders and subscriptions, scoped by the tenant the caller passes in."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Client

from .models import Subscription


def client_subscriptions(*, client: Client) -> QuerySet[Subscription]:
    return (
        Subscription.objects.filter(client=client)
        .select_related("reseller_plan__vendor_plan")
        .order_by("-created_at", "-id")
    )
