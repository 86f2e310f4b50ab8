"""Money in (S8): a payment grows the balance at once, then serves what waits for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditAction, Client
from config.errors import Conflict, NotFound, ValidationError
from core.clock import financial_day, require_aware
from core.money import money_clean
from notifications.models import NotificationKind
from notifications.services import client_spec, notify
from orders.models import Order, OrderStatus

from ..models import BalanceEntry, Payment
from .ledger import clients_lock, ledger_append
from .lifecycle import client_serve


@dataclass(frozen=True)
class PaymentOutcome:
    payment: Payment
    activated: tuple[int, ...]
    resumed: tuple[int, ...]


def payment_register(
    *,
    client: Client,
    amount: Decimal,
    at: datetime,
    order: Order | None = None,
    by=None,
    method: str = Payment.Method.BANK_TRANSFER,
    reference: str = "",
) -> Payment:
    """S8: money in. The balance grows at once; then whatever waits for money is served."""
    return payment_register_outcome(
        client=client,
        amount=amount,
        at=at,
        order=order,
        by=by,
        method=method,
        reference=reference,
    ).payment


@transaction.atomic
def payment_register_outcome(
    *,
    client: Client,
    amount: Decimal,
    at: datetime,
    order: Order | None = None,
    by=None,
    method: str = Payment.Method.BANK_TRANSFER,
    reference: str = "",
) -> PaymentOutcome:
    amount = money_clean(amount, field="amount")
    require_aware(at)
    if method not in Payment.Method.values:
        raise ValidationError(_("Неизвестный способ оплаты."), field="method")
    reference = (reference or "").strip()
    if len(reference) > 200:
        raise ValidationError(_("Основание длиннее 200 символов."), field="reference")
    if order is not None and order.client_id != client.pk:
        raise NotFound(_("Заказ не найден."), field="order")
    day = financial_day(at)
    balance = clients_lock([client.pk]).get(client.pk)
    if balance is None:
        raise NotFound(_("Клиент не найден."), field="client")
    # The order's state is read under the client lock, not taken from the caller's object:
    # it may have been confirmed, paid or cancelled since the caller loaded it.
    if (
        order is not None
        and not Order.objects.filter(pk=order.pk, status=OrderStatus.CONFIRMED).exists()
    ):
        raise Conflict(_("Заказ не ожидает оплаты."), field="order")
    payment = Payment.objects.create(
        client=client,
        order=order,
        amount=amount,
        method=method,
        reference=reference,
        paid_at=at,
        day=day,
        registered_by=by,
    )
    new_balance = ledger_append(
        client_id=client.pk,
        balance=balance,
        amount=amount,
        kind=BalanceEntry.Kind.PAYMENT,
        day=day,
        payment=payment,
        by=by,
    )
    client.balance = new_balance
    audit_record(
        action=AuditAction.PAYMENT_REGISTERED,
        reseller_id=client.reseller_id,
        client_id=client.pk,
        at=at,
        by=by,
        obj=payment,
        before={"balance": balance},
        after={"balance": new_balance, "amount": amount, "order": order.pk if order else None},
    )
    notify(
        specs=[
            client_spec(
                client=client,
                kind=NotificationKind.PAYMENT_RECEIVED,
                key=f"payment_received:payment:{payment.pk}",
                payload={
                    "client": client.name,
                    "amount": str(amount),
                    "reference": reference,
                    "balance": str(new_balance),
                    "payment_id": payment.pk,
                },
            )
        ],
        at=at,
    )
    served = client_serve(
        client_id=client.pk,
        day=day,
        at=at,
        first_order_id=order.pk if order else None,
        payment_id=payment.pk,
    )
    return PaymentOutcome(
        payment=payment, activated=tuple(served.activated), resumed=tuple(served.resumed)
    )
