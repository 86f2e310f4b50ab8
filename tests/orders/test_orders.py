"""Orders (S5-S7, DESIGN.md §4.4): created from the panel or the portal with the plan's
minimum seats, confirmed into a subscription awaiting payment, cancelled while unpaid."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from accounts.services import reseller_user_create
from billing.models import Charge, Payment, ServicePeriod
from billing.services import payment_register
from config.errors import Conflict
from orders.models import (
    Order,
    OrderStatus,
    Subscription,
    SubscriptionEvent,
    SubscriptionStatus,
)
from orders.services import order_cancel, order_confirm, order_create, order_quote
from tests.factories import ClientFactory, ResellerPlanFactory, VendorPlanFactory, msk
from tests.invariants import assert_invariants

pytestmark = pytest.mark.django_db


def plan_(**vendor):
    vendor.setdefault("min_seats", 5)
    vendor.setdefault("max_seats", 50)
    return ResellerPlanFactory(
        vendor_plan=VendorPlanFactory(**vendor), seat_price=Decimal("100.00")
    )


def test_order_includes_the_plan_minimum_by_default():
    plan = plan_()
    client = ClientFactory(reseller=plan.reseller)
    order = order_create(client=client, reseller_plan=plan)
    order.refresh_from_db()
    assert (order.seats, order.status, order.source, order.amount_due) == (
        5,
        OrderStatus.DRAFT,
        Order.Source.PANEL,
        Decimal("0.00"),
    )
    assert Subscription.objects.count() == 0


@pytest.mark.parametrize("seats", [5, 6, 50])
def test_order_seats_within_the_plan_limits(seats):
    plan = plan_()
    client = ClientFactory(reseller=plan.reseller)
    assert order_create(client=client, reseller_plan=plan, seats=seats).seats == seats


def test_order_by_a_reseller_user_is_a_panel_order():
    plan = plan_()
    client = ClientFactory(reseller=plan.reseller)
    user = reseller_user_create(reseller=plan.reseller, username="manager", email="m@example.com")
    order = order_create(client=client, reseller_plan=plan, seats=7, by=user)
    assert (order.source, order.created_by_id) == (Order.Source.PANEL, user.pk)


def test_order_by_the_client_in_the_portal_on_a_published_plan():
    plan = plan_()
    assert plan.is_published
    client = ClientFactory(reseller=plan.reseller)
    order = order_create(client=client, reseller_plan=plan, by=client.owner)
    assert (order.source, order.created_by_id, order.seats) == (
        Order.Source.PORTAL,
        client.owner_id,
        5,
    )


def test_confirm_creates_a_subscription_awaiting_payment():
    plan = plan_()
    client = ClientFactory(reseller=plan.reseller)
    order = order_create(client=client, reseller_plan=plan, seats=5)
    at = msk(2026, 12, 14, 10)
    sub = order_confirm(order=order, at=at)
    order.refresh_from_db()
    assert (order.status, order.confirmed_at, order.amount_due) == (
        OrderStatus.CONFIRMED,
        at,
        Decimal("483.87"),  # 290.32 + 193.55 (S10)
    )
    assert (sub.order_id, sub.client_id, sub.reseller_plan_id, sub.seats) == (
        order.pk,
        client.pk,
        plan.pk,
        5,
    )
    assert (sub.status, sub.auto_renew, sub.created_at, sub.expires_on) == (
        SubscriptionStatus.PENDING_PAYMENT,
        True,
        at,
        None,
    )
    assert list(
        SubscriptionEvent.objects.filter(subscription=sub).values_list(
            "from_status", "to_status", "day"
        )
    ) == [("", SubscriptionStatus.PENDING_PAYMENT, date(2026, 12, 14))]
    assert ServicePeriod.objects.count() == Charge.objects.count() == 0
    assert order_quote(order=order, day=date(2026, 12, 14)) == Decimal("483.87")


def test_confirm_uses_the_moscow_day():
    # 28 Feb 21:30 UTC is 1 Mar 00:30 in Moscow. From 1 Mar: 150 × 100 / 31 = 483.87;
    # from 28 Feb it would be 17.86 + 467.74 = 485.60.
    plan = plan_()
    client = ClientFactory(reseller=plan.reseller)
    payment_register(client=client, amount=Decimal("483.87"), at=msk(2027, 2, 20))
    order = order_create(client=client, reseller_plan=plan, seats=5)
    sub = order_confirm(order=order, at=datetime(2027, 2, 28, 21, 30, tzinfo=UTC))
    order.refresh_from_db()
    assert order.amount_due == Decimal("483.87")
    assert sub.status == SubscriptionStatus.ACTIVE
    assert list(
        ServicePeriod.objects.filter(subscription=sub).values_list("starts_on", "expires_on")
    ) == [(date(2027, 3, 1), date(2027, 3, 31))]
    assert_invariants(day=date(2027, 3, 1))


def test_cancel_a_draft_order():
    plan = plan_()
    client = ClientFactory(reseller=plan.reseller)
    order = order_cancel(order=order_create(client=client, reseller_plan=plan), at=msk(2027, 1, 5))
    assert order.status == OrderStatus.CANCELLED
    with pytest.raises(Conflict) as exc:
        order_confirm(order=order, at=msk(2027, 1, 5, 13))
    assert exc.value.field == "order"
    assert Subscription.objects.count() == 0


def test_cancel_a_confirmed_unpaid_order_cancels_its_subscription():
    plan = plan_()
    client = ClientFactory(reseller=plan.reseller)
    order = order_create(client=client, reseller_plan=plan)
    sub = order_confirm(order=order, at=msk(2027, 1, 5, 10))
    order_cancel(order=order, at=msk(2027, 1, 6, 10))
    order.refresh_from_db()
    sub.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert (sub.status, sub.cancelled_on) == (SubscriptionStatus.CANCELLED, date(2027, 1, 6))
    # A later payment no longer activates it.
    payment_register(client=client, amount=Decimal("1000.00"), at=msk(2027, 1, 7))
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.CANCELLED
    assert ServicePeriod.objects.count() == 0
    assert_invariants(day=date(2027, 1, 7))


def test_cancel_an_activated_order_is_refused():
    plan = plan_()
    client = ClientFactory(reseller=plan.reseller)
    payment_register(client=client, amount=Decimal("1000.00"), at=msk(2026, 12, 14, 9))
    order = order_create(client=client, reseller_plan=plan)
    sub = order_confirm(order=order, at=msk(2026, 12, 14, 10))
    assert sub.status == SubscriptionStatus.ACTIVE
    with pytest.raises(Conflict) as exc:
        order_cancel(order=order, at=msk(2026, 12, 15))
    assert exc.value.field == "order"
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.ACTIVE
    assert_invariants(day=date(2026, 12, 15))


def test_pay_the_order_object_just_confirmed():
    """S7-S8 as a caller writes it: confirm the order, then register a payment for that
    same order object."""
    plan = plan_()
    client = ClientFactory(reseller=plan.reseller)
    order = order_create(client=client, reseller_plan=plan)
    sub = order_confirm(order=order, at=msk(2026, 12, 14, 10))
    # Regression (fixed in 2a79986): this raised Conflict(field="order") because
    # payment_register trusted the caller's instance, still "draft" after order_confirm.
    payment_register(client=client, amount=Decimal("483.87"), at=msk(2026, 12, 14, 11), order=order)
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.ACTIVE
    assert_invariants(day=date(2026, 12, 14))


def test_payment_for_an_order_cancelled_meanwhile_is_refused():
    """The order's status is read when the payment is registered, not trusted from a copy
    loaded earlier (a payment racing a cancellation)."""
    plan = plan_()
    client = ClientFactory(reseller=plan.reseller)
    order = order_create(client=client, reseller_plan=plan)
    order_confirm(order=order, at=msk(2026, 12, 14, 10))
    order.refresh_from_db()  # the payment form loaded the order: confirmed
    order_cancel(order=Order.objects.get(pk=order.pk), at=msk(2026, 12, 14, 11))
    # Regression (fixed in 2a79986): the payment used to be accepted and linked to the
    # cancelled order, payment_register trusting the stale instance's "confirmed".
    with pytest.raises(Conflict) as exc:
        payment_register(
            client=client, amount=Decimal("100.00"), at=msk(2026, 12, 14, 12), order=order
        )
    assert exc.value.field == "order"
    assert Payment.objects.count() == 0


def test_an_order_records_the_face_it_came_through_and_refuses_an_unknown_one():
    from config.errors import ValidationError as DomainValidationError
    from orders.models import Order as OrderModel

    create = order_create
    plan = ResellerPlanFactory()
    client = ClientFactory(reseller=plan.reseller)
    assert create(client=client, reseller_plan=plan).source == OrderModel.Source.PANEL
    assert create(client=client, reseller_plan=plan, source="api").source == "api"
    with pytest.raises(DomainValidationError) as refused:
        create(client=client, reseller_plan=plan, source="fax")
    assert refused.value.field == "source"
    assert OrderModel.objects.count() == 2
