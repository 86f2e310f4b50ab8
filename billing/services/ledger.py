"""Balances, the client lock and the ledger (§4.3, §4.7).

Locking rule (accounts.locks): every write that reads a client's balance or moves a
subscription's status first locks that client's row, in ascending id order when it takes
several. That one lock serialises payments, activations, renewals, seat changes and
concurrent runs of the same day for a client, and never spans a network call.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from accounts.locks import clients_lock
from accounts.models import Client
from config.errors import ValidationError
from core.money import MAX_BALANCE, ZERO, money

from ..models import BalanceEntry, Charge, ChargeStatus, Payment

# Clients per transaction: large enough that the per-chunk queries are cheap next to the
# rows they move, small enough that row locks stay short.
CHUNK_CLIENTS = 500


def open_totals(client_ids: Iterable[int]) -> dict[int, Decimal]:
    rows = (
        Charge.objects.filter(client_id__in=list(client_ids), status=ChargeStatus.OPEN)
        .values("client_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    # SQLite sums decimals as floats-with-many-places; the kopeck is the unit everywhere.
    return {r["client_id"]: money(r["total"]) for r in rows}


def clients_available(client_ids: Iterable[int]) -> dict[int, Decimal]:
    """Locks the clients and returns balance − Σ open charges for each (§4.3)."""
    balances = clients_lock(client_ids)
    reserved = open_totals(balances)
    return {cid: bal - reserved.get(cid, ZERO) for cid, bal in balances.items()}


def ledger_append(
    *,
    client_id: int,
    balance: Decimal,
    amount: Decimal,
    kind: str,
    day: date,
    payment: Payment | None = None,
    by=None,
    entry: BalanceEntry | None = None,
) -> Decimal:
    """Appends one entry (`entry` when the caller built it with more fields) and moves the
    cached balance with it; the client row is locked. A balance beyond what its column
    holds is refused before anything is written."""
    new_balance = balance + amount
    if abs(new_balance) > MAX_BALANCE:
        raise ValidationError(
            _("Баланс клиента превысил бы допустимый предел (%(max)s).")
            % {"max": f"{MAX_BALANCE:,.2f}".replace(",", " ")},
            field="amount",
        )
    if entry is None:
        entry = BalanceEntry(
            client_id=client_id, kind=kind, amount=amount, payment=payment, day=day, created_by=by
        )
    entry.balance_after = new_balance
    entry.save()
    Client.objects.filter(pk=client_id).update(balance=new_balance)
    return new_balance


def client_id_chunks(
    qs: QuerySet, field_name: str = "client_id", *, size: int | None = None
) -> Iterator[list[int]]:
    """Streams the distinct client ids of a queryset in ascending chunks (keyset paging), so
    memory stays flat in the number of rows."""
    last = 0
    while True:
        ids = list(
            qs.filter(**{f"{field_name}__gt": last})
            .order_by(field_name)
            .values_list(field_name, flat=True)
            .distinct()[: size or CHUNK_CLIENTS]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]
