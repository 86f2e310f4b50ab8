"""check_ledger compares exact kopecks (issue 9, item 8): SQLite keeps decimals as floats
and its SUM reported "balance 2.36 != sum of ledger 2.36000000000015" where none was."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Sum

from accounts.models import Client
from billing.invariants import ledger_violations
from billing.models import BalanceEntry
from billing.services import payment_register
from tests.factories import ClientFactory, msk

pytestmark = pytest.mark.django_db

# A payment, then corrections of amounts floats cannot hold: SQLite 3.40's float SUM of
# these drifts off the kopeck (881.829999999999 for 881.83).
CYCLE = ["-0.10", "-0.01", "-2.36", "-0.29", "-0.07", "-17.45", "-3.33", "-0.03"]
AMOUNTS = ["1000.00"] + [CYCLE[i % len(CYCLE)] for i in range(39)]
EXACT = Decimal("881.83")


@pytest.fixture
def client_with_awkward_entries() -> Client:
    """The ledger written as it stands (the rows, not the services: the check reads rows)."""
    client = ClientFactory()
    balance = Decimal("0.00")
    for amount in map(Decimal, AMOUNTS):
        balance += amount
        BalanceEntry.objects.create(
            client=client,
            kind=BalanceEntry.Kind.ADJUSTMENT,
            amount=amount,
            balance_after=balance,
            day=date(2027, 1, 10),
        )
    assert balance == EXACT
    Client.objects.filter(pk=client.pk).update(balance=balance)
    client.refresh_from_db()
    return client


def test_payments_of_awkward_amounts_are_no_mismatch():
    """Through the services too: many payments of 0.01, 0.1 and 2.36."""
    client = ClientFactory()
    amounts = ["0.01"] * 7 + ["0.10"] * 9 + ["2.36"] * 11
    for i, amount in enumerate(amounts):
        payment_register(client=client, amount=Decimal(amount), at=msk(2027, 1, 10, 10, i))
    client.refresh_from_db()
    assert client.balance == Decimal("26.93")
    assert ledger_violations() == []


def test_exact_balance_is_no_mismatch(client_with_awkward_entries):
    if not settings.IS_POSTGRES:
        # The database's own SUM is off here: the check must not rely on it.
        raw = BalanceEntry.objects.aggregate(s=Sum("amount"))["s"]
        assert raw != client_with_awkward_entries.balance
    assert ledger_violations() == []
    out = StringIO()
    call_command("check_ledger", stdout=out)
    assert out.getvalue() == "ledger OK\n"


def test_a_kopeck_off_is_still_a_mismatch(client_with_awkward_entries):
    client = client_with_awkward_entries
    Client.objects.filter(pk=client.pk).update(balance=Decimal("881.84"))
    assert [str(v) for v in ledger_violations()] == [
        f"[balance] client {client.pk}: balance 881.84 != sum of ledger 881.83"
    ]
