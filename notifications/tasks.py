from celery import shared_task
from django.utils import timezone


@shared_task(name="notifications.tasks.email_drain_task", acks_late=True, ignore_result=True)
def email_drain_task() -> None:
    from .services import email_drain

    email_drain(at=timezone.now())
