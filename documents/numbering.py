"""Document numbers per reseller, kind and year, without gaps (DESIGN.md §13).

The counter row is created under its unique constraint and then locked: concurrent
issuers of one series queue on the lock, and since the number is taken inside the
transaction that writes the document, a rolled-back issue gives its number back."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from config.errors import ValidationError

from .models import DocumentCounter


def number_take(*, reseller, kind: str, year: int, count: int = 1) -> int:
    """Reserves `count` consecutive numbers and returns the first. Must run inside the
    transaction that writes the documents (it refuses to run outside one)."""
    if count < 1:
        raise ValidationError("count must be at least 1", field="count")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_take runs inside the issuing transaction")
    key = {"reseller_id": reseller.pk, "kind": kind, "year": year}
    # get_or_create inserts under the unique constraint (a concurrent first issuer waits on
    # the other's insert, then reads its row); the lock then queues the issuers.
    DocumentCounter.objects.get_or_create(**key)
    counter = DocumentCounter.objects.select_for_update().get(**key)
    DocumentCounter.objects.filter(pk=counter.pk).update(last_number=F("last_number") + count)
    return counter.last_number + 1
