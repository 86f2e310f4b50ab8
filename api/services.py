"""Writes of the API app: tokens (issue 4). Keyword-only, each in one transaction."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from config.errors import Conflict, ValidationError
from core.clock import require_aware

from .models import ApiToken, IdempotencyRecord

TOKEN_PREFIX = "esk_"
# Shown in the list so that people can tell their tokens apart; 4 + 8 characters of the
# 43-character random part leave 35 secret ones (≈ 208 bits).
SHOWN_CHARS = 12
MAX_NAME = 100
MAX_ACTIVE_TOKENS = 50
# last_used_at is a hint for people, not an audit log: refreshing it at most once a minute
# keeps a busy integration from writing a row on every request.
LAST_USED_PRECISION = timedelta(minutes=1)


def token_hash(raw: str) -> str:
    """SHA-256 of the raw token. A token is 256 random bits, so a fast unsalted hash is
    enough: there is nothing to brute-force (unlike a password)."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TokenCreated:
    token: ApiToken
    raw: str  # shown once; only its hash is stored


@transaction.atomic
def token_create(*, user, name: str, at: datetime) -> TokenCreated:
    require_aware(at)
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Укажите название токена."), field="name")
    if len(name) > MAX_NAME:
        raise ValidationError(_("Название длиннее %(n)s символов.") % {"n": MAX_NAME}, field="name")
    # A soft cap against a runaway script, not a money rule: two concurrent creations
    # may pass it together, which does no harm.
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise Conflict(
            _("Не больше %(n)s действующих токенов: отзовите ненужные.") % {"n": MAX_ACTIVE_TOKENS},
            field="name",
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[:SHOWN_CHARS], key_hash=token_hash(raw), created_at=at
    )
    return TokenCreated(token=token, raw=raw)


@transaction.atomic
def token_revoke(*, token: ApiToken, at: datetime) -> ApiToken:
    require_aware(at)
    if not ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=at):
        raise Conflict(_("Токен уже отозван."), field="token")
    token.refresh_from_db()
    return token


def token_touch(*, token: ApiToken, at: datetime) -> None:
    """Records that the token was used, at most once per LAST_USED_PRECISION."""
    if token.last_used_at is not None and at - token.last_used_at < LAST_USED_PRECISION:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=at - LAST_USED_PRECISION)
    ).update(last_used_at=at)
    token.last_used_at = at


# --------------------------------------------------------------------------- clients


# Stripe keeps keys for 24 hours; a week (DESIGN.md §9) covers a retry after a weekend.
IDEMPOTENCY_TTL = timedelta(days=7)


@transaction.atomic
def idempotency_records_purge(*, at: datetime) -> int:
    """Deletes the Idempotency-Key records older than IDEMPOTENCY_TTL at `at`; after that a
    key may be sent again and does the work again. Returns how many were deleted."""
    require_aware(at)
    deleted, _by_model = IdempotencyRecord.objects.filter(
        created_at__lt=at - IDEMPOTENCY_TTL
    ).delete()
    return deleted
