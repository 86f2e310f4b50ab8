"""Many payments at once (S8, DESIGN.md §13: a bank statement's thousands of lines): the
same writes as payment_register, one per payment (the payment, its ledger entry with the
running balance, the audit event, the client's «payment received» notification), done in
bulk: the clients locked in one query in id order, the rows inserted a thousand per
statement; then what waits for money is served once per client that has something
waiting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditAction, AuditEvent, Client
from config.db import bulk_insert, bulk_set
from config.errors import NotFound, ValidationError
from core.clock import financial_day, require_aware
from core.money import MAX_BALANCE, money_clean
from notifications.models import NotificationKind
from notifications.services import client_spec, notify
from orders.models import Order, OrderStatus, Subscription, SubscriptionStatus

from ..models import BalanceEntry, Payment
from .ledger import clients_lock
from .lifecycle import client_serve

BATCH = 1000


@dataclass(frozen=True)
class PaymentItem:
    client_id: int
    amount: Decimal
    reference: str = ""
    # The order the money names: served first when it still waits for money, otherwise
    # (paid or cancelled since) the payment is a plain one.
    order_id: int | None = None


@dataclass(frozen=True)
class PaymentsResult:
    payment_ids: tuple[int, ...]  # in the order of the items
    activated: tuple[int, ...]
    resumed: tuple[int, ...]


@transaction.atomic
def payments_register_many(
    *,
    items: Sequence[PaymentItem],
    at: datetime,
    by=None,
    method: str = Payment.Method.BANK_TRANSFER,
) -> PaymentsResult:
    """Registers every item as payment_register would, or refuses them all (the first bad
    item named) and writes nothing."""
    require_aware(at)
    if method not in Payment.Method.values:
        raise ValidationError(_("Неизвестный способ оплаты."), field="method")
    if not items:
        return PaymentsResult((), (), ())
    cleaned: list[tuple[PaymentItem, Decimal, str]] = []
    for item in items:
        reference = (item.reference or "").strip()
        if len(reference) > 200:
            raise ValidationError(_("Основание длиннее 200 символов."), field="reference")
        cleaned.append((item, money_clean(item.amount, field="amount"), reference))
    day = financial_day(at)
    client_ids = sorted({item.client_id for item in items})
    balances = clients_lock(client_ids)
    if len(balances) != len(client_ids):
        raise NotFound(_("Клиент не найден."), field="client")
    clients = {c.pk: c for c in Client.objects.filter(pk__in=client_ids)}
    named = {item.order_id for item in items if item.order_id}
    # Read under the clients' locks: an order may have been paid or cancelled since.
    waiting_orders = dict(
        Order.objects.filter(pk__in=named, status=OrderStatus.CONFIRMED).values_list(
            "pk", "client_id"
        )
    )
    author = by if getattr(by, "pk", None) else None
    author_id = author.pk if author is not None else None
    payments = [
        Payment(
            client_id=item.client_id,
            order_id=item.order_id
            if item.order_id and waiting_orders.get(item.order_id) == item.client_id
            else None,
            amount=amount,
            method=method,
            reference=reference,
            paid_at=at,
            day=day,
            registered_by=author,
        )
        for item, amount, reference in cleaned
    ]
    Payment.objects.bulk_create(payments, batch_size=BATCH)
    stamped = timezone.now()  # what auto_now_add would write, once for the batch
    running = dict(balances)
    entries: list[tuple] = []
    events: list[tuple] = []
    for payment in payments:
        before = running[payment.client_id]
        after = before + payment.amount
        if abs(after) > MAX_BALANCE:
            raise ValidationError(
                _("Баланс клиента превысил бы допустимый предел (%(max)s).")
                % {"max": f"{MAX_BALANCE:,.2f}".replace(",", " ")},
                field="amount",
            )
        running[payment.client_id] = after
        # Plain rows, not model objects (config.db.bulk_insert): thousands of them.
        entries.append(
            (
                payment.client_id,
                BalanceEntry.Kind.PAYMENT,
                payment.amount,
                after,
                payment.pk,
                day,
                author_id,
                stamped,
            )
        )
        events.append(
            (
                clients[payment.client_id].reseller_id,
                payment.client_id,
                author_id,
                AuditAction.PAYMENT_REGISTERED,
                "payment",
                payment.pk,
                {"balance": str(before)},
                {"balance": str(after), "amount": str(payment.amount), "order": payment.order_id},
                at,
            )
        )
    bulk_insert(
        BalanceEntry,
        ["client", "kind", "amount", "balance_after", "payment", "day", "created_by", "created_at"],
        entries,
    )
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
        events,
    )
    moved = [clients[cid] for cid in client_ids]
    for client in moved:
        client.balance = running[client.pk]
    bulk_set(moved, ["balance"])
    notify(
        specs=[
            client_spec(
                client=clients[payment.client_id],
                kind=NotificationKind.PAYMENT_RECEIVED,
                key=f"payment_received:payment:{payment.pk}",
                payload={
                    "client": clients[payment.client_id].name,
                    "amount": str(payment.amount),
                    "reference": payment.reference,
                    "balance": str(entry[3]),
                    "payment_id": payment.pk,
                },
            )
            for payment, entry in zip(payments, entries, strict=True)
        ],
        at=at,
    )
    # Serving costs a few queries per client: only the clients that have something waiting.
    serve = set(
        Subscription.objects.filter(
            client_id__in=client_ids,
            status__in=[SubscriptionStatus.SUSPENDED, SubscriptionStatus.PENDING_PAYMENT],
        ).values_list("client_id", flat=True)
    )
    first_order: dict[int, int] = {}
    for payment in payments:
        if payment.order_id:
            first_order.setdefault(payment.client_id, payment.order_id)
    activated: list[int] = []
    resumed: list[int] = []
    for client_id in client_ids:
        if client_id in serve:
            served = client_serve(
                client_id=client_id, day=day, at=at, first_order_id=first_order.get(client_id)
            )
            activated += served.activated
            resumed += served.resumed
    return PaymentsResult(
        payment_ids=tuple(p.pk for p in payments),
        activated=tuple(activated),
        resumed=tuple(resumed),
    )
