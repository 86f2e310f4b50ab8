"""Fixtures of the REST API tests: two resellers, each with a client, a priced plan and an
active subscription with money rows, and API clients holding a token of a reseller's
member or of a client's owner. Rows are made through the domain API, as the faces do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Client, Membership, Reseller
from accounts.services import requisites_save
from api.services import token_create
from billing.services import billing_run, payment_register
from eset_gateway.services import gateway_drain
from orders.models import Order, Subscription
from orders.services import order_confirm, order_create, seat_change_request
from plans.models import ResellerPlan
from tests.accounts.test_requisites import BUYER, SELLER
from tests.factories import (
    ClientFactory,
    ResellerFactory,
    ResellerPlanFactory,
    UserFactory,
    VendorPlanFactory,
    msk,
)

# The API acts at the moment of the request; the tests stop the clock here.
NOW = msk(2026, 12, 20, 12)


def api_for(user) -> APIClient:
    """An API client holding a new token of `user` (Authorization: Bearer …)."""
    raw = token_create(user=user, name="tests", at=timezone.now()).raw
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


def reseller_member(reseller: Reseller, username: str):
    user = UserFactory(username=username)
    Membership.objects.create(user=user, reseller=reseller, role=Membership.Role.ADMIN)
    return user


@dataclass
class Tenant:
    """One reseller's world: its plan, a client and that client's active subscription
    (paid 14.12.2026, December's charge closed), a draft order, a payment, a pending
    seat change and notifications."""

    reseller: Reseller
    plan: ResellerPlan
    client: Client
    subscription: Subscription
    draft: Order
    reseller_api: APIClient
    client_api: APIClient

    @property
    def vendor_plan_id(self) -> int:
        return self.plan.vendor_plan_id


def build_tenant(n: int) -> Tenant:
    reseller = ResellerFactory(name=f"Реселлер API {n}")
    plan = ResellerPlanFactory(
        reseller=reseller,
        vendor_plan=VendorPlanFactory(
            name=f"ESET PROTECT Entry {n}", min_seats=5, max_seats=50, purchase_price=Decimal("80")
        ),
        seat_price=Decimal("100.00"),
    )
    client = ClientFactory(reseller=reseller, name=f"ООО Клиент {n}", email=f"owner{n}@api.example")
    order = order_create(client=client, reseller_plan=plan)
    subscription = order_confirm(order=order, at=msk(2026, 12, 14, 10))
    payment_register(
        client=client, amount=Decimal("1000.00"), at=msk(2026, 12, 14, 11), order=order
    )
    gateway_drain(at=msk(2026, 12, 14, 11, 5))  # the licence and the activation data (S9)
    billing_run(day=date(2026, 12, 14))
    seat_change_request(subscription=subscription, seats=6, at=msk(2026, 12, 15, 9))
    draft = order_create(client=client, reseller_plan=plan, seats=7)
    # Requisites of both parties, so that invoices can be issued (§13).
    requisites_save(owner=reseller, data=dict(SELLER), at=msk(2026, 12, 1))
    requisites_save(owner=client, data=dict(BUYER), at=msk(2026, 12, 1))
    subscription.refresh_from_db()
    return Tenant(
        reseller=reseller,
        plan=plan,
        client=client,
        subscription=subscription,
        draft=draft,
        reseller_api=api_for(reseller_member(reseller, f"staff{n}@reseller.example")),
        client_api=api_for(client.owner),
    )


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def mine(db) -> Tenant:
    return build_tenant(1)


@pytest.fixture
def theirs(db) -> Tenant:
    return build_tenant(2)


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


def error_of(response, status: int) -> dict:
    """The one error shape, with the expected status."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


# The tables a request may write: "nothing written" compares them whole, before and after.
WRITTEN_MODELS = (
    "accounts.Client",
    "accounts.Membership",
    "accounts.Invitation",
    "auth.User",
    "plans.ResellerPlan",
    "orders.Order",
    "orders.Subscription",
    "orders.SeatChange",
    "orders.SubscriptionEvent",
    "billing.Payment",
    "billing.BalanceEntry",
    "billing.ServicePeriod",
    "billing.Charge",
    "notifications.Notification",
    "eset_gateway.GatewayCommand",
    "api.IdempotencyRecord",
    "accounts.Requisites",
    "documents.DocumentCounter",
    "documents.Invoice",
    "documents.InvoiceLine",
    "documents.InvoicePayment",
)


def snapshot() -> dict[str, list[dict]]:
    from django.apps import apps

    return {
        label: list(apps.get_model(label).objects.order_by("pk").values())
        for label in WRITTEN_MODELS
    }


def ids(response) -> list[int]:
    assert response.status_code == 200, (response.status_code, response.content[:500])
    return [row["id"] for row in response.json()["results"]]
