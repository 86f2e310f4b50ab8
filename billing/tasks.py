from dataclasses import asdict
from datetime import date

from celery import chain, shared_task
from django.db import DatabaseError, IntegrityError
from django.utils import timezone

from config.celery import (
    BILLING_RUN_TASK,
    ESET_SYNC_TASK,
    FORM_SUBMISSIONS_PURGE_TASK,
    NIGHTLY_TASK,
    REMINDERS_TASK,
)


def _day(day_iso: str | None) -> date:
    # Tasks may read the clock (domain functions never do): the day the job stands for.
    return date.fromisoformat(day_iso) if day_iso else timezone.localdate()


@shared_task(
    name=BILLING_RUN_TASK,
    acks_late=True,
    # The database restarting, failing over or breaking a deadlock: the run is idempotent
    # and resumes where it stopped, so it is tried again, later each time (up to about an
    # hour in all). An IntegrityError is a bug, not a passing fault: retrying cannot help.
    autoretry_for=(DatabaseError,),
    dont_autoretry_for=(IntegrityError,),
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=8,
)
def billing_run_task(day_iso: str | None = None) -> dict:
    from .services import billing_run

    result = billing_run(day=_day(day_iso))
    return {
        "day": result.day.isoformat(),
        "charges_closed": result.charges_closed,
        "amount_debited": str(result.amount_debited),
        "renewed": result.renewed,
        "suspended": result.suspended,
        "ended": result.ended,
        "cancelled": result.cancelled,
    }


@shared_task(name=ESET_SYNC_TASK, acks_late=True, ignore_result=True)
def eset_sync_task(day_iso: str | None = None) -> dict:
    from .services import eset_sync

    return asdict(eset_sync(day=_day(day_iso)))


@shared_task(name=NIGHTLY_TASK, acks_late=True)
def nightly_run(day_iso: str | None = None) -> str:
    """00:30: the ESET sync, then, once it has finished, the billing run for the same day,
    so that a seat change applied on a charge's closing day is billed in that charge (§6)."""
    day = _day(day_iso).isoformat()
    chain(eset_sync_task.si(day), billing_run_task.si(day)).apply_async()
    return day


@shared_task(
    name=REMINDERS_TASK,
    acks_late=True,
    # As the billing run: idempotent (once per period and threshold), so a passing database
    # fault is simply tried again.
    autoretry_for=(DatabaseError,),
    dont_autoretry_for=(IntegrityError,),
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=8,
)
def reminders_send_task(day_iso: str | None = None) -> dict:
    from .services import reminders_send

    result = reminders_send(day=_day(day_iso))
    return {
        "day": result.day.isoformat(),
        "reminded": result.reminded,
        "notifications": result.notifications,
        "shortfall": str(result.shortfall),
    }


@shared_task(name=FORM_SUBMISSIONS_PURGE_TASK, acks_late=True, ignore_result=True)
def form_submissions_purge_task() -> int:
    from .submissions import form_submissions_purge

    return form_submissions_purge(at=timezone.now())
