"""Operator admin: API tokens (read-only, revocable) and idempotency records (read-only)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.admin import ReadOnlyAdmin
from config.errors import ApplicationError

from .models import ApiToken, IdempotencyRecord
from .services import token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]
    search_fields = ["name", "user__username", "prefix"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    exclude = ["key_hash"]
    actions = ["revoke"]

    @admin.action(description="Отозвать выбранные токены")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            try:
                token_revoke(token=token, at=timezone.now())
            except ApplicationError:  # revoked meanwhile
                continue
            revoked += 1
        self.message_user(request, f"Отозвано токенов: {revoked}.", messages.SUCCESS)


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    list_display = ["key", "user", "method", "path", "response_status", "created_at"]
    list_select_related = ["user"]
    search_fields = ["key", "user__username", "path"]
