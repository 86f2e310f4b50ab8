"""Idempotency-Key on the POSTs that create an order, a payment or a seat change (issue 4),
with Stripe's semantics:

- the same key with the same request (method, path, body) replays the first response, its
  status and body, without doing the work again (header `Idempotent-Replayed: true`);
- the same key with another request is a 409;
- keys are per user; a request that failed (4xx) is not recorded, so its key can be sent
  again once the input is fixed: nothing was written, not even the key.

The key is claimed by inserting its record *first*, in the same transaction as the work,
and the record gets the response before commit. A concurrent request with the same key
blocks on the unique (user, key) index until the first transaction ends; it then reads
the committed response and replays it, instead of doing the work a second time."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import cast

from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response

from config.errors import Conflict, ValidationError

from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255

# Printable ASCII without the space, as _key() checks.
KEY_PATTERN = r"^[!-~]{1,255}$"

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type={"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": KEY_PATTERN},
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (a UUID is a good choice), at most 255 printable ASCII "
        "characters. Sending the same key with the same body again replays the first "
        "response without doing the work twice; the same key with another body is a 409. "
        "Keys are per user; failed requests are not recorded."
    ),
)


def _key(request: Request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key or len(key) > MAX_KEY_LENGTH or not all(32 < ord(ch) < 127 for ch in key):
        raise ValidationError(
            _("Ключ идемпотентности: от 1 до 255 печатных символов ASCII без пробелов."),
            field=HEADER,
        )
    return key


def _fingerprint(request: Request) -> str:
    data = request.data  # JSON only (api.parsers): a 413 or a 415 is raised here
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    text = f"{request.method}\n{request.path}\n{body}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise Conflict(
            _("Этот ключ идемпотентности уже использован для другого запроса."),
            field=HEADER,
            code="idempotency_key_reused",
        )
    return Response(
        record.response_body, status=record.response_status, headers={REPLAYED_HEADER: "true"}
    )


def idempotent(request: Request, work: Callable[[], Response]) -> Response:
    """Runs `work` (which raises on failure) once per (user, Idempotency-Key)."""
    key = _key(request)
    if key is None:
        with transaction.atomic():
            return work()
    fingerprint = _fingerprint(request)
    user = cast(User, request.user)  # the views let only authenticated users in
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user,
                    key=key,
                    fingerprint=fingerprint,
                    method=request.method or "",
                    path=request.path[:500],
                    created_at=timezone.now(),
                )
        except IntegrityError:
            # Another request holds or held the key; the insert waited for it to commit.
            return _replay(IdempotencyRecord.objects.get(user=user, key=key), fingerprint)
        response = work()
        record.response_status = response.status_code
        record.response_body = response.data
        record.save(update_fields=["response_status", "response_body"])
        return response
