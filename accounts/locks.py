"""The client lock (DESIGN.md §11): every write that reads a client's balance or moves a
subscription's status first locks that client's row, in ascending id order when it takes
several, so two lockers never deadlock. It lives here, at the bottom of the layers, so
that billing and the gateway's reconciliation take the same lock in the same order."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from .models import Client


def clients_lock(client_ids: Iterable[int]) -> dict[int, Decimal]:
    """Locks the clients' rows in id order and returns their balances."""
    return dict(
        Client.objects.select_for_update()
        .filter(pk__in=list(client_ids))
        .order_by("pk")
        .values_list("pk", "balance")
    )
