from celery import shared_task
from django.utils import timezone


@shared_task(name="api.tasks.idempotency_purge_task", acks_late=True, ignore_result=True)
def idempotency_purge_task() -> None:
    from .services import idempotency_records_purge

    idempotency_records_purge(at=timezone.now())
