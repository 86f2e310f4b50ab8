"""The notification journal: one row per notification, rendered from templates in Russian,
e-mailed after commit through Django's e-mail backend."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import get_template
from django.utils import translation

from accounts.models import Reseller
from config.db import bulk_insert
from orders.models import Subscription

from .models import EmailStatus, Notification
from .texts import payload_context


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
    from .invitations import email_text as text

    return text(notification)


def _schedule_email_drain() -> None:
    from .tasks import email_drain_task

    email_drain_task.delay()


@dataclass(frozen=True)
class EmailDrainResult:
    sent: int
    failed: int


MAX_EMAIL_ATTEMPTS = 5


def email_drain(*, at: datetime, limit: int = 500) -> EmailDrainResult:
    """Sends pending e-mails. Each row is claimed by a compare-and-set before sending so that
    two drains never send the same notification; the SMTP call runs outside any transaction."""
    sent = failed = 0
    ids = list(
        Notification.objects.filter(email_status=EmailStatus.PENDING)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    for notification in Notification.objects.filter(pk__in=ids).order_by("id"):
        # Claim by compare-and-set so that two drains never send the same notification.
        if not Notification.objects.filter(
            pk=notification.pk, email_status=EmailStatus.PENDING
        ).update(email_status=EmailStatus.SENDING, email_attempts=F("email_attempts") + 1):
            continue
        attempts = notification.email_attempts + 1
        try:
            # An invitation's link is put in only now (notifications.invitations).
            subject, body = email_text(notification)
            EmailMessage(subject=subject, body=body, to=[notification.email_to]).send()
        except Exception as exc:  # any backend failure is recorded and retried by the next drain
            status = EmailStatus.FAILED if attempts >= MAX_EMAIL_ATTEMPTS else EmailStatus.PENDING
            Notification.objects.filter(pk=notification.pk).update(
                email_status=status, email_error=str(exc)[:2000]
            )
            failed += 1
        else:
            Notification.objects.filter(pk=notification.pk).update(
                email_status=EmailStatus.SENT, emailed_at=at, email_error=""
            )
            sent += 1
    return EmailDrainResult(sent=sent, failed=failed)


def notification_mark_read(*, notification: Notification, at: datetime) -> Notification:
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=at)
        notification.refresh_from_db(fields=["read_at"])
    return notification
