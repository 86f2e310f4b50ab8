"""The reconciliation statement (акт сверки, DESIGN.md §13) of a client for a period, read
from the ledger (billing.BalanceEntry): the balance before the period, every entry in it
(payments, charges, reversals, refunds, adjustments) as a debit or a credit, and the
balance at its end. The ledger is the one source: the statement's closing balance over
all time is the client's balance that `check_ledger` proves equal to Σ entries.

Sides: a credit is money the client put on its account with the reseller (a payment, a
positive adjustment); a debit is what was taken from it (a charge for service, a refund
paid back, a reversal of a mistaken payment, a negative adjustment). A positive balance
is the client's advance; a negative one, its debt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import BigIntegerField, F, Sum
from django.db.models.functions import Cast, Round
from django.utils.translation import gettext as _

from accounts.models import Client
from billing.models import BalanceEntry
from config.errors import ValidationError
from core.clock import require_day
from core.money import CENT, ZERO
from core.reasons import reason_text

from .models import ActLine

# A statement covers at most this many days: a request for decades is a mistake, and a
# page of every entry since then would be one too.
MAX_DAYS = 366 * 5


@dataclass(frozen=True)
class StatementEntry:
    date: date
    kind: str  # BalanceEntry.Kind
    kind_label: str
    document: str
    debit: Decimal
    credit: Decimal


@dataclass(frozen=True)
class ReconciliationStatement:
    client: Client
    date_from: date
    date_to: date
    opening_balance: Decimal
    entries: tuple[StatementEntry, ...]
    debit_total: Decimal
    credit_total: Decimal
    closing_balance: Decimal


def _kopecks(qs) -> Decimal:
    """Σ amount in whole kopecks: exact on SQLite too, whose SUM adds floats."""
    total = qs.aggregate(s=Sum(Cast(Round(F("amount") * 100), BigIntegerField())))["s"]
    return (Decimal(total or 0) * CENT).quantize(CENT)


def _document(entry: BalanceEntry, acts: dict[int, tuple[int, date]]) -> str:
    kind = entry.kind
    if kind == BalanceEntry.Kind.PAYMENT and entry.payment is not None:
        payment = entry.payment
        text = _("Платёж № %(id)s") % {"id": payment.pk}
        link = getattr(payment, "invoice_link", None)
        if link is not None:
            invoice = link.invoice
            text += _(" по счёту № %(n)s от %(d)s") % {
                "n": invoice.number,
                "d": invoice.date.strftime("%d.%m.%Y"),
            }
        if payment.reference:
            text += f" ({payment.reference})"
        return text
    if kind == BalanceEntry.Kind.CHARGE and entry.charge is not None:
        charge = entry.charge
        text = _("Услуги за %(a)s–%(b)s, подписка № %(sub)s") % {
            "a": charge.date_from.strftime("%d.%m.%Y"),
            "b": charge.date_to.strftime("%d.%m.%Y"),
            "sub": charge.subscription_id,
        }
        if charge.pk in acts:
            number, day = acts[charge.pk]
            text += _("; акт № %(n)s от %(d)s") % {"n": number, "d": day.strftime("%d.%m.%Y")}
        return text
    if kind == BalanceEntry.Kind.REVERSAL:
        text = _("Сторно платежа № %(id)s") % {"id": entry.reversed_payment_id}
    elif kind == BalanceEntry.Kind.REFUND:
        text = _("Возврат денежных средств")
    else:
        text = _("Корректировка")
    # A refund's reason only repeats that money went back; the others say why.
    reason = "" if kind == BalanceEntry.Kind.REFUND else reason_text(entry.reason)
    if reason:
        text += f": {reason}"
    if entry.reference:
        text += f" ({entry.reference})"
    return text


def reconciliation_statement(
    *, client: Client, date_from: date, date_to: date
) -> ReconciliationStatement:
    """The statement of `client` from `date_from` to `date_to` inclusive, by the entries'
    financial days. The caller has found the client through its tenant's selector."""
    require_day(date_from, field="date_from")
    require_day(date_to, field="date_to")
    if date_to < date_from:
        raise ValidationError(
            _("Конец периода раньше его начала: укажите дату не раньше %(d)s.")
            % {"d": date_from.strftime("%d.%m.%Y")},
            field="date_to",
        )
    if (date_to - date_from).days >= MAX_DAYS:
        raise ValidationError(
            _("Период акта сверки — не больше пяти лет (%(n)s дней).") % {"n": MAX_DAYS},
            field="date_to",
        )
    ledger = BalanceEntry.objects.filter(client=client)
    opening = _kopecks(ledger.filter(day__lt=date_from))
    rows = list(
        ledger.filter(day__gte=date_from, day__lte=date_to)
        .select_related("payment__invoice_link__invoice", "charge")
        .order_by("day", "id")
    )
    charge_ids = [row.charge_id for row in rows if row.charge_id is not None]
    acts = {
        charge_id: (number, day)
        for charge_id, number, day in ActLine.objects.filter(charge_id__in=charge_ids).values_list(
            "charge_id", "act__number", "act__date"
        )
    }
    entries = []
    debit_total = credit_total = ZERO
    for row in rows:
        amount = row.amount.quantize(CENT)
        debit, credit = (-amount, ZERO) if amount < 0 else (ZERO, amount)
        debit_total += debit
        credit_total += credit
        entries.append(
            StatementEntry(
                date=row.day,
                kind=row.kind,
                kind_label=str(BalanceEntry.Kind(row.kind).label),
                document=_document(row, acts),
                debit=debit,
                credit=credit,
            )
        )
    return ReconciliationStatement(
        client=client,
        date_from=date_from,
        date_to=date_to,
        opening_balance=opening,
        entries=tuple(entries),
        debit_total=debit_total,
        credit_total=credit_total,
        closing_balance=opening + credit_total - debit_total,
    )
