"""Bank statement import (DESIGN.md §12, §13): the reseller's accountant uploads the
bank's 1CClientBankExchange file; each incoming payment to the reseller's account becomes
a StatementLine, matched to a client by an invoice number in its purpose, else by the
payer's INN; a matched line registers the payment (which activates or resumes what waits,
as any payment does); an unmatched one waits for a person to assign or ignore it.

Set-based where the rows are many: the payments already stored are looked up by their
numbers, invoices and clients once for the whole file, the new payments go through
billing's one bulk registration in client-id order (the lock order), and the lines are
inserted with their outcome by one INSERT … ON CONFLICT DO NOTHING per thousand: the
unique (reseller, number, date, amount, payer INN) is what makes a payment count once. A
line the insert skips was committed by a concurrent upload after the look-up; then this
import is refused whole (its payments with it), so no payment is registered twice."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditAction, AuditEvent, Client, Requisites, Reseller
from billing.models import Payment
from billing.services import PaymentItem, payments_register_many
from config.db import bulk_insert
from config.errors import Conflict, NotFound, ValidationError
from core.clock import require_aware
from core.money import ZERO, money

from .bank import StatementDocument, statement_parse
from .models import (
    INVOICE_TRANSITIONS,
    STATEMENT_LINE_TRANSITIONS,
    BankStatement,
    Invoice,
    InvoicePayment,
    InvoiceStatus,
    StatementLine,
    StatementLineStatus,
    StatementMatch,
)
from .services import invoice_payment_register

MAX_FILE_BYTES = 50 * 1024 * 1024

# «Счёт № 15», «сч.№15», «по счету N 15 от 14.12.2026», «счёт на оплату 15/2026», «СЧ 15»:
# the word (not inside another word: «расчёт», «р/сч»), an optional «на оплату», a number
# sign or none, the number (not the head of a longer number: an account), and the year
# stated as «/2026» or by the invoice's date.
INVOICE_REF = re.compile(
    r"(?<![а-яёa-z/])сч(?:[её]т(?:а|у|ом|е)?|\.|-т)?\s*(?:на\s+оплату\s*)?"
    r"(?:№|n|no|#)?\s*\.?\s*(\d{1,9})(?!\d)"
    r"(?:\s*/\s*(\d{4})(?!\d))?"
    r"(?:\s*от\s*\d{1,2}[./]\d{1,2}[./](\d{4}|\d{2})(?!\d))?",
    re.IGNORECASE,
)


def invoice_refs(purpose: str, *, year: int) -> list[tuple[int, int]]:
    """The (year, number) pairs of the invoices a payment's purpose names, in order; the
    year is the payment's own unless the purpose states it."""
    refs: list[tuple[int, int]] = []
    for found in INVOICE_REF.finditer(purpose or ""):
        number = int(found.group(1))
        stated = found.group(2) or found.group(3)
        ref_year = year
        if stated:
            ref_year = int(stated) if len(stated) == 4 else 2000 + int(stated)
        if number > 0 and (ref_year, number) not in refs:
            refs.append((ref_year, number))
    return refs


@dataclass(frozen=True)
class StatementResult:
    statement: BankStatement
    documents: int  # payment documents in the file
    incoming: int  # of them, money in to the reseller's account
    new: int  # lines not seen before
    duplicates: int  # incoming lines imported before (this file twice, or an earlier one)
    matched: int  # new lines that registered a payment
    unmatched: int  # new lines waiting for a person
    amount_matched: Decimal
    activated: tuple[int, ...]
    resumed: tuple[int, ...]


def _own_account(reseller: Reseller) -> tuple[str, str]:
    requisites = Requisites.objects.filter(reseller=reseller).first()
    account = requisites.account.strip() if requisites else ""
    inn = (requisites.inn if requisites and requisites.inn else reseller.inn or "").strip()
    if not account and not inn:
        raise ValidationError(
            _(
                "В реквизитах реселлера не заполнены расчётный счёт и ИНН: по ним из "
                "выписки выбираются поступления. Заполните реквизиты и загрузите файл снова."
            ),
            field="requisites",
        )
    return account, inn


def _incoming(
    documents: list[StatementDocument], *, account: str, inn: str
) -> list[StatementDocument]:
    """Money in to the reseller: to its account (or, where the bank leaves the account
    out, to its INN), not a transfer out of that same account."""
    return [
        d
        for d in documents
        if ((account and d.payee_account == account) or (inn and d.payee_inn == inn))
        and not (account and d.payer_account == account)
    ]


def _key(d: StatementDocument) -> tuple[str, object, Decimal, str]:
    return (d.number, d.date, d.amount, d.payer_inn)


@transaction.atomic
def statement_import(
    *, reseller: Reseller, data: bytes, at: datetime, by, filename: str = ""
) -> StatementResult:
    """Imports the file's incoming payments to the reseller's account (DESIGN.md §12):
    a malformed file is refused with its line number before anything is written; the
    payments seen before (in this file or an earlier one) are counted, not registered."""
    require_aware(at)
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(
            _("Файл больше %(mb)s МБ: загрузите выписку за более короткий период.")
            % {"mb": MAX_FILE_BYTES // (1024 * 1024)},
            field="file",
        )
    parsed = statement_parse(data)
    account, inn = _own_account(reseller)
    incoming = _incoming(parsed.documents, account=account, inn=inn)
    if account and parsed.accounts and account not in parsed.accounts and not incoming:
        raise ValidationError(
            _("Выписка не по расчётному счёту реселлера %(own)s: в файле %(theirs)s.")
            % {"own": account, "theirs": ", ".join(parsed.accounts)},
            field="file",
        )
    unique: dict[tuple, StatementDocument] = {}
    for d in incoming:
        unique.setdefault(_key(d), d)
    seen = _seen(reseller=reseller, keys=list(unique))
    new = [d for key, d in unique.items() if key not in seen]
    statement = BankStatement.objects.create(
        reseller=reseller,
        uploaded_by=by if getattr(by, "pk", None) else None,
        at=at,
        filename=(filename or "")[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=parsed.encoding,
        documents_total=len(parsed.documents),
        incoming=len(incoming),
    )
    outcome = _match(reseller=reseller, documents=new)
    served = _register(outcome=outcome, at=at, by=by)
    written = bulk_insert(
        StatementLine,
        LINE_FIELDS,
        [
            (
                statement.pk,
                reseller.pk,
                d.line,
                d.number,
                d.date,
                d.amount,
                d.payer_inn,
                d.payer_name[:500],
                d.payer_account[:34],
                d.purpose,
                m.status,
                m.match,
                m.client_id,
                m.invoice_id,
                m.payment_id,
            )
            for d, m in zip(new, outcome, strict=True)
        ],
        ignore_conflicts=True,
    )
    if written != len(new):
        # Another upload of the same payments committed since they were looked up: the
        # unique constraint kept its lines, and this import (its payments too) is undone.
        raise Conflict(
            _("Эти же платежи только что загружены другим запросом: обновите список выписок."),
            field="file",
        )
    linked = [(m.invoice_id, m.payment_id) for m in outcome if m.invoice_id and m.payment_id]
    if linked:
        InvoicePayment.objects.bulk_create(
            [InvoicePayment(invoice_id=invoice, payment_id=payment) for invoice, payment in linked],
            batch_size=1000,
        )
        _invoices_settle(invoice_ids={invoice for invoice, _p in linked}, at=at, by=by)
    matched = [(d, m) for d, m in zip(new, outcome, strict=True) if m.payment_id]
    BankStatement.objects.filter(pk=statement.pk).update(
        new_lines=len(new),
        duplicates=len(incoming) - len(new),
        matched=len(matched),
        unmatched=len(new) - len(matched),
        amount_matched=sum((d.amount for d, _m in matched), ZERO),
    )
    statement.refresh_from_db()
    audit_record(
        action=AuditAction.STATEMENT_IMPORTED,
        reseller_id=reseller.pk,
        at=at,
        by=by,
        obj=statement,
        after={
            "file": statement.filename,
            "lines": statement.new_lines,
            "duplicates": statement.duplicates,
            "matched": statement.matched,
            "unmatched": statement.unmatched,
            "amount": statement.amount_matched,
        },
    )
    return StatementResult(
        statement=statement,
        documents=statement.documents_total,
        incoming=statement.incoming,
        new=statement.new_lines,
        duplicates=statement.duplicates,
        matched=statement.matched,
        unmatched=statement.unmatched,
        amount_matched=statement.amount_matched,
        activated=served[0],
        resumed=served[1],
    )


LINE_FIELDS = [
    "statement",
    "reseller",
    "file_line",
    "number",
    "date",
    "amount",
    "payer_inn",
    "payer_name",
    "payer_account",
    "purpose",
    "status",
    "match",
    "client",
    "invoice",
    "payment",
]
KEYS_PER_QUERY = 5000


def _seen(*, reseller: Reseller, keys: list[tuple]) -> set[tuple]:
    """The keys among `keys` already stored for the reseller (a file imported before, or
    one overlapping it): a few queries by the documents' numbers, whatever the lines."""
    seen: set[tuple] = set()
    numbers = sorted({key[0] for key in keys})
    for start in range(0, len(numbers), KEYS_PER_QUERY):
        rows = StatementLine.objects.filter(
            reseller=reseller, number__in=numbers[start : start + KEYS_PER_QUERY]
        ).values_list("number", "date", "amount", "payer_inn")
        seen.update(rows)
    return seen


@dataclass
class _Outcome:
    status: str = StatementLineStatus.UNMATCHED
    match: str = ""
    client_id: int | None = None
    invoice_id: int | None = None
    payment_id: int | None = None
    order_id: int | None = None
    amount: Decimal = ZERO
    reference: str = ""
    line: int = 0


def _match(*, reseller: Reseller, documents: list[StatementDocument]) -> list[_Outcome]:
    """Each new document's client (and invoice): by an invoice number its purpose names
    (one query for all the numbers), else by the payer's INN when exactly one client of the
    reseller has it (one query for all the INNs)."""
    refs = [invoice_refs(d.purpose, year=d.date.year) for d in documents]
    numbers = {number for pairs in refs for _year, number in pairs}
    invoices: dict[tuple[int, int], tuple[int, int, int | None]] = {}
    if numbers:
        # Locked (in id order) before the clients, as invoice_payment_register does: an
        # invoice cancelled meanwhile is not paid, and its settling below reads it steady.
        named = (
            Invoice.objects.select_for_update()
            .filter(reseller=reseller, number__in=numbers)
            .exclude(status=InvoiceStatus.CANCELLED)
            .order_by("pk")
        )
        for pk, year, number, client_id, order_id in named.values_list(
            "pk", "year", "number", "client_id", "order_id"
        ):
            invoices[(year, number)] = (pk, client_id, order_id)
    by_inn: dict[str, list[int]] = defaultdict(list)
    inns = {d.payer_inn for d in documents if d.payer_inn}
    if inns:
        for pk, client_inn in Client.objects.filter(reseller=reseller, inn__in=inns).values_list(
            "pk", "inn"
        ):
            by_inn[client_inn].append(pk)
    outcome = []
    for d, pairs in zip(documents, refs, strict=True):
        m = _Outcome(
            amount=d.amount, reference=f"п/п № {d.number} от {d.date:%d.%m.%Y}", line=d.line
        )
        hit = next((invoices[ref] for ref in pairs if ref in invoices), None)
        if hit is not None:
            m.invoice_id, m.client_id, m.order_id = hit
            m.match = StatementMatch.INVOICE
        elif len(by_inn.get(d.payer_inn, ())) == 1:
            m.client_id = by_inn[d.payer_inn][0]
            m.match = StatementMatch.INN
        outcome.append(m)
    return outcome


def _register(
    *, outcome: list[_Outcome], at: datetime, by
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The matched documents' payments, registered in one bulk (billing) in ascending
    client id (the lock order, accounts.locks), a client's in file order. Returns the
    subscriptions activated and resumed."""
    matched = sorted((m for m in outcome if m.client_id), key=lambda m: (m.client_id, m.line))
    if not matched:
        return (), ()
    result = payments_register_many(
        items=[
            PaymentItem(
                client_id=m.client_id,
                amount=m.amount,
                reference=m.reference,
                order_id=m.order_id,
            )
            for m in matched
            if m.client_id is not None
        ],
        at=at,
        by=by,
        method=Payment.Method.BANK_TRANSFER,
    )
    for m, payment_id in zip(matched, result.payment_ids, strict=True):
        m.payment_id = payment_id
        m.status = StatementLineStatus.MATCHED
    return result.activated, result.resumed


def _invoices_settle(*, invoice_ids: set[int], at: datetime, by) -> None:
    """Issued → paid for each invoice its unreversed payments now cover (compare-and-set
    along INVOICE_TRANSITIONS, as invoice_payment_register moves one)."""
    paid = dict(
        Payment.objects.filter(
            invoice_link__invoice_id__in=invoice_ids, reversal_entry__isnull=True
        )
        .values("invoice_link__invoice_id")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("invoice_link__invoice_id", "total")
    )
    sources = [s for s, targets in INVOICE_TRANSITIONS.items() if InvoiceStatus.PAID in targets]
    covered = [
        invoice
        for invoice in Invoice.objects.filter(pk__in=invoice_ids, status__in=sources)
        .only("pk", "reseller_id", "client_id", "status", "total")
        .order_by("pk")
        if money(paid.get(invoice.pk)) >= invoice.total
    ]
    if not covered:
        return
    # The invoices are locked since the match (_match): the ones read as issued are the
    # ones this compare-and-set moves, in one UPDATE, with one audit row each.
    Invoice.objects.filter(pk__in=[i.pk for i in covered], status__in=sources).update(
        status=InvoiceStatus.PAID, paid_at=at
    )
    actor = by.pk if getattr(by, "pk", None) else None
    bulk_insert(
        AuditEvent,
        [
            "reseller",
            "client",
            "actor",
            "action",
            "object_type",
            "object_id",
            "before",
            "after",
            "at",
        ],
        [
            (
                invoice.reseller_id,
                invoice.client_id,
                actor,
                AuditAction.INVOICE_PAID,
                "invoice",
                invoice.pk,
                {"status": invoice.status},
                {"status": InvoiceStatus.PAID},
                at,
            )
            for invoice in covered
        ],
    )


def _line_locked(line: StatementLine) -> StatementLine:
    locked = StatementLine.objects.select_for_update().filter(pk=line.pk).first()
    if locked is None:
        raise NotFound(_("Строка выписки не найдена."), field="line")
    if locked.status != StatementLineStatus.UNMATCHED:
        raise Conflict(
            _("Строка уже разобрана: «%(status)s».") % {"status": locked.get_status_display()},
            field="line",
        )
    return locked


def _line_move(*, line: StatementLine, to: str, **fields) -> None:
    sources = [old for old, targets in STATEMENT_LINE_TRANSITIONS.items() if to in targets]
    if not StatementLine.objects.filter(pk=line.pk, status__in=sources).update(status=to, **fields):
        raise Conflict(_("Строку уже разобрал другой запрос."), field="line")


@transaction.atomic
def statement_line_assign(
    *,
    line: StatementLine,
    client: Client,
    at: datetime,
    by,
    invoice: Invoice | None = None,
) -> StatementLine:
    """A person says whose money an unmatched line is (and, optionally, which invoice it
    pays): the payment is registered as the import would have, the line is assigned."""
    require_aware(at)
    locked = _line_locked(line)
    if client.reseller_id != locked.reseller_id:
        raise NotFound(_("Клиент не найден."), field="client")
    if invoice is not None:
        if invoice.reseller_id != locked.reseller_id or invoice.client_id != client.pk:
            raise NotFound(_("У этого клиента нет такого счёта."), field="invoice")
        if invoice.status == InvoiceStatus.CANCELLED:
            raise Conflict(_("Счёт отменён: оплату по нему не зарегистрировать."), field="invoice")
        payment = invoice_payment_register(
            invoice=invoice, amount=locked.amount, at=at, by=by, reference=locked.reference
        )
    else:
        result = payments_register_many(
            items=[
                PaymentItem(client_id=client.pk, amount=locked.amount, reference=locked.reference)
            ],
            at=at,
            by=by,
            method=Payment.Method.BANK_TRANSFER,
        )
        payment = Payment.objects.get(pk=result.payment_ids[0])
    _line_move(
        line=locked,
        to=StatementLineStatus.ASSIGNED,
        match=StatementMatch.PERSON,
        client=client,
        invoice=invoice,
        payment=payment,
        decided_by=by if getattr(by, "pk", None) else None,
        decided_at=at,
    )
    audit_record(
        action=AuditAction.STATEMENT_LINE_ASSIGNED,
        reseller_id=locked.reseller_id,
        client_id=client.pk,
        at=at,
        by=by,
        obj=locked,
        before={"status": StatementLineStatus.UNMATCHED},
        after={
            "status": StatementLineStatus.ASSIGNED,
            "amount": locked.amount,
            "reference": locked.reference,
            "invoice": f"{invoice.number}/{invoice.year}" if invoice else None,
        },
    )
    locked.refresh_from_db()
    return locked


@transaction.atomic
def statement_line_ignore(*, line: StatementLine, at: datetime, by) -> StatementLine:
    """Not a client's payment (a refund from a supplier, a bank's interest): the line is
    set aside and registers nothing."""
    require_aware(at)
    locked = _line_locked(line)
    _line_move(
        line=locked,
        to=StatementLineStatus.IGNORED,
        decided_by=by if getattr(by, "pk", None) else None,
        decided_at=at,
    )
    audit_record(
        action=AuditAction.STATEMENT_LINE_IGNORED,
        reseller_id=locked.reseller_id,
        at=at,
        by=by,
        obj=locked,
        before={"status": StatementLineStatus.UNMATCHED},
        after={
            "status": StatementLineStatus.IGNORED,
            "amount": locked.amount,
            "reference": locked.reference,
        },
    )
    locked.refresh_from_db()
    return locked
