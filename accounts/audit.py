"""The audit trail (DESIGN.md §3, §9): every person's action that moves money, seats,
prices, plans, subscriptions or people is recorded by the service that makes it, in the
same transaction, with the state before and after.

A table of our own rather than django-simple-history or django-auditlog: those record
model saves, and most of the platform's writes are set-based UPDATEs and bulk inserts
that no model signal sees; the trail also needs the tenant and the action's meaning (a
reversal, not "BalanceEntry created"), which only the service knows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models.functions import Now

from .models import AuditEvent


def _jsonable(values: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (values or {}).items():
        if isinstance(value, Decimal):
            out[key] = str(value)
        elif hasattr(value, "isoformat"):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out


def audit_record(
    *,
    action: str,
    reseller_id: int,
    at: datetime | None = None,
    by=None,
    client_id: int | None = None,
    obj: Any = None,
    object_type: str = "",
    object_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or obj.pk
    return AuditEvent.objects.create(
        reseller_id=reseller_id,
        client_id=client_id,
        actor=by if getattr(by, "pk", None) else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=_jsonable(before),
        after=_jsonable(after),
        # No moment given (a change that takes none, e.g. a price): the database's
        # clock stamps it, not the domain's.
        at=at if at is not None else Now(),
    )
