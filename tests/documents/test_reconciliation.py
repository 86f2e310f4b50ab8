"""The reconciliation statement (акт сверки, issue 12 item 4): opening + Σ entries =
closing, equal to the ledger that check_ledger proves, across payments, charges, a
reversal, a refund and an adjustment."""

from datetime import date
from decimal import Decimal

import pytest

from billing.invariants import ledger_violations
from billing.models import BalanceEntry
from billing.services import (
    balance_adjust,
    payment_register,
    payment_reverse,
    refund_register,
)
from config.errors import ValidationError
from core.reasons import Reason
from documents.services import (
    acts_issue,
    invoice_issue,
    invoice_payment_register,
    reconciliation_statement,
)
from tests.documents.test_acts import DEC, run_through, seed_example
from tests.factories import UserFactory, msk

pytestmark = pytest.mark.django_db


def month_of_corrections(seller, buyer):
    who = UserFactory(username="accountant@example.com")
    client, _ = seed_example(seller, buyer)  # +1000.00 on 14 Dec
    duplicate = payment_register(client=client, amount=Decimal("300.00"), at=msk(2026, 12, 15))
    payment_reverse(
        payment=duplicate, reason=Reason.DUPLICATE_PAYMENT, at=msk(2026, 12, 15, 13), by=who
    )
    invoice = invoice_issue(client=client, at=msk(2026, 12, 16), amount=Decimal("100.00"))
    invoice_payment_register(
        invoice=invoice, amount=Decimal("100.00"), at=msk(2026, 12, 17), reference="п/п № 5"
    )
    billing_day = date(2026, 12, 31)
    run_through(billing_day)  # −290.32
    balance_adjust(
        client=client, amount=Decimal("10.00"), reason=Reason.GOODWILL, at=msk(2027, 1, 5), by=who
    )
    refund_register(
        client=client, amount=Decimal("20.00"), at=msk(2027, 1, 10), by=who, reference="п/п 7"
    )
    run_through(date(2027, 1, 31))  # −193.55 on 13 Jan (renewed), −306.45 on 31 Jan
    client.refresh_from_db()
    return client, invoice


def figures(statement):
    return (
        statement.opening_balance,
        statement.debit_total,
        statement.credit_total,
        statement.closing_balance,
    )


def test_statement_equals_the_ledger_to_the_kopeck(seller, buyer):
    client, invoice = month_of_corrections(seller, buyer)
    acts_issue(month=DEC)
    assert ledger_violations() == []
    assert client.balance == Decimal("299.68")

    december = reconciliation_statement(
        client=client, date_from=date(2026, 12, 1), date_to=date(2026, 12, 31)
    )
    assert figures(december) == (
        Decimal("0.00"),
        Decimal("590.32"),
        Decimal("1400.00"),
        Decimal("809.68"),
    )
    assert [(e.date, e.kind, e.debit, e.credit) for e in december.entries] == [
        (date(2026, 12, 14), "payment", Decimal("0"), Decimal("1000.00")),
        (date(2026, 12, 15), "payment", Decimal("0"), Decimal("300.00")),
        (date(2026, 12, 15), "reversal", Decimal("300.00"), Decimal("0")),
        (date(2026, 12, 17), "payment", Decimal("0"), Decimal("100.00")),
        (date(2026, 12, 31), "charge", Decimal("290.32"), Decimal("0")),
    ]
    documents = [e.document for e in december.entries]
    assert documents[3].endswith(f"по счёту № {invoice.number} от 16.12.2026 (п/п № 5)")
    assert documents[2].startswith("Сторно платежа № ")
    assert documents[4] == (
        "Услуги за 14.12.2026–31.12.2026, подписка № "
        f"{BalanceEntry.objects.get(day=date(2026, 12, 31)).charge.subscription_id}"
        "; акт № 1 от 31.12.2026"
    )

    january = reconciliation_statement(
        client=client, date_from=date(2027, 1, 1), date_to=date(2027, 1, 31)
    )
    assert figures(january) == (
        Decimal("809.68"),
        Decimal("520.00"),
        Decimal("10.00"),
        Decimal("299.68"),
    )
    assert [(e.kind, e.document) for e in january.entries][:2] == [
        ("adjustment", "Корректировка: компенсация клиенту"),
        ("refund", "Возврат денежных средств (п/п 7)"),
    ]

    # Over all time: what check_ledger proves, the balance = Σ entries, and each entry's
    # running balance where the period ends.
    whole = reconciliation_statement(
        client=client, date_from=date(2026, 1, 1), date_to=date(2027, 12, 31)
    )
    assert whole.opening_balance + whole.credit_total - whole.debit_total == whole.closing_balance
    assert whole.closing_balance == client.balance
    assert len(whole.entries) == BalanceEntry.objects.filter(client=client).count() == 9
    last = BalanceEntry.objects.filter(client=client).order_by("-id").first()
    assert last.balance_after == whole.closing_balance


def test_a_period_backwards_is_refused(seller, buyer):
    with pytest.raises(ValidationError) as exc:
        reconciliation_statement(client=buyer, date_from=date(2027, 1, 2), date_to=date(2027, 1, 1))
    assert exc.value.field == "date_to"
    assert "01.01.2027" not in exc.value.message and "02.01.2027" in exc.value.message
    with pytest.raises(ValidationError) as exc:
        reconciliation_statement(client=buyer, date_from=date(2000, 1, 1), date_to=date(2027, 1, 1))
    assert exc.value.field == "date_to"
