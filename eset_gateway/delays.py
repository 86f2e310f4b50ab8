"""Telling in time that ESET commands wait (issue 10, item 8): when a command has waited
longer than ESET_DELAY_ALERT_MINUTES since it was written, its reseller (journal and
e-mail) and the operator (e-mail and the operator's front page) are told, once per
episode: an open GatewayDelayAlert per scope, unique in the database, so that an outage
of hours with new commands arriving every minute is one alert, not one a minute. The
episode closes when the scope has no command waiting that long any more."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Count, Min
from django.template.loader import get_template
from django.utils import timezone, translation

from accounts.models import Reseller
from core.clock import MOSCOW
from notifications.models import NotificationKind
from notifications.services import notify, reseller_spec

from .models import CommandState, GatewayCommand, GatewayDelayAlert

logger = logging.getLogger(__name__)

OPEN_STATES = (CommandState.PENDING, CommandState.RUNNING)


@dataclass(frozen=True)
class DelaysResult:
    opened: int = 0
    resolved: int = 0


def _scope(reseller_id: int | None) -> str:
    return GatewayDelayAlert.OPERATOR_SCOPE if reseller_id is None else f"reseller:{reseller_id}"


def late_commands(*, at: datetime):
    threshold = at - timedelta(minutes=settings.ESET_DELAY_ALERT_MINUTES)
    return GatewayCommand.objects.filter(state__in=OPEN_STATES, created_at__lte=threshold)


@transaction.atomic
def delays_report(*, at: datetime) -> DelaysResult:
    """Opens the alerts of scopes that now have late commands and no open alert (telling
    them), and closes those whose scope has none any more."""
    rows = list(
        late_commands(at=at)
        .values("subscription__client__reseller_id")
        .annotate(waiting=Count("id"), oldest=Min("id"), since=Min("created_at"))
    )
    late: dict[str, dict] = {}
    for row in rows:
        reseller_id = row["subscription__client__reseller_id"]
        late[_scope(reseller_id)] = {**row, "reseller_id": reseller_id}
    if rows:
        late[GatewayDelayAlert.OPERATOR_SCOPE] = {
            "reseller_id": None,
            "waiting": sum(r["waiting"] for r in rows),
            "oldest": min(r["oldest"] for r in rows),
            "since": min(r["since"] for r in rows),
        }
    open_scopes = set(
        GatewayDelayAlert.objects.filter(resolved_at__isnull=True).values_list("scope", flat=True)
    )
    resolved = (
        GatewayDelayAlert.objects.filter(resolved_at__isnull=True)
        .exclude(scope__in=list(late))
        .update(resolved_at=at)
    )
    opened: list[GatewayDelayAlert] = []
    for scope, row in late.items():
        if scope in open_scopes:
            continue
        try:
            # A concurrent report opening the same scope meets the unique constraint.
            with transaction.atomic():
                opened.append(
                    GatewayDelayAlert.objects.create(
                        scope=scope,
                        reseller_id=row["reseller_id"],
                        opened_at=at,
                        oldest_command_id=row["oldest"],
                        waiting_since=row["since"],
                        waiting=row["waiting"],
                    )
                )
        except IntegrityError:
            continue
    _tell(opened=opened, at=at)
    return DelaysResult(opened=len(opened), resolved=resolved)


def _payload(alert: GatewayDelayAlert) -> dict:
    return {
        "waiting": alert.waiting,
        "since": timezone.localtime(alert.waiting_since, MOSCOW).strftime("%d.%m.%Y %H:%M"),
        "minutes": settings.ESET_DELAY_ALERT_MINUTES,
        "oldest_command": alert.oldest_command_id,
        # ESET's last answer (or its absence) for the oldest one, as the drain recorded it.
        "error": alert.oldest_command.last_error,
    }


def _tell(*, opened: list[GatewayDelayAlert], at: datetime) -> None:
    resellers = Reseller.objects.in_bulk([a.reseller_id for a in opened if a.reseller_id])
    notify(
        specs=[
            reseller_spec(
                reseller=resellers[alert.reseller_id],
                kind=NotificationKind.ESET_DELAYED,
                key=f"eset_delayed:alert:{alert.pk}",
                payload=_payload(alert),
            )
            for alert in opened
            if alert.reseller_id
        ],
        at=at,
    )
    for alert in opened:
        if alert.reseller_id is None:
            transaction.on_commit(functools.partial(operator_mail, payload=_payload(alert)))


def operator_recipients() -> list[str]:
    if settings.ESET_OPERATOR_EMAILS:
        return list(settings.ESET_OPERATOR_EMAILS)
    staff = get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="")
    return sorted(set(staff.values_list("email", flat=True)))


def operator_mail(*, payload: dict) -> None:
    """The operator's copy, after commit. The record is the alert row on the operator's
    front page; a mail that cannot be sent is logged, not retried."""
    recipients = operator_recipients()
    if not recipients:
        return
    with translation.override("ru"):
        text = get_template("notifications/eset_delayed_operator.txt").render({"p": payload})
    subject, _, body = text.strip().partition("\n")
    try:
        EmailMessage(subject=subject.strip(), body=body.strip(), to=recipients).send()
    except Exception:
        logger.exception("could not e-mail the operator about waiting ESET commands")
