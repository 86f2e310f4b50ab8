from celery import shared_task
from django.utils import timezone


@shared_task(name="notifications.tasks.email_drain_task", acks_late=True, ignore_result=True)
def email_drain_task(limit: int | None = None) -> None:
    """The beat's drain takes the service's default batch. A smaller `limit` lets several
    workers share a backlog, each task a slice of it (tests/bench/bench_mail.py)."""
    from .services import email_drain

    if limit is None:
        email_drain(at=timezone.now())
    else:
        email_drain(at=timezone.now(), limit=limit)
