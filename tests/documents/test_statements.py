"""Bank statement import (DESIGN.md §12, §13): the 1CClientBankExchange file parsed in
windows-1251 and UTF-8; incoming payments to the reseller's account matched by an invoice
number in the purpose, else by the payer's INN; a matched line registers the payment
(linked to its invoice, serving what waits); the rest waits in a queue to assign or
ignore; the same payment twice registers once; a malformed file is refused with its line
number and nothing of it is written."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from accounts.models import AuditAction, AuditEvent, Requisites
from billing.models import BalanceEntry, Payment
from billing.services import billing_run, payment_register
from config.errors import Conflict, NotFound, ValidationError
from documents.bank import statement_parse
from documents.models import (
    BankStatement,
    Invoice,
    InvoicePayment,
    InvoiceStatus,
    StatementLine,
    StatementLineStatus,
    StatementMatch,
)
from documents.services import invoice_cancel, invoice_issue
from documents.statement_selectors import statement_queue
from documents.statements import (
    invoice_refs,
    statement_import,
    statement_line_assign,
    statement_line_ignore,
)
from notifications.models import Notification, NotificationKind
from orders.models import SubscriptionStatus
from orders.services import order_confirm, order_create
from tests.conftest import requires_postgres
from tests.factories import (
    ClientFactory,
    ResellerFactory,
    ResellerPlanFactory,
    UserFactory,
    VendorPlanFactory,
    msk,
)

from .statement_files import (
    ACCOUNT,
    BUYER_INN,
    OWN_INN,
    UNKNOWN_INN,
    Doc,
    data,
    statement_bytes,
)

pytestmark = pytest.mark.django_db

ISSUED_AT = msk(2026, 12, 14, 10)
AT = msk(2026, 12, 15, 11)


def counts() -> dict[str, int]:
    return {
        m.__name__: m.objects.count()
        for m in (
            BankStatement,
            StatementLine,
            Payment,
            BalanceEntry,
            InvoicePayment,
            AuditEvent,
            Notification,
        )
    }


@pytest.fixture
def accountant(seller):
    from accounts.models import Membership

    user = UserFactory(username="accountant@seller.example")
    Membership.objects.create(user=user, reseller=seller, role=Membership.Role.ACCOUNTANT)
    return user


@pytest.fixture
def invoice(buyer):
    # The seller's first invoice of 2026: № 1, named by the well-formed file.
    return invoice_issue(client=buyer, amount=Decimal("1500.00"), at=ISSUED_AT)


# ------------------------------------------------------------------------------ the parser


def test_the_well_formed_file_parses_in_windows_1251_and_utf8_alike():
    cp1251 = statement_parse(data("well_formed_cp1251.txt"))
    utf8 = statement_parse(data("well_formed_utf8.txt"))
    assert (cp1251.encoding, utf8.encoding) == ("cp1251", "utf-8")
    assert cp1251.documents == utf8.documents
    assert cp1251.accounts == [ACCOUNT]
    first, second, out, unknown = cp1251.documents
    assert (first.line, first.number, first.date, first.amount) == (
        21,
        "101",
        date(2026, 12, 15),
        Decimal("1500.00"),
    )
    assert (first.payer_inn, first.payer_name, first.payee_account) == (
        BUYER_INN,
        "ООО «Ромашка»",
        ACCOUNT,
    )
    assert first.purpose.startswith("Оплата по счёту № 1 от 14.12.2026")
    assert second.amount == Decimal("250.50")  # a comma decimal
    assert out.payer_account == ACCOUNT
    assert (unknown.number, unknown.payer_inn, unknown.amount) == (
        "77",
        UNKNOWN_INN,
        Decimal("999.99"),
    )
    section = cp1251.sections[0]
    assert (section.account, section.opening_balance) == (ACCOUNT, Decimal("100000.00"))


def test_a_utf8_file_with_a_bom_and_lf_lines_parses():
    text = data("well_formed_utf8.txt").decode("utf-8").replace("\r\n", "\n")
    parsed = statement_parse(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert parsed.encoding == "utf-8"
    assert [d.number for d in parsed.documents] == ["101", "102", "5", "77"]


def _broken(old: str, new: str, *, count: int = 1) -> bytes:
    return data("well_formed_cp1251.txt").replace(old.encode("cp1251"), new.encode("cp1251"), count)


@pytest.mark.parametrize(
    ("raw", "line", "reason"),
    [
        (lambda: b"", 1, "файл пуст"),
        (lambda: data("well_formed_cp1251.txt")[22:], 1, "первая строка должна быть"),
        (lambda: data("truncated.txt"), 123, "документ, начатый в строке 99, не закончен"),
        (
            lambda: data("well_formed_cp1251.txt").replace("КонецФайла".encode("cp1251"), b""),
            124,
            "файл обрезан: нет строки «КонецФайла»",
        ),
        (
            lambda: _broken("Дата=15.12.2026", "Дата=31.02.2026"),
            23,
            "«Дата» — «31.02.2026»: такой даты нет",
        ),
        (lambda: _broken("Дата=15.12.2026", "Дата=2026-12-15"), 23, "нужна дата в виде ДД.ММ.ГГГГ"),
        (
            lambda: _broken("Сумма=250,50", "Сумма=250,5x"),
            50,
            "«Сумма» — «250,5x»: нужна сумма числом",
        ),
        (lambda: _broken("Сумма=250,50", "Сумма=0.00"), 50, "сумма должна быть от 0,01"),
        (lambda: _broken("Сумма=250,50", "Сумма=1.005"), 50, "не больше двух знаков"),
        (lambda: _broken("Номер=102\r\n", ""), 47, "нет поля «Номер»"),
        (lambda: _broken("Номер=102", "какая-то строка"), 48, "ожидается «Ключ=значение»"),
        (
            lambda: _broken("КонецДокумента\r\nСекцияДокумент", "СекцияДокумент"),
            46,
            "документ, начатый в строке 21, не закончен",
        ),
        (
            lambda: data("wrong_encoding.txt"),
            2,
            "объявлена кодировка UTF-8, но эта строка не в UTF-8",
        ),
        (
            lambda: (
                data("well_formed_utf8.txt")
                .decode("utf-8")
                .replace("UTF-8", "Windows")
                .encode("koi8_r", "replace")
            ),
            2,
            "файл не в кодировке windows-1251 или UTF-8",
        ),
        (
            lambda: _broken("Кодировка=Windows", "Кодировка=EBCDIC"),
            1,
            "неизвестная кодировка «ebcdic»",
        ),
    ],
    ids=[
        "empty",
        "no-header",
        "truncated-in-a-document",
        "no-end-of-file",
        "no-such-date",
        "date-format",
        "bad-amount",
        "zero-amount",
        "three-decimals",
        "no-number",
        "not-key-value",
        "unclosed-document",
        "declared-utf8-is-cp1251",
        "koi8",
        "unknown-encoding",
    ],
)
def test_a_malformed_file_is_refused_with_its_line_number(raw, line, reason):
    with pytest.raises(ValidationError) as caught:
        statement_parse(raw())
    assert caught.value.field == "file"
    assert caught.value.message.startswith(f"Строка {line}: ")
    assert reason in caught.value.message


@pytest.mark.parametrize(
    ("purpose", "refs"),
    [
        ("Оплата по счёту № 15 от 14.12.2026", [(2026, 15)]),
        ("оплата по сч.№15", [(2026, 15)]),
        ("ОПЛАТА ПО СЧЕТУ N 15", [(2026, 15)]),
        ("по счету   №   15 , без ндс", [(2026, 15)]),
        ("счёт на оплату 15/2025", [(2025, 15)]),
        ("сч 7 от 30.12.2025 и сч. 8", [(2025, 7), (2026, 8)]),
        ("оплата по счету №15 от 14.12.26", [(2026, 15)]),
        ("р/сч 40702810938000012345", []),
        ("за расчёт 15 дней", []),
        ("по договору 15", []),
    ],
)
def test_invoice_numbers_are_found_in_the_purpose(purpose, refs):
    assert invoice_refs(purpose, year=2026) == refs


# ------------------------------------------------------------------------------ the import


def test_the_well_formed_file_matches_by_invoice_and_by_inn(seller, buyer, invoice, accountant):
    result = statement_import(
        reseller=seller,
        data=data("well_formed_cp1251.txt"),
        at=AT,
        by=accountant,
        filename="kl_to_1c.txt",
    )
    assert (result.documents, result.incoming, result.new, result.duplicates) == (4, 3, 3, 0)
    assert (result.matched, result.unmatched, result.amount_matched) == (2, 1, Decimal("1750.50"))
    statement = result.statement
    assert (statement.filename, statement.encoding, statement.uploaded_by) == (
        "kl_to_1c.txt",
        "cp1251",
        accountant,
    )
    by_number = {line.number: line for line in statement.lines.all()}
    assert set(by_number) == {"101", "102", "77"}  # the outgoing № 5 is not a line
    paid = by_number["101"]
    assert (paid.status, paid.match, paid.client, paid.invoice) == (
        StatementLineStatus.MATCHED,
        StatementMatch.INVOICE,
        buyer,
        invoice,
    )
    assert (paid.payment.amount, paid.payment.reference, paid.payment.method) == (
        Decimal("1500.00"),
        "п/п № 101 от 15.12.2026",
        Payment.Method.BANK_TRANSFER,
    )
    assert paid.payment.registered_by == accountant
    assert InvoicePayment.objects.get(invoice=invoice).payment == paid.payment
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_at) == (InvoiceStatus.PAID, AT)
    by_inn = by_number["102"]
    assert (by_inn.status, by_inn.match, by_inn.client, by_inn.invoice) == (
        StatementLineStatus.MATCHED,
        StatementMatch.INN,
        buyer,
        None,
    )
    assert by_inn.payment.reference == "п/п № 102 от 15.12.2026"
    assert not InvoicePayment.objects.filter(payment=by_inn.payment).exists()
    waiting = by_number["77"]
    assert (waiting.status, waiting.client, waiting.payment) == (
        StatementLineStatus.UNMATCHED,
        None,
        None,
    )
    assert list(statement_queue(reseller=seller)) == [waiting]
    buyer.refresh_from_db()
    assert buyer.balance == Decimal("1750.50")
    assert list(
        BalanceEntry.objects.filter(client=buyer).values_list("amount", "balance_after")
    ) == [
        (Decimal("1500.00"), Decimal("1500.00")),
        (Decimal("250.50"), Decimal("1750.50")),
    ]
    assert (
        Notification.objects.filter(kind=NotificationKind.PAYMENT_RECEIVED, client=buyer).count()
        == 2
    )
    actions = list(
        AuditEvent.objects.filter(at=AT).order_by("pk").values_list("action", "actor_id")
    )
    assert actions == [
        (AuditAction.PAYMENT_REGISTERED, accountant.pk),
        (AuditAction.PAYMENT_REGISTERED, accountant.pk),
        (AuditAction.INVOICE_PAID, accountant.pk),
        (AuditAction.STATEMENT_IMPORTED, accountant.pk),
    ]
    imported = AuditEvent.objects.get(action=AuditAction.STATEMENT_IMPORTED)
    assert imported.after == {
        "file": "kl_to_1c.txt",
        "lines": 3,
        "duplicates": 0,
        "matched": 2,
        "unmatched": 1,
        "amount": "1750.50",
    }


def test_the_same_file_in_utf8_imports_the_same(seller, buyer, invoice, accountant):
    result = statement_import(
        reseller=seller, data=data("well_formed_utf8.txt"), at=AT, by=accountant
    )
    assert (result.new, result.matched, result.unmatched, result.amount_matched) == (
        3,
        2,
        1,
        Decimal("1750.50"),
    )
    assert result.statement.encoding == "utf-8"


def test_importing_the_same_payments_twice_registers_nothing_new(
    seller, buyer, invoice, accountant
):
    statement_import(reseller=seller, data=data("well_formed_cp1251.txt"), at=AT, by=accountant)
    buyer.refresh_from_db()
    before = (buyer.balance, Payment.objects.count(), StatementLine.objects.count())
    # The same payments again, in the other encoding (another file, the same money).
    again = statement_import(
        reseller=seller, data=data("well_formed_utf8.txt"), at=msk(2026, 12, 16, 9), by=accountant
    )
    assert (again.incoming, again.new, again.duplicates, again.matched) == (3, 0, 3, 0)
    buyer.refresh_from_db()
    assert (buyer.balance, Payment.objects.count(), StatementLine.objects.count()) == before
    assert again.statement.lines.count() == 0


def test_a_payment_twice_in_one_file_is_one_line(seller, buyer, accountant):
    result = statement_import(
        reseller=seller, data=data("duplicate_lines.txt"), at=AT, by=accountant
    )
    assert (result.incoming, result.new, result.duplicates, result.matched) == (3, 2, 1, 1)
    buyer.refresh_from_db()
    assert buyer.balance == Decimal("250.50")


def test_the_same_payment_of_another_reseller_is_its_own(seller, buyer, accountant):
    other = ResellerFactory()
    requisites = Requisites.objects.get(reseller=seller)
    Requisites.objects.create(reseller=other, account=requisites.account, inn=requisites.inn)
    statement_import(reseller=seller, data=data("duplicate_lines.txt"), at=AT, by=accountant)
    result = statement_import(reseller=other, data=data("duplicate_lines.txt"), at=AT, by=None)
    assert (result.new, result.matched) == (2, 0)  # no client of the other has the INN


def test_an_unknown_inn_waits_in_the_queue(seller, buyer, accountant):
    result = statement_import(reseller=seller, data=data("unknown_inn.txt"), at=AT, by=accountant)
    assert (result.new, result.matched, result.unmatched) == (1, 0, 1)
    assert Payment.objects.count() == 0
    [line] = statement_queue(reseller=seller)
    assert (line.number, line.payer_inn, line.amount) == ("300", "7702070139", Decimal("10000.00"))


def test_an_inn_two_clients_share_is_not_guessed(seller, buyer, accountant):
    ClientFactory(reseller=seller, inn=BUYER_INN)
    result = statement_import(
        reseller=seller, data=data("duplicate_lines.txt"), at=AT, by=accountant
    )
    assert (result.matched, result.unmatched) == (0, 2)


def test_an_invoice_number_in_lower_case_with_spaces_matches(seller, buyer, invoice, accountant):
    # A third party pays for the client, naming the invoice as «сч.№  1».
    result = statement_import(
        reseller=seller, data=data("invoice_lower_case.txt"), at=AT, by=accountant
    )
    assert result.matched == 1
    line = StatementLine.objects.get()
    assert (line.match, line.client, line.invoice) == (StatementMatch.INVOICE, buyer, invoice)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


def test_the_year_stated_in_the_purpose_picks_last_years_invoice(seller, buyer, accountant):
    last_year = invoice_issue(client=buyer, amount=Decimal("100.00"), at=msk(2025, 12, 20, 10))
    this_year = invoice_issue(client=buyer, amount=Decimal("200.00"), at=msk(2026, 1, 9, 10))
    assert (last_year.number, this_year.number) == (1, 1)
    raw = statement_bytes(
        [
            Doc(
                "1",
                "10.01.2026",
                "100.00",
                "7702070139",
                "ООО «Плательщик»",
                "Оплата сч. № 1 от 20.12.2025",
            ),
            Doc("2", "10.01.2026", "200.00", "7702070139", "ООО «Плательщик»", "Оплата счета № 1"),
        ],
        day="10.01.2026",
    )
    statement_import(reseller=seller, data=raw, at=msk(2026, 1, 10, 10), by=accountant)
    assert dict(StatementLine.objects.values_list("number", "invoice_id")) == {
        "1": last_year.pk,
        "2": this_year.pk,
    }


def test_a_cancelled_invoice_is_not_paid_the_inn_matches_instead(
    seller, buyer, invoice, accountant
):
    invoice_cancel(invoice=invoice, at=ISSUED_AT)
    statement_import(reseller=seller, data=data("well_formed_cp1251.txt"), at=AT, by=accountant)
    line = StatementLine.objects.get(number="101")
    assert (line.match, line.invoice, line.client) == (StatementMatch.INN, None, buyer)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.CANCELLED


def test_a_partial_payment_leaves_the_invoice_issued(seller, buyer, accountant):
    invoice = invoice_issue(client=buyer, amount=Decimal("2000.00"), at=ISSUED_AT)
    statement_import(reseller=seller, data=data("well_formed_cp1251.txt"), at=AT, by=accountant)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    assert InvoicePayment.objects.filter(invoice=invoice).count() == 1


def test_a_matched_payment_activates_the_order_it_pays(seller, buyer, accountant):
    plan = ResellerPlanFactory(reseller=seller, seat_price=Decimal("100.00"))
    order = order_create(client=buyer, reseller_plan=plan, seats=5, at=ISSUED_AT)
    subscription = order_confirm(order=order, at=ISSUED_AT)
    invoice = invoice_issue(client=buyer, order=order, at=ISSUED_AT)
    assert subscription.status == SubscriptionStatus.PENDING_PAYMENT
    raw = statement_bytes(
        [
            Doc(
                "900",
                "15.12.2026",
                str(invoice.total),
                BUYER_INN,
                "ООО «Ромашка»",
                f"Оплата по счёту № {invoice.number}",
            )
        ]
    )
    result = statement_import(reseller=seller, data=raw, at=AT, by=accountant)
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert result.activated == (subscription.pk,)
    line = StatementLine.objects.get()
    assert line.payment.order_id == order.pk
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


def test_a_payment_by_inn_resumes_a_suspended_subscription(seller, buyer, accountant):
    """Paid 14.12.2026 for exactly its first period, not renewed on 13.01.2027 for want of
    money; the statement of 14.01.2027 brings 600.00 by the payer's INN: resumed."""
    plan = ResellerPlanFactory(
        reseller=seller,
        vendor_plan=VendorPlanFactory(min_seats=5, max_seats=50),
        seat_price=Decimal("100.00"),
    )
    order = order_create(client=buyer, reseller_plan=plan, seats=5)
    subscription = order_confirm(order=order, at=ISSUED_AT)
    payment_register(client=buyer, amount=Decimal("483.87"), at=msk(2026, 12, 14, 11))
    billing_run(day=date(2027, 1, 13))
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.SUSPENDED
    raw = statement_bytes(
        [Doc("12", "14.01.2027", "600.00", BUYER_INN, "ООО «Ромашка»", "Оплата за антивирус")],
        day="14.01.2027",
    )
    result = statement_import(reseller=seller, data=raw, at=msk(2027, 1, 14, 10), by=accountant)
    assert (result.matched, result.resumed, result.activated) == (1, (subscription.pk,), ())
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE


def test_lines_to_another_account_are_not_incoming(seller, buyer, accountant):
    raw = statement_bytes(
        [
            Doc(
                "1",
                "15.12.2026",
                "10.00",
                BUYER_INN,
                "ООО «Ромашка»",
                "оплата",
                payee_account="40702810100000000999",
                payee_inn="7710140679",
            )
        ]
    )
    result = statement_import(reseller=seller, data=raw, at=AT, by=accountant)
    assert (result.documents, result.incoming, result.new) == (1, 0, 0)


def test_another_companys_statement_is_refused(seller, buyer, accountant):
    raw = (
        data("well_formed_cp1251.txt")
        .replace(ACCOUNT.encode(), b"40702810100000000999")
        .replace(OWN_INN.encode(), b"7710140679")
    )
    before = counts()
    with pytest.raises(ValidationError) as caught:
        statement_import(reseller=seller, data=raw, at=AT, by=accountant)
    assert caught.value.field == "file"
    assert "не по расчётному счёту реселлера 40702810938000012345" in caught.value.message
    assert counts() == before


def test_a_reseller_without_account_and_inn_is_told_to_fill_requisites(accountant):
    reseller = ResellerFactory(inn="")
    before = counts()
    with pytest.raises(ValidationError) as caught:
        statement_import(
            reseller=reseller, data=data("well_formed_cp1251.txt"), at=AT, by=accountant
        )
    assert caught.value.field == "requisites"
    assert counts() == before


@pytest.mark.parametrize("name", ["truncated.txt", "wrong_encoding.txt"])
def test_a_malformed_file_writes_nothing(seller, buyer, invoice, accountant, name):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        statement_import(reseller=seller, data=data(name), at=AT, by=accountant)
    assert caught.value.message.startswith("Строка ")
    assert counts() == before
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED


def test_a_naive_moment_is_refused(seller, accountant):
    from datetime import datetime

    with pytest.raises(ValidationError):
        statement_import(
            reseller=seller, data=data("unknown_inn.txt"), at=datetime(2026, 12, 15), by=accountant
        )
    assert BankStatement.objects.count() == 0


# ------------------------------------------------------------------------------ the queue


def _waiting(seller, accountant) -> StatementLine:
    statement_import(reseller=seller, data=data("unknown_inn.txt"), at=AT, by=accountant)
    return StatementLine.objects.get()


def test_a_person_assigns_a_waiting_line_to_a_client(seller, buyer, accountant):
    line = _waiting(seller, accountant)
    later = msk(2026, 12, 16, 10)
    done = statement_line_assign(line=line, client=buyer, at=later, by=accountant)
    assert (done.status, done.match, done.client, done.invoice) == (
        StatementLineStatus.ASSIGNED,
        StatementMatch.PERSON,
        buyer,
        None,
    )
    assert (done.decided_by, done.decided_at) == (accountant, later)
    assert (done.payment.amount, done.payment.reference) == (
        Decimal("10000.00"),
        "п/п № 300 от 16.12.2026",
    )
    buyer.refresh_from_db()
    assert buyer.balance == Decimal("10000.00")
    event = AuditEvent.objects.get(action=AuditAction.STATEMENT_LINE_ASSIGNED)
    assert (event.actor, event.client, event.object_id) == (accountant, buyer, line.pk)
    assert event.after == {
        "status": "assigned",
        "amount": "10000.00",
        "reference": "п/п № 300 от 16.12.2026",
        "invoice": None,
    }
    assert list(statement_queue(reseller=seller)) == []
    with pytest.raises(Conflict):
        statement_line_assign(line=line, client=buyer, at=later, by=accountant)
    assert Payment.objects.count() == 1


def test_a_person_assigns_a_line_to_an_invoice(seller, buyer, accountant):
    invoice = invoice_issue(client=buyer, amount=Decimal("10000.00"), at=ISSUED_AT)
    line = _waiting(seller, accountant)
    done = statement_line_assign(line=line, client=buyer, invoice=invoice, at=AT, by=accountant)
    assert done.invoice == invoice
    assert InvoicePayment.objects.get(invoice=invoice).payment == done.payment
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


def test_a_line_cannot_be_assigned_across_tenants_or_to_a_cancelled_invoice(
    seller, buyer, accountant
):
    line = _waiting(seller, accountant)
    stranger = ClientFactory()
    other_clients_invoice = invoice_issue(
        client=ClientFactory(reseller=seller), amount=Decimal("5.00"), at=ISSUED_AT
    )
    cancelled = invoice_cancel(
        invoice=invoice_issue(client=buyer, amount=Decimal("5.00"), at=ISSUED_AT), at=ISSUED_AT
    )
    before = counts()
    with pytest.raises(NotFound):
        statement_line_assign(line=line, client=stranger, at=AT, by=accountant)
    with pytest.raises(NotFound):
        statement_line_assign(
            line=line, client=buyer, invoice=other_clients_invoice, at=AT, by=accountant
        )
    with pytest.raises(Conflict):
        statement_line_assign(line=line, client=buyer, invoice=cancelled, at=AT, by=accountant)
    assert counts() == before
    line.refresh_from_db()
    assert line.status == StatementLineStatus.UNMATCHED


def test_a_person_ignores_a_waiting_line(seller, buyer, accountant):
    line = _waiting(seller, accountant)
    done = statement_line_ignore(line=line, at=AT, by=accountant)
    assert (done.status, done.payment, done.decided_by) == (
        StatementLineStatus.IGNORED,
        None,
        accountant,
    )
    assert Payment.objects.count() == 0
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.STATEMENT_LINE_IGNORED, object_id=line.pk
        ).count()
        == 1
    )
    with pytest.raises(Conflict):
        statement_line_ignore(line=line, at=AT, by=accountant)
    with pytest.raises(Conflict):
        statement_line_assign(line=line, client=buyer, at=AT, by=accountant)


def test_matched_lines_are_not_in_the_queue_and_cannot_be_reassigned(
    seller, buyer, invoice, accountant
):
    statement_import(reseller=seller, data=data("well_formed_cp1251.txt"), at=AT, by=accountant)
    matched = StatementLine.objects.get(number="101")
    with pytest.raises(Conflict):
        statement_line_assign(line=matched, client=buyer, at=AT, by=accountant)
    with pytest.raises(Conflict):
        statement_line_ignore(line=matched, at=AT, by=accountant)


# ------------------------------------------------------------------------------ many lines


def test_ten_thousand_lines_import_set_based(seller, buyer, django_assert_max_num_queries):
    """The 10,000-line file (benchmarked on PostgreSQL in tests/bench/bench_statements.py):
    a fixed number of queries whatever the number of lines when nothing waits for money."""
    clients = [ClientFactory(reseller=seller, inn=f"77{i:08d}") for i in range(20)]
    invoices = [
        invoice_issue(client=c, amount=Decimal("100.00"), at=ISSUED_AT) for c in clients[:10]
    ]
    docs = []
    named: set[int] = set()
    for i in range(10_000):
        client = clients[i % 20]
        payer_inn, purpose = client.inn, "Пополнение лицевого счёта"
        if i % 10 == 9:
            payer_inn, purpose = f"50{i:08d}", "Оплата по договору"
        elif i % 20 < 10 and (i // 20) % 2 == 0:
            purpose = f"Оплата по счёту № {invoices[i % 20].number} от 14.12.2026"
            named.add(i % 20)
        amount = f"{10 + i % 90}.{i % 100:02d}"
        docs.append(Doc(str(i + 1), "15.12.2026", amount, payer_inn, client.name, purpose))
    raw = statement_bytes(docs)
    with django_assert_max_num_queries(400):
        result = statement_import(reseller=seller, data=raw, at=AT, by=None)
    assert (result.documents, result.new, result.unmatched) == (10_000, 10_000, 1_000)
    assert result.matched == 9_000
    assert Payment.objects.count() == 9_000
    expected = sum(
        (Decimal(d.amount.replace(",", ".")) for d in docs if not d.payer_inn.startswith("50")),
        Decimal("0.00"),
    )
    assert result.amount_matched == expected
    assert sum(c.balance for c in type(buyer).objects.filter(reseller=seller)) == expected
    assert Invoice.objects.filter(status=InvoiceStatus.PAID).count() == len(named) == 9


# ------------------------------------------------------------------------------ concurrency


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_file_uploaded_twice_at_once_registers_its_payments_once():
    """Four uploads of one file at the same moment: the unique line key lets one import
    register the payments; each other one either finds them stored (nothing new) or meets
    the first one's lines at its insert and is refused whole, its payments undone."""
    from accounts.services import requisites_save
    from tests.accounts.test_requisites import BUYER, SELLER

    seller = ResellerFactory()
    requisites_save(owner=seller, data=dict(SELLER), at=ISSUED_AT)
    buyer = ClientFactory(reseller=seller)
    requisites_save(owner=buyer, data=dict(BUYER), at=ISSUED_AT)
    raw = data("well_formed_cp1251.txt")
    barrier = threading.Barrier(4)
    outcomes: list[object] = []

    def upload() -> None:
        try:
            barrier.wait()
            outcomes.append(statement_import(reseller=seller, data=raw, at=AT, by=None).new)
        except Conflict as exc:
            outcomes.append(exc.field)
        except BaseException as exc:  # reported below
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert outcomes.count(3) == 1
    assert all(o in (0, 3, "file") for o in outcomes), outcomes
    assert StatementLine.objects.count() == 3
    assert Payment.objects.count() == 2  # two lines matched by the INN, once
    buyer.refresh_from_db()
    assert buyer.balance == Decimal("1750.50")
