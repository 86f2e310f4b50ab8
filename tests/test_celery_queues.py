"""Each kind of work has its own queue and time limits (issue 9, item 8): a stalled SMTP
server or a slow ESET fills only its own queue, and a stuck task frees its process."""

from config.celery import (
    BILLING_QUEUE,
    EMAIL_QUEUE,
    ESET_QUEUE,
    QUEUES,
    TASK_TIME_LIMITS,
    app,
)
from notifications.services import EMAIL_LEASE

EXPECTED_QUEUES = {
    "notifications.tasks.email_drain_task": EMAIL_QUEUE,
    "eset_gateway.tasks.gateway_drain_task": ESET_QUEUE,
    "billing.tasks.eset_sync_task": ESET_QUEUE,  # billing owns the sync; it talks to ESET
    "eset_gateway.tasks.licences_reconcile_task": ESET_QUEUE,
    "eset_gateway.tasks.usage_reconcile_task": ESET_QUEUE,
    "billing.tasks.nightly_run": BILLING_QUEUE,
    "billing.tasks.billing_run_task": BILLING_QUEUE,
    "billing.tasks.reminders_send_task": BILLING_QUEUE,
    "api.tasks.idempotency_purge_task": BILLING_QUEUE,
    "orders.tasks.order_drafts_purge_task": BILLING_QUEUE,
    "billing.tasks.form_submissions_purge_task": BILLING_QUEUE,
    "documents.tasks.acts_issue_task": BILLING_QUEUE,
}


def project_tasks() -> set[str]:
    app.loader.import_default_modules()
    return {name for name in app.tasks if not name.startswith("celery.")}


def test_every_task_of_the_project_is_routed_to_its_queue():
    assert QUEUES == ("email", "eset", "billing")
    assert project_tasks() == set(EXPECTED_QUEUES)
    for name, queue in EXPECTED_QUEUES.items():
        assert app.amqp.router.route({}, name)["queue"].name == queue, name


def test_the_worker_consumes_every_queue_by_default():
    assert set(app.amqp.queues) == set(QUEUES)
    # Anything unrouted lands in a queue a worker consumes, never in a forgotten one.
    assert app.conf.task_default_queue in QUEUES
    assert app.amqp.router.route({}, "celery.chord_unlock")["queue"].name in QUEUES


def test_every_beat_job_is_routed():
    for job in app.conf.beat_schedule.values():
        assert job["task"] in EXPECTED_QUEUES


def test_every_task_has_a_soft_and_a_hard_time_limit():
    assert set(TASK_TIME_LIMITS) == project_tasks()
    for name, (soft, hard) in TASK_TIME_LIMITS.items():
        task = app.tasks[name]
        assert (task.soft_time_limit, task.time_limit) == (soft, hard), name
        assert 0 < soft < hard, name


def test_the_email_lease_outlasts_the_email_drains_hard_limit():
    # A row is taken back only when the drain that claimed it is certainly dead.
    _, hard = TASK_TIME_LIMITS["notifications.tasks.email_drain_task"]
    assert EMAIL_LEASE.total_seconds() > hard
