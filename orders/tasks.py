from celery import shared_task
from django.utils import timezone

from config.celery import ORDER_DRAFTS_PURGE_TASK


@shared_task(name=ORDER_DRAFTS_PURGE_TASK, acks_late=True, ignore_result=True)
def order_drafts_purge_task() -> int:
    from .services import order_drafts_purge

    return order_drafts_purge(at=timezone.now())
