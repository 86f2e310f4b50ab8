"""Every document agrees with the ledger to the kopeck (issue 12, last paragraph): a
month of invoices, payments, corrections and acts for a few clients, then acts = Σ
charges closed in the month, statements = the ledger, invoices paid = the payments that
name them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum

from accounts.services import requisites_save
from billing.invariants import ledger_violations
from billing.models import BalanceEntry, Charge, ChargeStatus, Payment
from billing.services import (
    balance_adjust,
    billing_run,
    payment_register,
    payment_reverse,
    refund_register,
)
from core.money import money
from core.reasons import Reason
from documents.models import Act, ActLine, Invoice, InvoiceStatus
from documents.selectors import invoice_paid_amount
from documents.services import (
    acts_issue,
    invoice_cancel,
    invoice_issue,
    invoice_payment_register,
    reconciliation_statement,
)
from orders.services import order_confirm, order_create
from tests.accounts.test_requisites import BUYER
from tests.factories import (
    ClientFactory,
    ResellerPlanFactory,
    UserFactory,
    VendorPlanFactory,
    msk,
)

pytestmark = pytest.mark.django_db

DEC, JAN = date(2026, 12, 1), date(2027, 1, 1)


def month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def a_month_of_business(seller):
    who = UserFactory(username="buh@reseller.example")
    entry = ResellerPlanFactory(
        reseller=seller,
        vendor_plan=VendorPlanFactory(name="ESET PROTECT Entry", min_seats=1),
        seat_price=Decimal("100.00"),
    )
    advanced = ResellerPlanFactory(
        reseller=seller,
        vendor_plan=VendorPlanFactory(name="ESET PROTECT Advanced", min_seats=1),
        seat_price=Decimal("333.33"),
    )
    a, b, c = (ClientFactory(reseller=seller) for _ in range(3))
    requisites_save(owner=a, data=dict(BUYER), at=msk(2026, 11, 30))

    # a: an order paid by its invoice, partly, then in full; a second subscription later.
    order = order_create(client=a, reseller_plan=entry, seats=5)
    order_confirm(order=order, at=msk(2026, 12, 1, 10))
    first = invoice_issue(client=a, order=order, at=msk(2026, 12, 1, 11))
    invoice_payment_register(invoice=first, amount=Decimal("200.00"), at=msk(2026, 12, 2, 10))
    invoice_payment_register(
        invoice=first, amount=first.total - Decimal("200.00"), at=msk(2026, 12, 3, 10)
    )
    order_confirm(
        order=order_create(client=a, reseller_plan=advanced, seats=3), at=msk(2026, 12, 10, 9)
    )
    payment_register(client=a, amount=Decimal("2500.00"), at=msk(2026, 12, 10, 10))

    # b: an invoice paid, the payment reversed (a wrong client), paid again; a goodwill
    # adjustment; a cancelled invoice that nothing names.
    topup = invoice_issue(client=b, amount=Decimal("1000.00"), at=msk(2026, 12, 5, 10))
    wrong = invoice_payment_register(
        invoice=topup, amount=Decimal("1000.00"), at=msk(2026, 12, 5, 11)
    )
    payment_reverse(payment=wrong, reason=Reason.WRONG_CLIENT, at=msk(2026, 12, 5, 12), by=who)
    invoice_payment_register(invoice=topup, amount=Decimal("1000.00"), at=msk(2026, 12, 6, 10))
    order_confirm(
        order=order_create(client=b, reseller_plan=advanced, seats=2), at=msk(2026, 12, 6, 11)
    )
    balance_adjust(
        client=b, amount=Decimal("15.55"), reason=Reason.GOODWILL, at=msk(2026, 12, 7), by=who
    )
    dropped = invoice_issue(client=b, amount=Decimal("50.00"), at=msk(2026, 12, 8))
    invoice_cancel(invoice=dropped, at=msk(2026, 12, 9), by=who)

    # c: paid in cash, a part refunded; an invoice left unpaid.
    payment_register(client=c, amount=Decimal("3000.00"), at=msk(2026, 12, 14, 9))
    order_confirm(
        order=order_create(client=c, reseller_plan=entry, seats=7), at=msk(2026, 12, 14, 10)
    )
    refund_register(client=c, amount=Decimal("123.45"), at=msk(2026, 12, 20), by=who)
    invoice_issue(client=c, amount=Decimal("99.99"), at=msk(2026, 12, 21))

    day = DEC
    while day <= date(2027, 1, 31):
        billing_run(day=day)
        day += timedelta(days=1)
    return a, b, c


def test_documents_agree_with_the_ledger(seller):
    clients = a_month_of_business(seller)
    assert acts_issue(month=DEC).acts == 3
    assert acts_issue(month=JAN).acts == 3
    assert ledger_violations() == []

    for client in clients:
        client.refresh_from_db()
        for month in (DEC, JAN):
            last = month_end(month)
            closed = Charge.objects.filter(
                client=client, status=ChargeStatus.CLOSED, closed_on__gte=month, closed_on__lte=last
            )
            act = Act.objects.get(client=client, month=month)
            # acts = Σ closed charges of the month, charge by charge.
            assert act.total == money(closed.aggregate(s=Sum("amount"))["s"]) > 0
            assert set(ActLine.objects.filter(act=act).values_list("charge_id", flat=True)) == set(
                closed.values_list("id", flat=True)
            )
            # … = the month's charge debits in the ledger.
            debits = BalanceEntry.objects.filter(
                client=client, kind=BalanceEntry.Kind.CHARGE, day__gte=month, day__lte=last
            ).aggregate(s=Sum("amount"))["s"]
            assert act.total == -money(debits)

            # statements = ledger: the month's entries, their sums and the running balance.
            statement = reconciliation_statement(client=client, date_from=month, date_to=last)
            entries = BalanceEntry.objects.filter(client=client, day__gte=month, day__lte=last)
            assert len(statement.entries) == entries.count()
            assert statement.credit_total == money(
                entries.filter(amount__gt=0).aggregate(s=Sum("amount"))["s"]
            )
            assert statement.debit_total == -money(
                entries.filter(amount__lt=0).aggregate(s=Sum("amount"))["s"]
            )
            assert statement.closing_balance == (
                statement.opening_balance + statement.credit_total - statement.debit_total
            )
            charges_in_statement = sum(
                (e.debit for e in statement.entries if e.kind == "charge"), Decimal("0")
            )
            assert charges_in_statement == act.total
        # The last statement closes on the balance check_ledger proves.
        assert statement.closing_balance == client.balance
        last_entry = BalanceEntry.objects.filter(client=client).order_by("-id").first()
        assert last_entry.balance_after == client.balance
        december = reconciliation_statement(client=client, date_from=DEC, date_to=month_end(DEC))
        assert december.closing_balance == statement.opening_balance

    # invoices paid = the payments that name them (reversed ones do not count).
    for invoice in Invoice.objects.all():
        named = Payment.objects.filter(invoice_link__invoice=invoice, reversal_entry__isnull=True)
        paid = money(named.aggregate(s=Sum("amount"))["s"])
        assert invoice_paid_amount(invoice=invoice) == paid
        if invoice.status == InvoiceStatus.PAID:
            assert paid >= invoice.total
        else:
            assert paid < invoice.total
    assert sorted(Invoice.objects.values_list("status", flat=True)) == [
        "cancelled",
        "issued",
        "paid",
        "paid",
    ]
