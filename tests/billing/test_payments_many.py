"""Many payments at once (billing.payments_register_many, used by the bank statement
import): the same rows as payment_register per payment, the running balance per client in
the items' order, what waits for money served; one bad item refuses them all."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import AuditAction, AuditEvent
from billing.models import BalanceEntry, Payment
from billing.services import PaymentItem, payments_register_many
from config.errors import NotFound, ValidationError
from notifications.models import Notification, NotificationKind
from orders.models import SubscriptionStatus
from orders.services import order_confirm, order_create
from tests.factories import ClientFactory, ResellerPlanFactory, UserFactory, VendorPlanFactory, msk

pytestmark = pytest.mark.django_db

AT = msk(2026, 12, 14, 11)


def counts() -> dict[str, int]:
    return {
        m.__name__: m.objects.count() for m in (Payment, BalanceEntry, AuditEvent, Notification)
    }


def test_each_item_is_a_payment_with_its_entry_audit_and_notification():
    plan = ResellerPlanFactory(
        vendor_plan=VendorPlanFactory(min_seats=5, max_seats=50), seat_price=Decimal("100.00")
    )
    first, second = ClientFactory(reseller=plan.reseller), ClientFactory(reseller=plan.reseller)
    order = order_create(client=second, reseller_plan=plan, seats=5)
    subscription = order_confirm(order=order, at=msk(2026, 12, 14, 10))
    who = UserFactory()
    result = payments_register_many(
        items=[
            PaymentItem(
                client_id=second.pk,
                amount=Decimal("483.87"),
                reference="п/п № 1",
                order_id=order.pk,
            ),
            PaymentItem(client_id=first.pk, amount=Decimal("10.00"), reference="п/п № 2"),
            PaymentItem(client_id=first.pk, amount=Decimal("0.50"), reference="п/п № 3"),
        ],
        at=AT,
        by=who,
    )
    payments = [Payment.objects.get(pk=pk) for pk in result.payment_ids]
    assert [(p.client_id, p.amount, p.reference, p.order_id) for p in payments] == [
        (second.pk, Decimal("483.87"), "п/п № 1", order.pk),
        (first.pk, Decimal("10.00"), "п/п № 2", None),
        (first.pk, Decimal("0.50"), "п/п № 3", None),
    ]
    assert all(
        (p.paid_at, p.registered_by, p.method) == (AT, who, "bank_transfer") for p in payments
    )
    assert list(
        BalanceEntry.objects.filter(client=first)
        .order_by("pk")
        .values_list("amount", "balance_after")
    ) == [(Decimal("10.00"), Decimal("10.00")), (Decimal("0.50"), Decimal("10.50"))]
    first.refresh_from_db()
    assert first.balance == Decimal("10.50")
    events = AuditEvent.objects.filter(
        action=AuditAction.PAYMENT_REGISTERED, client=first
    ).order_by("pk")
    assert [(e.before, e.after, e.actor_id) for e in events] == [
        ({"balance": "0.00"}, {"balance": "10.00", "amount": "10.00", "order": None}, who.pk),
        ({"balance": "10.00"}, {"balance": "10.50", "amount": "0.50", "order": None}, who.pk),
    ]
    assert Notification.objects.filter(kind=NotificationKind.PAYMENT_RECEIVED).count() == 3
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert result.activated == (subscription.pk,)


@pytest.mark.parametrize(
    ("item", "error", "field"),
    [
        (lambda c: PaymentItem(client_id=c.pk, amount=Decimal("0.00")), ValidationError, "amount"),
        (lambda c: PaymentItem(client_id=c.pk, amount=Decimal("1.001")), ValidationError, "amount"),
        (
            lambda c: PaymentItem(client_id=c.pk, amount=Decimal("1"), reference="x" * 201),
            ValidationError,
            "reference",
        ),
        (lambda c: PaymentItem(client_id=c.pk + 1000, amount=Decimal("1")), NotFound, "client"),
    ],
    ids=["zero", "three-places", "long-reference", "no-such-client"],
)
def test_one_bad_item_refuses_them_all(item, error, field):
    client = ClientFactory()
    before = counts()
    with pytest.raises(error) as caught:
        payments_register_many(
            items=[PaymentItem(client_id=client.pk, amount=Decimal("5.00")), item(client)], at=AT
        )
    assert caught.value.field == field
    assert counts() == before
    client.refresh_from_db()
    assert client.balance == Decimal("0.00")
