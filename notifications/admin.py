"""Operator admin for the notification journal: read-only (notifications are written by
`notifications.services.notify` and e-mailed by its drain)."""

from __future__ import annotations

from django.contrib import admin

from accounts.admin import ReadOnlyAdmin
from notifications.models import Notification


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
    list_filter = ("kind", "email_status")
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
        "emailed_at",
    )
