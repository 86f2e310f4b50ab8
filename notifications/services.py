"""The notification journal: one row per notification, rendered from templates in Russian,
e-mailed after commit through Django's e-mail backend."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import get_template
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Client, Membership, Reseller
from config.broker import send_or_leave_to_beat
from config.db import bulk_insert
from config.errors import Conflict
from orders.models import Subscription

from .attachments import attachments_for
from .models import EmailStatus, Notification, NotificationKind
from .texts import notification_text, payload_context


@dataclass(frozen=True)
class NotificationSpec:
    kind: str
    key: str
    reseller_id: int
    client_id: int | None
    subscription_id: int | None
    recipient_id: int | None
    email_to: str
    payload: dict = field(default_factory=dict)


def owner_spec(
    *, subscription: Subscription, kind: str, key: str, payload: dict
) -> NotificationSpec:
    """A notification for the subscription owner (S9). Needs client__owner loaded."""
    client = subscription.client
    owner = client.owner
    return NotificationSpec(
        kind=kind,
        key=key,
        reseller_id=client.reseller_id,
        client_id=client.pk,
        subscription_id=subscription.pk,
        recipient_id=owner.pk,
        email_to=owner.email or client.email,
        payload=payload,
    )


def client_spec(*, client: Client, kind: str, key: str, payload: dict) -> NotificationSpec:
    """A notification about the client's money (payments, corrections): to its owner, by
    the client's contact e-mail."""
    return NotificationSpec(
        kind=kind,
        key=key,
        reseller_id=client.reseller_id,
        client_id=client.pk,
        subscription_id=None,
        recipient_id=client.owner_id,
        email_to=client.email,
        payload=payload,
    )


def reseller_spec(
    *,
    reseller: Reseller,
    kind: str,
    key: str,
    payload: dict,
    client_id: int | None = None,
    subscription_id: int | None = None,
) -> NotificationSpec:
    """A notification for the reseller itself (shown in its journal, e-mailed to its address)."""
    return NotificationSpec(
        kind=kind,
        key=key,
        reseller_id=reseller.pk,
        client_id=client_id,
        subscription_id=subscription_id,
        recipient_id=None,
        email_to=reseller.email,
        payload=payload,
    )


def render(*, kind: str, payload: dict, templates: dict | None = None) -> tuple[str, str]:
    """Subject (the template's first line) and body, always in Russian: the journal is the
    record of what was sent, and the seed's audience reads Russian. `templates` caches the
    parsed templates across one batch (the daily run renders thousands)."""
    templates = {} if templates is None else templates
    if kind not in templates:
        templates[kind] = get_template(f"notifications/{kind}.txt")
    with translation.override("ru"):
        text = templates[kind].render(payload_context(payload)).strip()
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip()


def notify(*, specs: Sequence[NotificationSpec], at: datetime) -> int:
    """Writes the notifications not written before (the key is unique) and e-mails them
    after commit. Returns how many were new."""
    if not specs:
        return 0
    rows = []
    templates: dict = {}
    for spec in specs:
        subject, body = render(kind=spec.kind, payload=spec.payload, templates=templates)
        rows.append(
            (
                spec.kind,
                spec.key,
                spec.reseller_id,
                spec.client_id,
                spec.subscription_id,
                spec.recipient_id,
                spec.email_to,
                EmailStatus.PENDING if spec.email_to else EmailStatus.SKIPPED,
                0,
                "",
                subject,
                body,
                spec.payload,
                at,
            )
        )
    with transaction.atomic():
        # Plain rows, not model objects (the daily run writes thousands); a repeated event
        # (a job run twice) meets the unique key and is skipped, and is not counted.
        created = bulk_insert(Notification, NOTIFICATION_FIELDS, rows, ignore_conflicts=True)
        if created:
            transaction.on_commit(_schedule_email_drain)
    return created


NOTIFICATION_FIELDS = (
    "kind",
    "key",
    "reseller",
    "client",
    "subscription",
    "recipient",
    "email_to",
    "email_status",
    "email_attempts",
    "email_error",
    "subject",
    "body",
    "payload",
    "created_at",
)


def email_text(notification: Notification) -> tuple[str, str]:
    """What the e-mail says: in the recipient's chosen language (DESIGN.md §4.10), Russian
    by default and for the reseller's own address; the journal keeps the Russian record."""
    from .invitations import email_text as text

    if notification.kind != NotificationKind.INVITATION and notification.recipient_id:
        language = (
            Membership.objects.filter(user_id=notification.recipient_id)
            .values_list("language", flat=True)
            .first()
        )
        if language and language != "ru":
            chosen = notification_text(notification, language)
            return chosen.subject, chosen.body
    return text(notification)


def _schedule_email_drain() -> None:
    from .tasks import email_drain_task

    send_or_leave_to_beat(email_drain_task)


@dataclass(frozen=True)
class EmailDrainResult:
    sent: int
    failed: int


# The delays between attempts double from a minute up to two hours: an outage of a few
# minutes costs a few attempts, one of hours still leaves attempts for when it ends. With
# ten attempts an e-mail is given up (`failed`, "send again" in the admin and the journal)
# about six hours after its first try.
MAX_EMAIL_ATTEMPTS = 10
EMAIL_RETRY_BASE = timedelta(minutes=1)
EMAIL_RETRY_MAX = timedelta(hours=2)
# Longer than the e-mail drain's hard time limit (config.celery.TASK_TIME_LIMITS): when a
# lease ends, the drain that took it is certainly dead, so taking the row back never sends
# it beside a live sender.
EMAIL_LEASE = timedelta(minutes=10)


def email_retry_delay(attempts: int) -> timedelta:
    """How long after its `attempts`-th failed attempt an e-mail is tried again."""
    return min(EMAIL_RETRY_BASE * 2 ** max(attempts - 1, 0), EMAIL_RETRY_MAX)


def _due(at: datetime) -> Q:
    # A new e-mail has no next attempt: it is due at once, whatever the clocks of the web
    # server that wrote it and the worker that sends it say.
    pending = Q(email_status=EmailStatus.PENDING) & (
        Q(email_next_attempt_at__isnull=True) | Q(email_next_attempt_at__lte=at)
    )
    return pending | Q(email_status=EmailStatus.SENDING, email_locked_until__lte=at)


def email_drain(*, at: datetime, limit: int = 500) -> EmailDrainResult:
    """Sends the e-mails due at `at`: pending ones whose next attempt has come, and ones
    left `sending` by a killed worker whose lease has ended. Each row is claimed by a
    compare-and-set (with a lease) before sending, so that two drains never send the same
    notification; the SMTP call runs outside any transaction, bounded by EMAIL_TIMEOUT."""
    sent = failed = 0
    ids = list(
        Notification.objects.filter(_due(at)).order_by("id").values_list("id", flat=True)[:limit]
    )
    for notification in Notification.objects.filter(pk__in=ids).order_by("id"):
        lease = at + EMAIL_LEASE
        if not Notification.objects.filter(_due(at), pk=notification.pk).update(
            email_status=EmailStatus.SENDING,
            email_locked_until=lease,
            email_attempts=F("email_attempts") + 1,
        ):
            continue  # another drain claimed it first
        attempts = notification.email_attempts + 1
        ours = Notification.objects.filter(
            pk=notification.pk, email_status=EmailStatus.SENDING, email_locked_until=lease
        )
        try:
            # An invitation's link is put in only now (notifications.invitations).
            subject, body = email_text(notification)
            message = EmailMessage(subject=subject, body=body, to=[notification.email_to])
            for file in attachments_for(notification):
                message.attach(file.filename, file.content, file.mimetype)
            message.send()
        except Exception as exc:  # any backend failure is recorded and retried later
            given_up = attempts >= MAX_EMAIL_ATTEMPTS
            ours.update(
                email_status=EmailStatus.FAILED if given_up else EmailStatus.PENDING,
                email_next_attempt_at=None if given_up else at + email_retry_delay(attempts),
                email_locked_until=None,
                email_error=str(exc)[:2000] or exc.__class__.__name__,
            )
            failed += 1
            if isinstance(exc, SoftTimeLimitExceeded):
                raise  # the task's time is up: the row is handed back, the rest wait
        else:
            ours.update(
                email_status=EmailStatus.SENT,
                emailed_at=at,
                email_error="",
                email_next_attempt_at=None,
                email_locked_until=None,
            )
            sent += 1
    return EmailDrainResult(sent=sent, failed=failed)


@transaction.atomic
def notification_email_resend(*, notification: Notification, at: datetime) -> Notification:
    """Sends a given-up e-mail again (the operator's or the reseller's "send again"): it is
    due at once with a fresh series of attempts. Only a `failed` e-mail: a pending one is
    still being retried, a sent one was delivered."""
    if not Notification.objects.filter(pk=notification.pk, email_status=EmailStatus.FAILED).update(
        email_status=EmailStatus.PENDING,
        email_attempts=0,
        email_next_attempt_at=at,
        email_locked_until=None,
        email_error="",
    ):
        raise Conflict(
            _("Отправить снова можно только e-mail, отправка которого не удалась."),
            field="email_status",
        )
    transaction.on_commit(_schedule_email_drain)
    notification.refresh_from_db()
    return notification


def notification_mark_read(*, notification: Notification, at: datetime) -> Notification:
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=at)
        notification.refresh_from_db(fields=["read_at"])
    return notification
