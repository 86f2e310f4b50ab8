"""Corrections of a client's balance (DESIGN.md §4.8): money entered by mistake taken back,
money paid back, and signed adjustments. Each is one ledger entry under the client lock,
refused beyond the available balance (§4.7.5: what the money already pays for stays
paid), with a reason code, in the client's statement, the journal (`balance_corrected`)
and the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditAction, Client
from config.errors import Conflict, InsufficientFunds, NotFound, ValidationError
from config.formats import format_rub
from core.clock import financial_day, require_aware
from core.money import ZERO, money_clean
from core.reasons import ADJUSTMENT_REASONS, REVERSAL_REASONS, Reason
from notifications.models import NotificationKind
from notifications.services import client_spec, notify

from ..models import BalanceEntry, Payment
from .ledger import clients_available, ledger_append, open_totals

MAX_REFERENCE = 200


def _reason_clean(reason: str, allowed: Sequence[str]) -> str:
    if reason not in allowed:
        raise ValidationError(
            _("Укажите причину: %(allowed)s.")
            % {"allowed": ", ".join(str(Reason(code).label) for code in allowed)},
            field="reason",
        )
    return reason


def _who(by) -> None:
    if by is None or not getattr(by, "pk", None):
        raise ValidationError(_("Укажите, кто вносит исправление."), field="by")


def _refuse_beyond(available: Decimal, amount: Decimal) -> None:
    if amount < 0 and -amount > available:
        raise InsufficientFunds(
            _(
                "Доступно только %(have)s: остальное уже зарезервировано за услугу. "
                "Сначала остановите то, что оплачено этими деньгами."
            )
            % {"have": format_rub(max(available, ZERO))},
            field="amount",
        )


@dataclass(frozen=True)
class CorrectionQuote:
    """What a correction will do, shown on its confirmation step before anything is
    written: the signed amount and the balance and available balance before → after."""

    amount: Decimal
    balance: Decimal
    available: Decimal

    @property
    def balance_after(self) -> Decimal:
        return self.balance + self.amount

    @property
    def available_after(self) -> Decimal:
        return self.available + self.amount


def _quote(client: Client, amount: Decimal) -> CorrectionQuote:
    """Read without the lock: the write checks again under it."""
    client = Client.objects.get(pk=client.pk)
    available = client.balance - open_totals([client.pk]).get(client.pk, ZERO)
    _refuse_beyond(available, amount)
    return CorrectionQuote(amount=amount, balance=client.balance, available=available)


def _not_reversed(payment: Payment) -> None:
    if BalanceEntry.objects.filter(reversed_payment_id=payment.pk).exists():
        raise Conflict(_("Платёж уже сторнирован."), field="payment")


def _reference_clean(reference: str) -> str:
    reference = (reference or "").strip()
    if len(reference) > MAX_REFERENCE:
        raise ValidationError(
            _("Основание длиннее %(max)s символов.") % {"max": MAX_REFERENCE}, field="reference"
        )
    return reference


def reversal_quote(*, payment: Payment, reason: str | None = None) -> CorrectionQuote:
    """What payment_reverse would do now, refused as it would be (writes nothing)."""
    if reason is not None:
        _reason_clean(reason, REVERSAL_REASONS)
    _not_reversed(payment)
    return _quote(Client(pk=payment.client_id), -payment.amount)


def refund_quote(*, client: Client, amount, reference: str = "") -> CorrectionQuote:
    _reference_clean(reference)
    return _quote(client, -money_clean(amount, field="amount"))


def adjustment_quote(*, client: Client, amount, reason: str) -> CorrectionQuote:
    _reason_clean(reason, ADJUSTMENT_REASONS)
    return _quote(client, _signed_amount(amount))


def _correct(
    *,
    client: Client,
    amount: Decimal,
    kind: str,
    at: datetime,
    by,
    reason: str = "",
    reference: str = "",
    payment: Payment | None = None,
    action: str,
) -> BalanceEntry:
    """Appends the correction under the client lock; a debit only within the available
    balance. The caller validated its input."""
    day = financial_day(at)
    available = clients_available([client.pk]).get(client.pk)
    if available is None:
        raise NotFound(_("Клиент не найден."), field="client")
    _refuse_beyond(available, amount)
    balance = Client.objects.values_list("balance", flat=True).get(pk=client.pk)
    entry = BalanceEntry(
        client_id=client.pk,
        kind=kind,
        amount=amount,
        balance_after=balance + amount,
        reversed_payment=payment,
        reason=reason,
        reference=reference,
        day=day,
        created_by=by,
    )
    new_balance = ledger_append(
        client_id=client.pk,
        balance=balance,
        amount=amount,
        kind=kind,
        day=day,
        by=by,
        entry=entry,
    )
    client.balance = new_balance
    notify(
        specs=[
            client_spec(
                client=client,
                kind=NotificationKind.BALANCE_CORRECTED,
                key=f"balance_corrected:entry:{entry.pk}",
                payload={
                    "client": client.name,
                    "entry_kind": kind,
                    "amount": str(amount),
                    "balance": str(new_balance),
                    "reason": reason,
                    "reference": reference,
                    "payment_id": payment.pk if payment else None,
                    "entry_id": entry.pk,
                },
            )
        ],
        at=at,
    )
    audit_record(
        action=action,
        reseller_id=client.reseller_id,
        client_id=client.pk,
        at=at,
        by=by,
        obj=payment if payment is not None else entry,
        before={"balance": balance},
        after={"balance": new_balance, "amount": amount, "reason": reason},
    )
    return entry


@transaction.atomic
def payment_reverse(*, payment: Payment, reason: str, at: datetime, by) -> BalanceEntry:
    """Takes back a payment entered by mistake (a duplicate, the wrong client): one
    `reversal` entry of −amount linked to it. At most once (the entry's unique link)."""
    require_aware(at)
    _who(by)
    reason = _reason_clean(reason, REVERSAL_REASONS)
    client = Client.objects.get(pk=payment.client_id)
    clients_available([client.pk])  # the lock first, then the payment's state under it
    _not_reversed(payment)
    return _correct(
        client=client,
        amount=-payment.amount,
        kind=BalanceEntry.Kind.REVERSAL,
        at=at,
        by=by,
        reason=reason,
        payment=payment,
        action=AuditAction.PAYMENT_REVERSED,
    )


@transaction.atomic
def refund_register(
    *, client: Client, amount: Decimal, at: datetime, by, reference: str = ""
) -> BalanceEntry:
    """Money paid back to the client: at most the available balance."""
    require_aware(at)
    _who(by)
    amount = money_clean(amount, field="amount")
    reference = _reference_clean(reference)
    return _correct(
        client=client,
        amount=-amount,
        kind=BalanceEntry.Kind.REFUND,
        at=at,
        by=by,
        reason=Reason.MONEY_RETURNED,
        reference=reference,
        action=AuditAction.REFUND_REGISTERED,
    )


def _signed_amount(amount) -> Decimal:
    """An adjustment's amount: money_clean's rules on its magnitude, either sign."""
    if isinstance(amount, str) and amount.strip().startswith("-"):
        return -money_clean(amount.strip()[1:], field="amount", signed=True)
    negative = isinstance(amount, Decimal | int) and not isinstance(amount, bool) and amount < 0
    if negative:
        return -money_clean(-amount, field="amount", signed=True)
    return money_clean(amount, field="amount", signed=True)


@transaction.atomic
def balance_adjust(
    *, client: Client, amount: Decimal, reason: str, at: datetime, by
) -> BalanceEntry:
    """A signed correction with a reason; a negative one at most the available balance."""
    require_aware(at)
    _who(by)
    reason = _reason_clean(reason, ADJUSTMENT_REASONS)
    value = _signed_amount(amount)
    return _correct(
        client=client,
        amount=value,
        kind=BalanceEntry.Kind.ADJUSTMENT,
        at=at,
        by=by,
        reason=reason,
        action=AuditAction.BALANCE_ADJUSTED,
    )
