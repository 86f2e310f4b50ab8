"""Reads of the gateway for the other faces: what a subscription's page says of its licence,
and the operator's health line (DESIGN.md §8, issue 10 items 8 and 9), a reseller's
seat-day differences (item 7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Min, QuerySet

from accounts.models import Reseller

from .models import (
    CommandKind,
    CommandState,
    GatewayCommand,
    GatewayDelayAlert,
    UsageDifference,
)

OPEN_STATES = (CommandState.PENDING, CommandState.RUNNING)


def license_waits_on_eset(*, subscription_id: int) -> bool:
    """Whether the subscription's licence order has failed at ESET and waits to be retried
    (ESET down or refusing for a while): its page then says so instead of "after payment"."""
    return (
        GatewayCommand.objects.filter(
            subscription_id=subscription_id,
            kind=CommandKind.CREATE,
            state__in=OPEN_STATES,
            attempts__gt=0,
        )
        .exclude(last_error="")
        .exists()
    )


@dataclass(frozen=True)
class GatewayHealth:
    last_success_at: datetime | None
    queue_length: int
    waiting_on_errors: int
    oldest_pending_id: int | None
    oldest_pending_at: datetime | None
    failed: int
    open_alert_since: datetime | None


def gateway_health() -> GatewayHealth:
    """The operator's front page line: when ESET last carried out a command, how many wait
    (and since when), how many failed for good, and the open delay alert, if any. A fixed
    number of queries, on the indexes the drain uses."""
    queue = GatewayCommand.objects.filter(state__in=OPEN_STATES).aggregate(
        n=Count("id"), oldest=Min("id")
    )
    oldest = None
    if queue["oldest"] is not None:
        oldest = (
            GatewayCommand.objects.filter(pk=queue["oldest"])
            .values_list("created_at", flat=True)
            .first()
        )
    waiting_on_errors = (
        GatewayCommand.objects.filter(state__in=OPEN_STATES, attempts__gt=0)
        .exclude(last_error="")
        .count()
    )
    last = GatewayCommand.objects.filter(state=CommandState.DONE).aggregate(at=Max("done_at"))
    alert = (
        GatewayDelayAlert.objects.filter(
            resolved_at__isnull=True, scope=GatewayDelayAlert.OPERATOR_SCOPE
        )
        .values_list("waiting_since", flat=True)
        .first()
    )
    return GatewayHealth(
        last_success_at=last["at"],
        queue_length=queue["n"],
        waiting_on_errors=waiting_on_errors,
        oldest_pending_id=queue["oldest"],
        oldest_pending_at=oldest,
        failed=GatewayCommand.objects.filter(state=CommandState.FAILED).count(),
        open_alert_since=alert,
    )


def usage_difference_list(*, reseller: Reseller) -> QuerySet[UsageDifference]:
    """The reseller's seat-day differences with ESET, newest month first (tenant-scoped)."""
    return (
        UsageDifference.objects.filter(reseller=reseller)
        .select_related("client")
        .order_by("-month", "client__name", "product_code", "id")
    )
