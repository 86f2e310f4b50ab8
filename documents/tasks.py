from datetime import date, timedelta

from celery import shared_task
from django.db import DatabaseError, IntegrityError
from django.utils import timezone

from config.celery import ACTS_ISSUE_TASK
from core.clock import MOSCOW


@shared_task(
    name=ACTS_ISSUE_TASK,
    acks_late=True,
    # The run is idempotent (a client with the month's act is left out): a database fault
    # or a concurrent run's conflict is tried again later.
    autoretry_for=(DatabaseError,),
    dont_autoretry_for=(IntegrityError,),
    retry_backoff=60,
    retry_backoff_max=900,
    max_retries=6,
)
def acts_issue_task(month_iso: str | None = None) -> dict:
    """The acts of `month_iso` (YYYY-MM-DD, its first day), by default of the month before
    today in Moscow (the task may read the clock; acts_issue takes the month)."""
    from .services import acts_issue

    if month_iso:
        month = date.fromisoformat(month_iso)
    else:
        first = timezone.localdate(timezone=MOSCOW).replace(day=1)
        month = (first - timedelta(days=1)).replace(day=1)
    result = acts_issue(month=month)
    return {
        "month": result.month.isoformat(),
        "acts": result.acts,
        "lines": result.lines,
        "total": str(result.total),
        "notifications": result.notifications,
        "skipped_resellers": result.skipped_resellers,
    }
