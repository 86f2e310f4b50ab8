"""Monthly acts (DESIGN.md §13, issue 12 item 3): the seed's example, VAT, numbering,
idempotency, recipients."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from accounts.models import Membership, VatMode
from accounts.services import requisites_save
from billing.models import Charge
from billing.services import billing_run, payment_register
from config.errors import ValidationError
from documents.models import Act, ActLine, DocumentCounter, DocumentKind
from documents.services import acts_issue
from notifications.models import Notification, NotificationKind
from orders.services import order_confirm, order_create
from tests.accounts.test_requisites import BUYER, SELLER
from tests.factories import (
    ClientFactory,
    ResellerPlanFactory,
    UserFactory,
    VendorPlanFactory,
    msk,
)

pytestmark = pytest.mark.django_db

DEC, JAN = date(2026, 12, 1), date(2027, 1, 1)


def seed_example(reseller, client=None):
    """S10: 5 seats at 100.00 bought on 14 Dec 2026, run through 31 Jan 2027."""
    plan = ResellerPlanFactory(
        reseller=reseller,
        vendor_plan=VendorPlanFactory(
            name="ESET PROTECT Entry", min_seats=5, purchase_price=Decimal("80.00")
        ),
        seat_price=Decimal("100.00"),
    )
    client = client or ClientFactory(reseller=reseller)
    order = order_create(client=client, reseller_plan=plan)
    sub = order_confirm(order=order, at=msk(2026, 12, 14, 10))
    payment_register(
        client=client, amount=Decimal("1000.00"), at=msk(2026, 12, 14, 11), order=order
    )
    return client, sub


def run_through(day):
    for d in (date(2026, 12, 31), date(2027, 1, 13), day):
        if d <= day:
            billing_run(day=d)


def lines(act):
    return [
        (line.product, line.seats, line.date_from, line.date_to, line.days, line.amount)
        for line in ActLine.objects.filter(act=act).order_by("date_from")
    ]


def test_seed_example_december_and_january_acts(seller, buyer):
    client, sub = seed_example(seller, buyer)
    run_through(date(2027, 1, 31))

    december = acts_issue(month=DEC)
    assert (december.acts, december.lines, december.total) == (1, 1, Decimal("290.32"))
    act = Act.objects.get(client=client, month=DEC)
    assert (act.number, act.year, act.date, act.total) == (
        1,
        2026,
        date(2026, 12, 31),
        Decimal("290.32"),
    )
    # VAT 22 % from 01.01.2026, included: 290.32 × 22 / 122 = 52.3527… → 52.35.
    assert (act.vat_mode, act.vat_rate, act.vat_amount) == (
        VatMode.STANDARD,
        Decimal("22.00"),
        Decimal("52.35"),
    )
    assert lines(act) == [
        ("ESET PROTECT Entry", 5, date(2026, 12, 14), date(2026, 12, 31), 18, Decimal("290.32"))
    ]
    assert act.snapshot["seller"]["inn"] == SELLER["inn"]
    assert act.snapshot["seller"]["bik"] == SELLER["bik"]
    assert act.snapshot["buyer"]["legal_name"] == BUYER["legal_name"]
    assert act.snapshot["buyer"]["kpp"] == BUYER["kpp"]

    january = acts_issue(month=JAN)
    assert (january.acts, january.lines, january.total) == (1, 2, Decimal("500.00"))
    act = Act.objects.get(client=client, month=JAN)
    assert (act.number, act.year, act.date) == (1, 2027, date(2027, 1, 31))
    assert lines(act) == [
        ("ESET PROTECT Entry", 5, date(2027, 1, 1), date(2027, 1, 12), 12, Decimal("193.55")),
        ("ESET PROTECT Entry", 5, date(2027, 1, 13), date(2027, 1, 31), 19, Decimal("306.45")),
    ]
    assert act.total == Decimal("500.00")
    assert act.vat_amount == Decimal("90.16")  # 500 × 22 / 122 = 90.1639…
    # Every closed charge is in exactly one act; the open February charge in none.
    assert set(ActLine.objects.values_list("charge_id", flat=True)) == set(
        Charge.objects.filter(subscription=sub, status="closed").values_list("id", flat=True)
    )


def test_rerun_issues_nothing_new(seller, buyer):
    seed_example(seller, buyer)
    run_through(date(2026, 12, 31))
    assert acts_issue(month=DEC).acts == 1
    counts = (Act.objects.count(), ActLine.objects.count(), Notification.objects.count())
    again = acts_issue(month=DEC)
    assert (again.acts, again.lines, again.notifications) == (0, 0, 0)
    assert (Act.objects.count(), ActLine.objects.count(), Notification.objects.count()) == counts
    counter = DocumentCounter.objects.get(reseller=seller, kind=DocumentKind.ACT, year=2026)
    assert counter.last_number == 1


def test_no_vat_for_simplified_tax_system(seller):
    requisites_save(owner=seller, data={**SELLER, "vat_mode": VatMode.NONE}, at=msk(2026, 12, 1, 9))
    client, _ = seed_example(seller)
    run_through(date(2026, 12, 31))
    acts_issue(month=DEC)
    act = Act.objects.get(client=client)
    assert (act.vat_mode, act.vat_rate, act.vat_amount) == (VatMode.NONE, None, Decimal("0.00"))
    # A client without requisites is named as the panel knows it.
    assert act.snapshot["buyer"]["legal_name"] == client.name
    assert act.snapshot["buyer"]["inn"] == client.inn


def test_numbers_follow_client_ids_without_gaps_after_invoices_and_earlier_acts(seller):
    clients = [seed_example(seller)[0] for _ in range(3)]
    run_through(date(2026, 12, 31))
    # Acts have their own series: an earlier number of the year continues it.
    DocumentCounter.objects.create(reseller=seller, kind=DocumentKind.ACT, year=2026, last_number=7)
    DocumentCounter.objects.create(
        reseller=seller, kind=DocumentKind.INVOICE, year=2026, last_number=40
    )
    acts_issue(month=DEC)
    assert list(Act.objects.order_by("client_id").values_list("client_id", "number")) == [
        (c.pk, n) for c, n in zip(sorted(clients, key=lambda c: c.pk), (8, 9, 10), strict=True)
    ]
    assert (
        DocumentCounter.objects.get(reseller=seller, kind=DocumentKind.ACT, year=2026).last_number
        == 10
    )
    assert (
        DocumentCounter.objects.get(
            reseller=seller, kind=DocumentKind.INVOICE, year=2026
        ).last_number
        == 40
    )


def test_reseller_without_requisites_is_skipped_and_served_later(seller):
    from tests.factories import ResellerFactory

    other = ResellerFactory()
    seed_example(other)
    _client, _ = seed_example(seller)
    run_through(date(2026, 12, 31))
    result = acts_issue(month=DEC)
    assert (result.acts, result.skipped_resellers) == (1, [other.pk])
    assert not Act.objects.filter(reseller=other).exists()
    requisites_save(owner=other, data=dict(SELLER), at=msk(2027, 1, 1, 9))
    assert acts_issue(month=DEC).acts == 1


def test_act_issued_to_owner_and_accountants_once(seller, buyer):
    accountant = UserFactory(email="buh@example.test")
    Membership.objects.create(user=accountant, client=buyer, role=Membership.Role.ACCOUNTANT)
    viewer = UserFactory()
    Membership.objects.create(user=viewer, client=buyer, role=Membership.Role.VIEWER)
    seed_example(seller, buyer)
    run_through(date(2026, 12, 31))
    result = acts_issue(month=DEC)
    act = Act.objects.get()
    sent = Notification.objects.filter(kind=NotificationKind.ACT_ISSUED).order_by("id")
    assert result.notifications == 2
    assert [(n.recipient_id, n.email_to) for n in sent] == [
        (buyer.owner_id, buyer.email),
        (accountant.pk, "buh@example.test"),
    ]
    first = sent[0]
    assert first.subject == "Акт № 1 от 31.12.2026"
    assert "за декабрь 2026 на сумму 290,32 ₽" in first.body
    assert f"/portal/acts/{act.pk}/" in first.body


def test_month_must_be_a_first_day_and_nothing_is_written(seller, buyer):
    seed_example(seller, buyer)
    run_through(date(2026, 12, 31))
    with pytest.raises(ValidationError) as exc:
        acts_issue(month=date(2026, 12, 31))
    assert exc.value.field == "month"
    assert not Act.objects.exists()


def test_no_charges_closed_no_act(seller, buyer):
    seed_example(seller, buyer)  # nothing closed yet
    assert acts_issue(month=DEC).acts == 0
    assert not Act.objects.exists()


def test_command(seller, buyer, capsys):
    seed_example(seller, buyer)
    run_through(date(2026, 12, 31))
    call_command("acts_issue", "--month", "2026-12")
    assert "acts_issue 2026-12: acts=1 lines=1 total=290.32" in capsys.readouterr().out
    assert Act.objects.count() == 1


def test_resellers_in_several_chunks_each_number_their_own_series(monkeypatch):
    import documents.acts as acts_module
    from tests.factories import ResellerFactory

    monkeypatch.setattr(acts_module, "CHUNK_RESELLERS", 2)
    resellers = [ResellerFactory() for _ in range(3)]
    for reseller in resellers:
        requisites_save(owner=reseller, data=dict(SELLER), at=msk(2026, 12, 1, 9))
        for _ in range(2):
            seed_example(reseller)
    run_through(date(2026, 12, 31))
    result = acts_issue(month=DEC)
    assert (result.acts, result.lines, result.total) == (6, 6, Decimal("1741.92"))
    for reseller in resellers:
        assert sorted(Act.objects.filter(reseller=reseller).values_list("number", flat=True)) == [
            1,
            2,
        ]
    assert acts_issue(month=DEC).acts == 0


def test_the_act_issued_email_carries_the_acts_pdf(seller, buyer, mailoutbox):
    from notifications.services import email_drain

    seed_example(seller, buyer)
    run_through(date(2026, 12, 31))
    acts_issue(month=DEC)
    mailoutbox.clear()
    email_drain(at=msk(2027, 1, 1, 8))
    [mail] = [m for m in mailoutbox if m.subject == "Акт № 1 от 31.12.2026"]
    [(filename, content, mimetype)] = mail.attachments
    assert (filename, mimetype) == ("act-2026-1.pdf", "application/pdf")
    assert content.startswith(b"%PDF-")


def test_the_invoice_issued_email_carries_the_invoices_pdf(seller, buyer, mailoutbox):
    from documents.services import invoice_issue
    from notifications.services import email_drain

    invoice = invoice_issue(client=buyer, amount=Decimal("100.00"), at=msk(2026, 12, 5))
    email_drain(at=msk(2026, 12, 5, 13))
    [mail] = [m for m in mailoutbox if m.attachments]
    assert mail.attachments[0][0] == f"invoice-2026-{invoice.number}.pdf"
    assert mail.attachments[0][1].startswith(b"%PDF-")
