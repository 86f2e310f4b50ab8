"""The Celery app and the beat schedule (DESIGN.md §6), defined once, in Moscow time."""

import os

from celery import Celery
from celery.schedules import crontab
from kombu import Queue

# The one 00:30 moment (core.clock): beat may import it, it needs no Django app.
from core.clock import SYNC_TIME

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Task names are spelled out here (not imported) so that beat starts without Django's apps.
NIGHTLY_TASK = "billing.tasks.nightly_run"
BILLING_RUN_TASK = "billing.tasks.billing_run_task"
ESET_SYNC_TASK = "billing.tasks.eset_sync_task"
GATEWAY_DRAIN_TASK = "eset_gateway.tasks.gateway_drain_task"
EMAIL_DRAIN_TASK = "notifications.tasks.email_drain_task"
RECONCILE_TASK = "eset_gateway.tasks.licences_reconcile_task"
USAGE_RECONCILE_TASK = "eset_gateway.tasks.usage_reconcile_task"
IDEMPOTENCY_PURGE_TASK = "api.tasks.idempotency_purge_task"
REMINDERS_TASK = "billing.tasks.reminders_send_task"
ORDER_DRAFTS_PURGE_TASK = "orders.tasks.order_drafts_purge_task"
FORM_SUBMISSIONS_PURGE_TASK = "billing.tasks.form_submissions_purge_task"
ACTS_ISSUE_TASK = "documents.tasks.acts_issue_task"

# One queue per kind of work, so that one stuck kind never starves another: a stalled SMTP
# server fills only the e-mail queue, ESET's latency only the ESET queue. Every worker
# consumes all three (`make run`, docker-compose), each task also has time limits below.
EMAIL_QUEUE = "email"
ESET_QUEUE = "eset"
BILLING_QUEUE = "billing"
QUEUES = (EMAIL_QUEUE, ESET_QUEUE, BILLING_QUEUE)

TASK_ROUTES = {
    EMAIL_DRAIN_TASK: {"queue": EMAIL_QUEUE},
    GATEWAY_DRAIN_TASK: {"queue": ESET_QUEUE},
    ESET_SYNC_TASK: {"queue": ESET_QUEUE},
    RECONCILE_TASK: {"queue": ESET_QUEUE},
    USAGE_RECONCILE_TASK: {"queue": ESET_QUEUE},
    NIGHTLY_TASK: {"queue": BILLING_QUEUE},
    BILLING_RUN_TASK: {"queue": BILLING_QUEUE},
    REMINDERS_TASK: {"queue": BILLING_QUEUE},
    ACTS_ISSUE_TASK: {"queue": BILLING_QUEUE},
    # Database housekeeping runs with the billing work.
    IDEMPOTENCY_PURGE_TASK: {"queue": BILLING_QUEUE},
    ORDER_DRAFTS_PURGE_TASK: {"queue": BILLING_QUEUE},
    FORM_SUBMISSIONS_PURGE_TASK: {"queue": BILLING_QUEUE},
}

# (soft, hard) seconds. The soft limit raises inside the task (its transaction rolls back,
# the e-mail drain hands its row back); the hard one kills the process, and what it held is
# taken back by a lease (outboxes) or resumed by the next run (billing). Sized well above
# what the job takes at DESIGN.md §10's scale, so that only a stuck job meets them. The
# e-mail lease (notifications.services.EMAIL_LEASE) must stay longer than its hard limit.
TASK_TIME_LIMITS = {
    EMAIL_DRAIN_TASK: (240, 300),
    GATEWAY_DRAIN_TASK: (240, 300),
    ESET_SYNC_TASK: (1800, 1900),
    RECONCILE_TASK: (1800, 1900),
    USAGE_RECONCILE_TASK: (1800, 1900),
    NIGHTLY_TASK: (60, 120),
    BILLING_RUN_TASK: (1800, 1900),
    REMINDERS_TASK: (1800, 1900),
    ACTS_ISSUE_TASK: (1800, 1900),
    IDEMPOTENCY_PURGE_TASK: (300, 360),
    ORDER_DRAFTS_PURGE_TASK: (300, 360),
    FORM_SUBMISSIONS_PURGE_TASK: (300, 360),
}

app.conf.task_queues = [Queue(name) for name in QUEUES]
app.conf.task_routes = TASK_ROUTES
# Anything not routed (Celery's own helpers) runs with the billing work, never in a queue
# that no worker consumes.
app.conf.task_default_queue = BILLING_QUEUE
app.conf.task_annotations = {
    name: {"soft_time_limit": soft, "time_limit": hard}
    for name, (soft, hard) in TASK_TIME_LIMITS.items()
}

app.conf.beat_schedule = {
    # 00:30 MSK: the ESET seat sync, then (chained, when it has finished) the billing run.
    "nightly-sync-then-billing": {
        "task": NIGHTLY_TASK,
        "schedule": crontab(hour=SYNC_TIME.hour, minute=SYNC_TIME.minute),
    },
    # 06:00 MSK: the billing run again as a safety net; it finds nothing when the night went well.
    "billing-safety-run": {"task": BILLING_RUN_TASK, "schedule": crontab(hour=6, minute=0)},
    # 03:00 MSK: the licence reconciliation, after the sync (and the billing run it chains)
    # has settled; it leaves alone any licence whose command is still in flight.
    "licence-reconciliation": {"task": RECONCILE_TASK, "schedule": crontab(hour=3, minute=0)},
    # 05:00 MSK on the 3rd: the seat-day reconciliation of the month before, once its last
    # day's charges were made (the night of the 1st) and ESET's report has settled.
    "usage-reconciliation": {
        "task": USAGE_RECONCILE_TASK,
        "schedule": crontab(day_of_month=3, hour=5, minute=0),
    },
    # 10:00 MSK: renewal reminders (§4.10), in working hours, after the night's renewals
    # and the 06:00 safety run have settled the balances they read.
    "renewal-reminders": {"task": REMINDERS_TASK, "schedule": crontab(hour=10, minute=0)},
    # 07:00 MSK on the 1st: the acts of the month before, after the night's run (00:30) and
    # its 06:00 safety net have closed the month's last charges (a late run closes them on
    # their own day, so they still belong to that month).
    "monthly-acts": {
        "task": ACTS_ISSUE_TASK,
        "schedule": crontab(day_of_month=1, hour=7, minute=0),
    },
    "gateway-outbox-drain": {"task": GATEWAY_DRAIN_TASK, "schedule": crontab(minute="*")},
    "email-outbox-drain": {"task": EMAIL_DRAIN_TASK, "schedule": crontab(minute="*")},
    # 04:15 MSK: Idempotency-Key records older than a week (DESIGN.md §9) are deleted.
    "idempotency-purge": {"task": IDEMPOTENCY_PURGE_TASK, "schedule": crontab(hour=4, minute=15)},
    # 04:30 MSK: draft orders nobody confirmed within 30 days (orders.services).
    "order-drafts-purge": {
        "task": ORDER_DRAFTS_PURGE_TASK,
        "schedule": crontab(hour=4, minute=30),
    },
    # 04:45 MSK: one-time form tokens used more than a day ago (billing.submissions).
    "form-submissions-purge": {
        "task": FORM_SUBMISSIONS_PURGE_TASK,
        "schedule": crontab(hour=4, minute=45),
    },
}
