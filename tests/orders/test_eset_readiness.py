"""An order is refused at confirmation when ESET could not issue its licence: the client
has no address (ESET creates no company without one) or the plan has no ESET product
code. The refusal names the field, and nothing is written: no subscription, no command."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import Client
from config.errors import ValidationError
from eset_gateway.models import GatewayCommand
from orders.models import Order, OrderStatus, Subscription
from orders.services import order_confirm, order_create
from plans.models import VendorPlan
from tests.factories import ClientFactory, ResellerPlanFactory, msk

AT = msk(2026, 12, 14, 10)

pytestmark = pytest.mark.django_db


def _order() -> Order:
    plan = ResellerPlanFactory(seat_price=Decimal("100.00"))
    client = ClientFactory(reseller=plan.reseller)
    return order_create(client=client, reseller_plan=plan, seats=5)


@pytest.mark.parametrize(
    "field", ["address_state", "address_city", "address_street", "address_zip"]
)
def test_a_client_without_an_address_is_refused_at_confirmation(field):
    order = _order()
    Client.objects.filter(pk=order.client_id).update(**{field: "  "})
    with pytest.raises(ValidationError) as caught:
        order_confirm(order=order, at=AT)
    assert caught.value.field == field
    assert "адрес" in caught.value.message
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT
    assert (Subscription.objects.count(), GatewayCommand.objects.count()) == (0, 0)


def test_a_plan_without_an_eset_product_code_is_refused_at_confirmation():
    order = _order()
    VendorPlan.objects.update(eset_product_code=None)
    with pytest.raises(ValidationError) as caught:
        order_confirm(order=order, at=AT)
    assert caught.value.field == "eset_product_code"
    assert (Subscription.objects.count(), GatewayCommand.objects.count()) == (0, 0)


def test_a_paid_order_writes_a_create_command_with_the_numeric_eset_code():
    from billing.services import payment_register

    order = _order()
    order_confirm(order=order, at=AT)
    payment_register(client=order.client, amount=Decimal("1000.00"), at=AT)
    (command,) = GatewayCommand.objects.all()
    assert command.payload["eset_product_code"] == 110
    assert command.payload["product_code"] == order.reseller_plan.vendor_plan.product_code
