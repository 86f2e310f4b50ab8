"""Invoices for payment (DESIGN.md §12, §13): issued for an order's amount due, for the
shortfall of the next renewal or for any amount; numbered per reseller and year; VAT at
the rate of its date or «Без НДС»; the parties frozen; e-mailed to the owner and
accountants; paid by payments that name it, or cancelled."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from accounts.models import AuditAction, AuditEvent, Membership, Requisites
from accounts.services import requisites_save
from billing.models import BalanceEntry, Payment
from billing.services import payment_register
from config.errors import Conflict, NotFound, ValidationError
from documents.models import (
    DocumentCounter,
    Invoice,
    InvoiceLine,
    InvoicePayment,
    InvoicePurpose,
    InvoiceStatus,
)
from documents.selectors import invoice_get, invoice_list
from documents.services import invoice_cancel, invoice_issue, invoice_payment_register
from notifications.models import Notification, NotificationKind
from orders.models import OrderStatus, SubscriptionStatus
from orders.services import order_confirm, order_create
from tests.accounts.test_requisites import SELLER
from tests.factories import ClientFactory, ResellerFactory, ResellerPlanFactory, UserFactory, msk

pytestmark = pytest.mark.django_db

AT = msk(2026, 12, 14, 10)


def counts():
    return {
        m.__name__: m.objects.count()
        for m in (Invoice, InvoiceLine, InvoicePayment, DocumentCounter, AuditEvent, Notification)
    }


def test_any_amount_with_vat_and_snapshot(buyer, seller):
    invoice = invoice_issue(client=buyer, amount=Decimal("12768.39"), at=AT)
    assert (invoice.year, invoice.number, invoice.date.isoformat()) == (2026, 1, "2026-12-14")
    assert invoice.status == InvoiceStatus.ISSUED
    assert invoice.purpose == InvoicePurpose.ANY
    assert invoice.total == Decimal("12768.39")
    assert invoice.vat_rate == Decimal("22.00")
    assert invoice.vat_amount == Decimal("2302.50")
    assert invoice.snapshot["seller"]["account"] == "40702810938000012345"
    assert invoice.snapshot["buyer"]["inn"] == "7736207543"
    line = invoice.lines.get()
    assert (line.position, line.quantity, line.price, line.amount) == (
        1,
        Decimal("1.000"),
        Decimal("12768.39"),
        Decimal("12768.39"),
    )
    # A later change of requisites does not rewrite the issued invoice.
    requisites_save(owner=seller, data={**SELLER, "bank_name": "АО «Другой банк»"}, at=AT)
    invoice.refresh_from_db()
    assert invoice.snapshot["seller"]["bank_name"] == "ПАО Сбербанк"
    event = AuditEvent.objects.get(action=AuditAction.INVOICE_ISSUED)
    assert event.object_id == invoice.pk and event.after["amount"] == "12768.39"


def test_vat_rate_of_the_invoice_date(buyer):
    invoice = invoice_issue(client=buyer, amount=Decimal("12000.00"), at=msk(2025, 12, 31, 23))
    assert (invoice.vat_rate, invoice.vat_amount) == (Decimal("20.00"), Decimal("2000.00"))
    # A new year starts a new series.
    nxt = invoice_issue(client=buyer, amount=Decimal("122.00"), at=msk(2026, 1, 1, 0, 5))
    assert (nxt.year, nxt.number) == (2026, 1)
    assert (nxt.vat_rate, nxt.vat_amount) == (Decimal("22.00"), Decimal("22.00"))


def test_without_vat(buyer, seller):
    requisites_save(owner=seller, data={**SELLER, "vat_mode": "none"}, at=AT)
    invoice = invoice_issue(client=buyer, amount=Decimal("500.00"), at=AT)
    assert invoice.vat_mode == "none"
    assert (invoice.vat_rate, invoice.vat_amount) == (None, Decimal("0.00"))


def test_numbers_follow_per_reseller(buyer, seller):
    other = ClientFactory(reseller=seller)
    numbers = [
        invoice_issue(client=c, amount=Decimal("10.00"), at=AT).number
        for c in (buyer, other, buyer)
    ]
    assert numbers == [1, 2, 3]
    stranger = ResellerFactory()
    requisites_save(owner=stranger, data=dict(SELLER), at=AT)
    assert (
        invoice_issue(client=ClientFactory(reseller=stranger), amount=Decimal("1"), at=AT).number
        == 1
    )


def test_a_refused_issue_gives_its_number_back(buyer):
    invoice_issue(client=buyer, amount=Decimal("10.00"), at=AT)
    with pytest.raises(ValidationError):
        invoice_issue(client=buyer, amount=Decimal("0"), at=AT)
    assert invoice_issue(client=buyer, amount=Decimal("10.00"), at=AT).number == 2


def test_a_client_without_requisites_is_named_from_the_client(seller):
    client = ClientFactory(reseller=seller, name="ООО «Вектор»", inn="7728168971")
    invoice = invoice_issue(client=client, amount=Decimal("1.00"), at=AT)
    assert invoice.snapshot["buyer"]["legal_name"] == "ООО «Вектор»"
    assert invoice.snapshot["buyer"]["inn"] == "7728168971"


def test_for_an_order_the_amount_due(buyer):
    plan = ResellerPlanFactory(reseller=buyer.reseller, seat_price=Decimal("100.00"))
    payment_register(client=buyer, amount=Decimal("50.00"), at=AT)
    sub = order_confirm(order=order_create(client=buyer, reseller_plan=plan, seats=5), at=AT)
    assert sub.status == SubscriptionStatus.PENDING_PAYMENT
    invoice = invoice_issue(client=buyer, order=sub.order, at=AT)
    # 5 × 100.00 a month from 14 Dec to 12 Jan: 290.32 + 193.55 = 483.87, less 50.00.
    assert invoice.total == Decimal("433.87")
    assert invoice.purpose == InvoicePurpose.ORDER and invoice.order_id == sub.order.pk
    assert "оплата заказа №" in invoice.lines.get().title
    payment = invoice_payment_register(
        invoice=invoice, amount=Decimal("433.87"), at=AT, reference="п/п № 1"
    )
    assert payment.order_id == sub.order.pk
    sub.refresh_from_db()
    sub.order.refresh_from_db()
    assert sub.status == SubscriptionStatus.ACTIVE
    assert sub.order.status == OrderStatus.COMPLETED
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.paid_at == AT


def test_an_order_that_does_not_await_payment_is_refused(buyer):
    plan = ResellerPlanFactory(reseller=buyer.reseller)
    draft = order_create(client=buyer, reseller_plan=plan)
    before = counts()
    with pytest.raises(Conflict) as err:
        invoice_issue(client=buyer, order=draft, at=AT)
    assert err.value.field == "order"
    assert counts() == before


def test_another_clients_order_is_not_found(buyer):
    other = ClientFactory(reseller=buyer.reseller)
    plan = ResellerPlanFactory(reseller=buyer.reseller)
    sub = order_confirm(order=order_create(client=other, reseller_plan=plan), at=AT)
    with pytest.raises(NotFound):
        invoice_issue(client=buyer, order=sub.order, at=AT)


def test_renewal_shortfall(buyer):
    plan = ResellerPlanFactory(reseller=buyer.reseller, seat_price=Decimal("100.00"))
    payment_register(client=buyer, amount=Decimal("483.87"), at=AT)
    sub = order_confirm(order=order_create(client=buyer, reseller_plan=plan, seats=5), at=AT)
    assert sub.status == SubscriptionStatus.ACTIVE
    payment_register(client=buyer, amount=Decimal("100.00"), at=AT)
    invoice = invoice_issue(client=buyer, subscription=sub, at=AT)
    # The next 30-day period, 13 Jan – 11 Feb 2027 at 5 × 100.00 a month: 19 days of
    # January 306.45 + 11 days of February 196.43 = 502.88; 100.00 is available.
    assert invoice.total == Decimal("402.88")
    assert invoice.purpose == InvoicePurpose.RENEWAL_SHORTFALL
    assert invoice.subscription_id == sub.pk
    # A reminder's link names the amount: that amount is the invoice's.
    given = invoice_issue(client=buyer, subscription=sub, amount=Decimal("399.99"), at=AT)
    assert given.total == Decimal("399.99")


def test_renewal_covered_needs_no_invoice(buyer):
    plan = ResellerPlanFactory(reseller=buyer.reseller, seat_price=Decimal("100.00"))
    payment_register(client=buyer, amount=Decimal("2000.00"), at=AT)
    sub = order_confirm(order=order_create(client=buyer, reseller_plan=plan, seats=5), at=AT)
    before = counts()
    with pytest.raises(Conflict) as err:
        invoice_issue(client=buyer, subscription=sub, at=AT)
    assert err.value.field == "subscription"
    assert counts() == before


@pytest.mark.parametrize(
    ("amount", "field"),
    [
        (None, "amount"),
        (Decimal("0"), "amount"),
        (Decimal("-1.00"), "amount"),
        (Decimal("0.001"), "amount"),
        (Decimal("10000000000.00"), "amount"),
        ("abc", "amount"),
        (1.5, "amount"),
    ],
)
def test_bad_amount_writes_nothing(buyer, amount, field):
    before = counts()
    with pytest.raises(ValidationError) as err:
        invoice_issue(client=buyer, amount=amount, at=AT)
    assert err.value.field == field
    assert counts() == before


def test_incomplete_seller_requisites_are_named(seller):
    Requisites.objects.filter(reseller=seller).update(bik="", account="")
    client = ClientFactory(reseller=seller)
    before = counts()
    with pytest.raises(Conflict) as err:
        invoice_issue(client=client, amount=Decimal("10.00"), at=AT)
    assert err.value.field == "requisites"
    assert "БИК, расчётный счёт" in err.value.message
    assert counts() == before


def test_no_seller_requisites_at_all():
    client = ClientFactory()
    with pytest.raises(Conflict) as err:
        invoice_issue(client=client, amount=Decimal("10.00"), at=AT)
    assert err.value.field == "requisites"
    assert not Invoice.objects.exists()


def test_notified_to_owner_and_accountants(buyer):
    accountant = UserFactory()
    Membership.objects.create(user=accountant, client=buyer, role=Membership.Role.ACCOUNTANT)
    viewer = UserFactory()
    Membership.objects.create(user=viewer, client=buyer, role=Membership.Role.VIEWER)
    invoice = invoice_issue(client=buyer, amount=Decimal("1099.50"), at=AT)
    notes = Notification.objects.filter(kind=NotificationKind.INVOICE_ISSUED).order_by("id")
    assert [n.recipient_id for n in notes] == [buyer.owner_id, accountant.pk]
    assert [n.email_to for n in notes] == [buyer.email, accountant.email]
    note = notes[0]
    assert note.subject == f"Счёт на оплату № {invoice.number} от 14.12.2026"
    # «ООО … выставил» would give a company a gender: the supplier is named on its own line.
    assert "Выставлен счёт на оплату №" in note.body
    assert "Поставщик: ООО «Демо-реселлер»." in note.body
    assert "на сумму 1 099,50 ₽, в т.ч. НДС 22 %: 198,27 ₽." in note.body
    assert f"/portal/invoices/{invoice.pk}/" in note.body


def test_partial_payments_then_paid(buyer):
    invoice = invoice_issue(client=buyer, amount=Decimal("1000.00"), at=AT)
    invoice_payment_register(invoice=invoice, amount=Decimal("400.00"), at=AT)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    invoice_payment_register(invoice=invoice, amount=Decimal("600.00"), at=msk(2026, 12, 15))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.paid_at == msk(2026, 12, 15)
    assert InvoicePayment.objects.filter(invoice=invoice).count() == 2
    buyer.refresh_from_db()
    assert buyer.balance == Decimal("1000.00")
    assert AuditEvent.objects.filter(action=AuditAction.INVOICE_PAID).count() == 1
    # Money that comes after it is paid is still registered and linked.
    invoice_payment_register(invoice=invoice, amount=Decimal("1.00"), at=msk(2026, 12, 16))
    assert InvoicePayment.objects.filter(invoice=invoice).count() == 3


def test_cancel(buyer):
    user = UserFactory()
    invoice = invoice_issue(client=buyer, amount=Decimal("10.00"), at=AT)
    invoice = invoice_cancel(invoice=invoice, at=AT, by=user)
    assert invoice.status == InvoiceStatus.CANCELLED and invoice.cancelled_at == AT
    assert AuditEvent.objects.get(action=AuditAction.INVOICE_CANCELLED).actor_id == user.pk
    with pytest.raises(Conflict):
        invoice_cancel(invoice=invoice, at=AT)
    before = counts()
    payments = Payment.objects.count()
    with pytest.raises(Conflict) as err:
        invoice_payment_register(invoice=invoice, amount=Decimal("10.00"), at=AT)
    assert err.value.field == "invoice"
    assert counts() == before and Payment.objects.count() == payments


def test_paid_or_partly_paid_is_not_cancelled(buyer):
    invoice = invoice_issue(client=buyer, amount=Decimal("10.00"), at=AT)
    invoice_payment_register(invoice=invoice, amount=Decimal("5.00"), at=AT)
    with pytest.raises(Conflict):
        invoice_cancel(invoice=invoice, at=AT)
    invoice_payment_register(invoice=invoice, amount=Decimal("5.00"), at=AT)
    with pytest.raises(Conflict):
        invoice_cancel(invoice=invoice, at=AT)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


def test_a_bad_payment_writes_nothing(buyer):
    invoice = invoice_issue(client=buyer, amount=Decimal("10.00"), at=AT)
    before = counts()
    entries = BalanceEntry.objects.count()
    with pytest.raises(ValidationError):
        invoice_payment_register(invoice=invoice, amount=Decimal("0"), at=AT)
    assert counts() == before and BalanceEntry.objects.count() == entries


def test_selectors_are_tenant_scoped(buyer, seller):
    mine = invoice_issue(client=buyer, amount=Decimal("10.00"), at=AT)
    paid = invoice_issue(client=buyer, amount=Decimal("20.00"), at=AT)
    invoice_payment_register(invoice=paid, amount=Decimal("20.00"), at=AT)
    other_client = ClientFactory(reseller=seller)
    theirs = invoice_issue(client=other_client, amount=Decimal("30.00"), at=AT)
    assert list(invoice_list(client=buyer)) == [paid, mine]
    assert list(invoice_list(reseller=seller, status="paid")) == [paid]
    assert list(invoice_list(reseller=seller, client_id=other_client.pk)) == [theirs]
    assert invoice_get(client=buyer, invoice_id=mine.pk) == mine
    with pytest.raises(NotFound):
        invoice_get(client=buyer, invoice_id=theirs.pk)
    with pytest.raises(NotFound):
        invoice_get(reseller=ResellerFactory(), invoice_id=mine.pk)
    with pytest.raises(ValidationError):
        invoice_list(reseller=seller, status="lost")


def test_created_by(buyer):
    user = get_user_model().objects.create(username="acc@example.com")
    invoice = invoice_issue(client=buyer, amount=Decimal("1.00"), at=AT, by=user)
    assert invoice.created_by_id == user.pk


def test_the_email_carries_the_pdf(buyer, mailoutbox):
    from notifications.services import email_drain

    invoice = invoice_issue(client=buyer, amount=Decimal("10.00"), at=AT)
    assert email_drain(at=AT).sent == 1
    (message,) = mailoutbox
    assert message.to == [buyer.email]
    assert message.subject == f"Счёт на оплату № {invoice.number} от 14.12.2026"
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == (f"invoice-2026-{invoice.number}.pdf", "application/pdf")
    assert content.startswith(b"%PDF-")
