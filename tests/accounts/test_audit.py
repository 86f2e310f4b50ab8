"""The audit trail (DESIGN.md §3): who, when, what, before → after, per tenant, for every
person's action on money, seats, prices, plans, subscriptions and clients."""

from decimal import Decimal

import pytest

from accounts.models import AuditAction, AuditEvent
from accounts.services import client_create, client_update
from billing.services import payment_register
from orders.services import (
    order_cancel,
    order_confirm,
    order_create,
    seat_change_cancel,
    seat_change_request,
    subscription_set_auto_renew,
)
from plans.services import (
    reseller_plan_deactivate,
    reseller_plan_publish,
    reseller_plan_set_seat_price,
    reseller_plan_unpublish,
)
from tests.factories import ClientFactory, ResellerPlanFactory, UserFactory, msk

pytestmark = pytest.mark.django_db


def trail(action):
    return [
        (e.actor, e.reseller_id, e.client_id, e.object_type, e.before, e.after)
        for e in AuditEvent.objects.filter(action=action).order_by("id")
    ]


@pytest.fixture
def world():
    plan = ResellerPlanFactory(seat_price=Decimal("100.00"))
    client = ClientFactory(reseller=plan.reseller)
    return plan, client, UserFactory(username="manager@example.com")


def test_prices_and_plan_status_are_audited(world):
    plan, _, who = world
    reseller_plan_set_seat_price(reseller_plan=plan, seat_price=Decimal("120.50"), by=who)
    assert trail(AuditAction.SEAT_PRICE_CHANGED) == [
        (
            who,
            plan.reseller_id,
            None,
            "resellerplan",
            {"seat_price": "100.00"},
            {"seat_price": "120.50"},
        )
    ]
    reseller_plan_unpublish(reseller_plan=plan, by=who)
    reseller_plan_unpublish(reseller_plan=plan, by=who)  # no change, no event
    reseller_plan_publish(reseller_plan=plan, by=who)
    assert [e[4:] for e in trail(AuditAction.PLAN_PUBLICATION_CHANGED)] == [
        ({"is_published": True}, {"is_published": False}),
        ({"is_published": False}, {"is_published": True}),
    ]
    reseller_plan_deactivate(reseller_plan=plan, by=who)
    assert trail(AuditAction.PLAN_STATUS_CHANGED)[0][4:] == (
        {"status": "active", "is_published": True},
        {"status": "inactive", "is_published": False},
    )


def test_money_and_subscriptions_are_audited(world):
    plan, client, who = world
    order = order_create(client=client, reseller_plan=plan, seats=2)
    sub = order_confirm(order=order, at=msk(2026, 12, 14, 10), by=who)
    payment = payment_register(
        client=client, amount=Decimal("500.00"), at=msk(2026, 12, 14, 11), order=order, by=who
    )
    [(actor, _, client_id, kind, before, after)] = trail(AuditAction.PAYMENT_REGISTERED)
    assert (actor, client_id, kind, before) == (who, client.pk, "payment", {"balance": "0.00"})
    assert after == {"balance": "500.00", "amount": "500.00", "order": order.pk}
    assert AuditEvent.objects.get(action=AuditAction.PAYMENT_REGISTERED).object_id == payment.pk
    change = seat_change_request(subscription=sub, seats=3, at=msk(2026, 12, 15), by=who)
    seat_change_cancel(seat_change=change, at=msk(2026, 12, 15, 13), by=who)
    assert trail(AuditAction.SEAT_CHANGE_REQUESTED)[0][4:] == (
        {"seats": 2},
        {"seats": 3, "effective_on": "2026-12-16"},
    )
    assert len(trail(AuditAction.SEAT_CHANGE_CANCELLED)) == 1
    subscription_set_auto_renew(subscription=sub, auto_renew=False, by=who)
    assert trail(AuditAction.AUTO_RENEW_CHANGED)[0][4:] == (
        {"auto_renew": True},
        {"auto_renew": False},
    )
    other = order_create(client=client, reseller_plan=plan, seats=2)
    order_cancel(order=other, at=msk(2026, 12, 16), by=who)
    assert trail(AuditAction.ORDER_CANCELLED)[0][4] == {"status": "draft"}
    assert len(trail(AuditAction.ORDER_CONFIRMED)) == 1


def test_clients_are_audited(world):
    plan, _, who = world
    client = client_create(
        reseller=plan.reseller, name="ООО «Сигма»", email="s@example.com", by=who
    )
    client_update(client=client, name="ООО «Сигма+»", by=who)
    assert trail(AuditAction.CLIENT_CREATED)[0][0] == who
    assert trail(AuditAction.CLIENT_CHANGED)[0][4:] == (
        {"name": "ООО «Сигма»"},
        {"name": "ООО «Сигма+»"},
    )


def test_the_nightly_runs_changes_are_the_systems(world):
    plan, client, _ = world
    order = order_create(client=client, reseller_plan=plan, seats=2)
    order_confirm(order=order, at=msk(2026, 12, 14, 10))
    payment_register(client=client, amount=Decimal("500.00"), at=msk(2026, 12, 14, 11))
    assert {e.actor for e in AuditEvent.objects.all()} == {None}


def test_the_trail_names_every_field_in_words(world):
    from accounts.audit_text import changes_line

    plan, _, who = world
    client = client_create(
        reseller=plan.reseller,
        name="ООО «Тау»",
        email="tau@example.com",
        address_state="Москва",
        address_city="Москва",
        address_street="ул. Тверская, д. 1",
        address_zip="125009",
        by=who,
    )
    event = AuditEvent.objects.get(action=AuditAction.CLIENT_CREATED, client=client)
    line = str(changes_line(event))
    assert "регион" in line and "индекс" in line and "address_" not in line
