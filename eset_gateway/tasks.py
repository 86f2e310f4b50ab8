"""Celery tasks of the gateway: thin, idempotent, safe to run late, twice or concurrently."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from celery import shared_task
from django.utils import timezone

from config.celery import RECONCILE_TASK, USAGE_RECONCILE_TASK
from core.clock import MOSCOW

from .client import EsetRetryableError


@shared_task(name="eset_gateway.tasks.gateway_drain_task", acks_late=True, ignore_result=True)
def gateway_drain_task() -> dict:
    from .services import gateway_drain

    return asdict(gateway_drain(at=timezone.now()))


@shared_task(
    name=RECONCILE_TASK,
    acks_late=True,
    ignore_result=True,
    # ESET unreachable: nothing was written (a partial listing aborts the run); try again.
    autoretry_for=(EsetRetryableError,),
    retry_backoff=60,
    retry_backoff_max=900,
    max_retries=6,
)
def licences_reconcile_task(day_iso: str | None = None) -> dict:
    from .services import licences_reconcile

    day = date.fromisoformat(day_iso) if day_iso else timezone.localdate(timezone=MOSCOW)
    return asdict(licences_reconcile(day=day))


@shared_task(
    name=USAGE_RECONCILE_TASK,
    acks_late=True,
    ignore_result=True,
    # ESET unreachable: nothing was written (the report is read before any write).
    autoretry_for=(EsetRetryableError,),
    retry_backoff=60,
    retry_backoff_max=900,
    max_retries=6,
)
def usage_reconcile_task(month_iso: str | None = None) -> dict:
    """The seat-day reconciliation of `month_iso` (YYYY-MM-DD, its first day), by default
    of the month before today in Moscow."""
    from .usage import previous_month, usage_reconcile

    month = (
        date.fromisoformat(month_iso)
        if month_iso
        else previous_month(timezone.localdate(timezone=MOSCOW))
    )
    result = usage_reconcile(month=month)
    return {**asdict(result), "month": result.month.isoformat()}
