"""The Celery app and the beat schedule (DESIGN.md §6), defined once, in Moscow time."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Task names are spelled out here (not imported) so that beat starts without Django's apps.
NIGHTLY_TASK = "billing.tasks.nightly_run"
BILLING_RUN_TASK = "billing.tasks.billing_run_task"
ESET_SYNC_TASK = "eset_gateway.tasks.eset_sync_task"
GATEWAY_DRAIN_TASK = "eset_gateway.tasks.gateway_drain_task"
EMAIL_DRAIN_TASK = "notifications.tasks.email_drain_task"
RECONCILE_TASK = "eset_gateway.tasks.licences_reconcile_task"
IDEMPOTENCY_PURGE_TASK = "api.tasks.idempotency_purge_task"

app.conf.beat_schedule = {
    # 00:30 MSK: the ESET seat sync, then (chained, when it has finished) the billing run.
    "nightly-sync-then-billing": {"task": NIGHTLY_TASK, "schedule": crontab(hour=0, minute=30)},
    # 06:00 MSK: the billing run again as a safety net; it finds nothing when the night went well.
    "billing-safety-run": {"task": BILLING_RUN_TASK, "schedule": crontab(hour=6, minute=0)},
    # 03:00 MSK: the licence reconciliation, after the sync (and the billing run it chains)
    # has settled; it leaves alone any licence whose command is still in flight.
    "licence-reconciliation": {"task": RECONCILE_TASK, "schedule": crontab(hour=3, minute=0)},
    "gateway-outbox-drain": {"task": GATEWAY_DRAIN_TASK, "schedule": crontab(minute="*")},
    "email-outbox-drain": {"task": EMAIL_DRAIN_TASK, "schedule": crontab(minute="*")},
    # 04:15 MSK: Idempotency-Key records older than a week (DESIGN.md §9) are deleted.
    "idempotency-purge": {"task": IDEMPOTENCY_PURGE_TASK, "schedule": crontab(hour=4, minute=15)},
}
