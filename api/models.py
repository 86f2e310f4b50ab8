"""API tokens and idempotency records (issue 4)."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class ApiToken(models.Model):
    """A per-user API token. Only its SHA-256 is stored: the raw token is shown once, when
    it is created, and cannot be read back (a leaked database leaks no usable token)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name="пользователь",
    )
    name = models.CharField("название", max_length=100)
    # The first characters of the raw token, so that people can tell their tokens apart.
    prefix = models.CharField("префикс", max_length=16)
    key_hash = models.CharField("хеш ключа", max_length=64, unique=True)
    created_at = models.DateTimeField("выдан")
    last_used_at = models.DateTimeField("последнее использование", null=True, blank=True)
    revoked_at = models.DateTimeField("отозван", null=True, blank=True)

    class Meta:
        verbose_name = "API-токен"
        verbose_name_plural = "API-токены"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="apitoken_user_live")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyRecord(models.Model):
    """The first response to a POST sent with an Idempotency-Key (Stripe's semantics).

    Written in the same transaction as the work it records: either both are committed or
    neither. The unique (user, key) constraint makes a concurrent replay wait for the first
    request's transaction and then read its response, instead of doing the work twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="пользователь",
    )
    key = models.CharField("Idempotency-Key", max_length=255)
    # SHA-256 of the method, the path and the canonical JSON of the body: the same key sent
    # with another request is refused (409), not replayed.
    fingerprint = models.CharField("отпечаток запроса", max_length=64)
    method = models.CharField("метод HTTP", max_length=8)
    path = models.CharField("путь", max_length=500)
    # Empty only inside the transaction that claimed the key: it is filled before commit.
    response_status = models.PositiveSmallIntegerField("код ответа", null=True, blank=True)
    response_body = models.JSONField("тело ответа", default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField("записан")

    class Meta:
        verbose_name = "ключ идемпотентности"
        verbose_name_plural = "ключи идемпотентности"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
