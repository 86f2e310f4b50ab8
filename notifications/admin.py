"""Operator admin for the notification journal: read-only (notifications are written by
`notifications.services.notify` and e-mailed by its drain), with one action, "send again"
for e-mails the drain gave up on."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.admin import ReadOnlyAdmin
from config.errors import Conflict
from notifications.models import EmailStatus, Notification
from notifications.services import notification_email_resend


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "kind",
        "subject",
        "reseller",
        "client",
        "recipient",
        "email_to",
        "email_status",
        "email_attempts",
        "read_at",
    )
    list_display_links = ("created_at", "subject")
    list_select_related = ("reseller", "client", "recipient")
    list_filter = ("email_status", "kind")
    search_fields = ("subject", "email_to", "key", "client__name", "reseller__name")
    date_hierarchy = "created_at"
    fields = (
        "created_at",
        "kind",
        "key",
        "reseller",
        "client",
        "subscription",
        "recipient",
        "subject",
        "body",
        "payload",
        "read_at",
        "email_to",
        "email_status",
        "email_attempts",
        "email_error",
        "email_next_attempt_at",
        "email_locked_until",
        "emailed_at",
    )
    actions = ("email_resend",)

    @admin.action(description="Отправить e-mail снова (только с ошибкой отправки)")
    def email_resend(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        resent = 0
        at = timezone.now()
        for notification in queryset.filter(email_status=EmailStatus.FAILED).order_by("pk"):
            try:
                notification_email_resend(notification=notification, at=at)
            except Conflict:
                continue  # resent meanwhile by someone else
            resent += 1
        skipped = queryset.count() - resent
        self.message_user(request, f"Поставлено в очередь на отправку: {resent}", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"Пропущено (не с ошибкой отправки): {skipped}", messages.WARNING
            )
