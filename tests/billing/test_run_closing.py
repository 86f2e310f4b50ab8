"""The daily run closes charges set-based (one INSERT … SELECT of ledger entries per chunk of
clients, DESIGN.md §10): the ledger it writes must be exactly the one a charge-by-charge
close would write: one entry per charge, in each client's closing order (closing day, then
first day), each carrying the running balance, whatever the chunking of clients."""

from datetime import date
from decimal import Decimal

import pytest

from billing.models import BalanceEntry, Charge, ChargeStatus
from billing.services import billing_run, payment_register
from billing.services import runs as services
from orders.services import order_confirm, order_create
from tests.factories import ClientFactory, ResellerPlanFactory, msk
from tests.invariants import assert_invariants

pytestmark = pytest.mark.django_db


def activate(client, plan, *, seats: int, day: int, month: int = 12, year: int = 2026):
    order = order_create(client=client, reseller_plan=plan, seats=seats)
    return order_confirm(order=order, at=msk(year, month, day, 10))


def ledger(client):
    return list(
        BalanceEntry.objects.filter(client=client, kind="charge")
        .order_by("id")
        .values_list("charge_id", "day", "amount", "balance_after")
    )


def charge_id(sub, date_from: date) -> int:
    return Charge.objects.get(subscription=sub, date_from=date_from).pk


@pytest.mark.parametrize("chunk", [1, 2000])
def test_catch_up_writes_each_clients_entries_in_closing_order_with_running_balance(
    monkeypatch, chunk
):
    monkeypatch.setattr(services, "RUN_CHUNK_CLIENTS", chunk)
    plan = ResellerPlanFactory(seat_price=Decimal("100.00"))
    first, second, idle = (ClientFactory(reseller=plan.reseller) for _ in range(3))
    # `first` holds two subscriptions whose charges interleave: the 14 Dec one (5 seats,
    # charges closing 31 Dec and 13 Jan) is created before the 20 Dec one (2 seats, closing
    # 31 Dec and 19 Jan), so closing order and id order differ.
    a = activate(first, plan, seats=5, day=14)
    payment_register(client=first, amount=Decimal("1000.00"), at=msk(2026, 12, 14, 11))
    b = activate(first, plan, seats=2, day=20)  # paid from what is left at once
    payment_register(client=first, amount=Decimal("1000.00"), at=msk(2026, 12, 20, 11))
    c = activate(second, plan, seats=3, day=14)
    payment_register(client=second, amount=Decimal("1000.00"), at=msk(2026, 12, 14, 11))
    # `idle` starts on 15 Jan: nothing of it is due by 20 Jan.
    activate(idle, plan, seats=1, day=15, month=1, year=2027)
    payment_register(client=idle, amount=Decimal("500.00"), at=msk(2027, 1, 15, 11))
    before = BalanceEntry.objects.count()

    result = billing_run(day=date(2027, 1, 20))

    # 5 seats: 290.32 + 193.55; 2 seats: 24 × 100/31 = 77.42, 36 × 100/31 = 116.13;
    # 3 seats: 54 × 100/31 = 174.19, 36 × 100/31 = 116.13.
    assert (result.charges_closed, result.amount_debited) == (6, Decimal("967.74"))
    assert ledger(first) == [
        (
            charge_id(a, date(2026, 12, 14)),
            date(2026, 12, 31),
            Decimal("-290.32"),
            Decimal("1709.68"),
        ),
        (
            charge_id(b, date(2026, 12, 20)),
            date(2026, 12, 31),
            Decimal("-77.42"),
            Decimal("1632.26"),
        ),
        (charge_id(a, date(2027, 1, 1)), date(2027, 1, 13), Decimal("-193.55"), Decimal("1438.71")),
        (charge_id(b, date(2027, 1, 1)), date(2027, 1, 19), Decimal("-116.13"), Decimal("1322.58")),
    ]
    assert ledger(second) == [
        (
            charge_id(c, date(2026, 12, 14)),
            date(2026, 12, 31),
            Decimal("-174.19"),
            Decimal("825.81"),
        ),
        (charge_id(c, date(2027, 1, 1)), date(2027, 1, 13), Decimal("-116.13"), Decimal("709.68")),
    ]
    assert ledger(idle) == []
    # The cached balances moved with their last entries; the idle client's did not move.
    for client, expected in ((first, "1322.58"), (second, "709.68"), (idle, "500.00")):
        client.refresh_from_db()
        assert client.balance == Decimal(expected)
    # One entry per closed charge, each stamped, each charge closed on its own day.
    new = BalanceEntry.objects.filter(kind="charge")
    assert BalanceEntry.objects.count() - before == new.count() == 6
    assert not new.filter(created_at__isnull=True).exists()
    closed = Charge.objects.filter(status=ChargeStatus.CLOSED)
    assert sorted(closed.values_list("closes_on", "closed_on")) == sorted(
        (d, d) for d in closed.values_list("closes_on", flat=True)
    )
    assert (result.renewed, result.suspended) == (3, 0)
    assert_invariants(day=date(2027, 1, 20))

    # Run again, concurrently-safe by the client lock and idempotent: nothing more.
    again = billing_run(day=date(2027, 1, 20))
    assert (again.charges_closed, again.amount_debited) == (0, Decimal("0.00"))
    assert BalanceEntry.objects.filter(kind="charge").count() == 6


def test_a_client_whose_due_charges_exceed_the_balance_goes_negative_entry_by_entry():
    """Closing never refuses a charge (it was reserved when formed): when the balance fell
    short meanwhile (here an adjustment taken out of band), the entries run below zero one
    by one and the renewal then finds nothing available."""
    plan = ResellerPlanFactory(seat_price=Decimal("100.00"))
    client = ClientFactory(reseller=plan.reseller)
    sub = activate(client, plan, seats=5, day=14)
    payment_register(client=client, amount=Decimal("483.87"), at=msk(2026, 12, 14, 11))
    # Take the money back out of band, as an adjustment would: 100.00 short.
    BalanceEntry.objects.create(
        client=client,
        kind="adjustment",
        amount=Decimal("-100.00"),
        balance_after=Decimal("383.87"),
        day=date(2026, 12, 15),
    )
    type(client).objects.filter(pk=client.pk).update(balance=Decimal("383.87"))

    result = billing_run(day=date(2027, 1, 13))

    assert result.charges_closed == 2
    assert ledger(client) == [
        (
            charge_id(sub, date(2026, 12, 14)),
            date(2026, 12, 31),
            Decimal("-290.32"),
            Decimal("93.55"),
        ),
        (
            charge_id(sub, date(2027, 1, 1)),
            date(2027, 1, 13),
            Decimal("-193.55"),
            Decimal("-100.00"),
        ),
    ]
    client.refresh_from_db()
    assert client.balance == Decimal("-100.00")
    assert result.suspended == 1  # nothing left for the renewal
    assert_invariants(day=date(2027, 1, 13))
