"""Fixtures of the gateway tests: rows made with the ORM (a client, its active subscription,
outbox commands), the mock's controls, and an ESET client that records its sleeps."""

from __future__ import annotations

import itertools
import time
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from django.contrib.auth import get_user_model

from accounts.models import Client, Reseller
from core.clock import MOSCOW
from eset_gateway.client import Address, EsetClient
from eset_gateway.mock import views as mock_views
from eset_gateway.models import CommandKind, GatewayCommand
from orders.models import Order, OrderStatus, SeatChange, Subscription, SubscriptionStatus
from plans.models import ResellerPlan, VendorPlan
from tests.conftest import MOCK_CONTROL_HEADERS

AT = datetime(2026, 12, 14, 12, 0, tzinfo=MOSCOW)
EXPIRES_ON = date(2027, 1, 13)

_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast_eset(settings):
    """Tiny in-call backoffs, a short timeout, and calls in process unless a test serves
    the mock over HTTP."""
    settings.ESET_API_URL = ""
    settings.ESET_RETRY_BASE_SECONDS = 0.001
    settings.ESET_CALL_ATTEMPTS = 3
    settings.ESET_TIMEOUT_SECONDS = 5.0
    settings.ESET_GIVE_UP_DAYS = 7
    settings.ESET_CONCURRENCY = 4


class Sleeps(list):
    """Records the delays asked for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def eset(sleeps):
    """An ESET client (in-process, or over HTTP when the test set ESET_API_URL first)."""
    clients: list[EsetClient] = []

    def make(**kwargs: Any) -> EsetClient:
        kwargs.setdefault("sleep", sleeps)
        client = EsetClient(**kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


ADDRESS = Address(
    state="Московская область", city="Химки", street_address="ул. Победы, д. 3", zip_code="141400"
)


def customer_make(client: EsetClient, n: int = 1) -> str:
    """An MSP and an MSP Customer under it at the mock, made through the client: the
    customer's company id."""
    msp = client.create_msp(
        name=f"Reseller {n}",
        email=f"billing{n}@reseller.example",
        custom_identifier=f"reseller-{n}",
    )
    return client.create_customer(
        name=f"Client {n}",
        address=ADDRESS,
        parent_company_id=msp,
        custom_identifier=f"client-{n}",
    )


def mock_settle(timeout: float = 5.0) -> None:
    """Waits until the live mock has answered every call, including those the client gave
    up on (a "timeout" fault keeps sleeping on the server after the client left)."""
    deadline = time.monotonic() + timeout
    while mock_views._in_flight and time.monotonic() < deadline:
        time.sleep(0.01)
    assert mock_views._in_flight == 0


@pytest.fixture
def live_eset(live_server, settings):
    """The mock served over real HTTP by a live server; the client points at it."""
    settings.ESET_API_URL = live_server.url + "/eset-mock/api/"
    yield live_server.url
    # A call still running on the server would write into the next test's database.
    mock_settle()


@pytest.fixture
def mock_control(settings):
    """Sets the mock's controls: over HTTP (POST /eset-mock/_mock/) when it is served live,
    else through the same function the view calls."""

    def control(**values: Any) -> dict:
        if settings.ESET_API_URL:
            base = settings.ESET_API_URL.removesuffix("api/")
            response = httpx.post(
                base + "_mock/", json=values, headers=MOCK_CONTROL_HEADERS, timeout=5
            )
            assert response.status_code == 200, response.text
            return response.json()
        mock_views.control_set(dict(values))
        return mock_views._control_state()

    return control


@pytest.fixture
def vendor_plan(db) -> VendorPlan:
    return VendorPlan.objects.create(
        name="ESET PROTECT Advanced",
        product_code="EPA-TEST",
        eset_product_code=111,
        min_seats=1,
        max_seats=500,
        purchase_price=Decimal("80.00"),
    )


@pytest.fixture
def make_subscription(db, vendor_plan):
    """An active subscription of a new client (own reseller, owner user)."""

    def make(
        *, seats: int = 5, plan: VendorPlan | None = None, client: Client | None = None
    ) -> Subscription:
        n = next(_numbers)
        plan = plan or vendor_plan
        if client is None:
            user = get_user_model().objects.create_user(
                username=f"owner{n}", email=f"owner{n}@client.example", password=None
            )
            reseller = Reseller.objects.create(
                name=f"Reseller {n}", email=f"billing{n}@reseller.example"
            )
            client = Client.objects.create(
                reseller=reseller,
                name=f"Client {n} LLC",
                email=f"office{n}@client.example",
                owner=user,
                address_state="Московская область",
                address_city="Химки",
                address_street=f"ул. Победы, д. {n}",
                address_zip="141400",
            )
        reseller_plan, _ = ResellerPlan.objects.get_or_create(
            reseller=client.reseller,
            vendor_plan=plan,
            defaults={"status": ResellerPlan.Status.ACTIVE, "seat_price": Decimal("100.00")},
        )
        order = Order.objects.create(
            client=client,
            reseller_plan=reseller_plan,
            seats=seats,
            status=OrderStatus.COMPLETED,
            created_at=AT,
        )
        return Subscription.objects.create(
            order=order,
            client=client,
            reseller_plan=reseller_plan,
            seats=seats,
            status=SubscriptionStatus.ACTIVE,
            expires_on=EXPIRES_ON,
            activated_at=AT,
            created_at=AT,
        )

    return make


@pytest.fixture
def subscription(make_subscription) -> Subscription:
    return make_subscription()


@pytest.fixture
def make_command():
    """A GatewayCommand row as the domain services write it."""

    def make(
        subscription: Subscription,
        kind: str,
        *,
        quantity: int | None = None,
        at: datetime = AT,
        seat_change: SeatChange | None = None,
        key: str | None = None,
    ) -> GatewayCommand:
        payload: dict[str, Any] = {}
        if kind == CommandKind.CREATE:
            payload = {
                "product_code": subscription.reseller_plan.vendor_plan.product_code,
                "eset_product_code": subscription.reseller_plan.vendor_plan.eset_product_code,
                "quantity": quantity if quantity is not None else subscription.seats,
                "company_name": subscription.client.name,
            }
        elif kind == CommandKind.CHANGE_QUANTITY:
            payload = {"quantity": quantity}
            if seat_change is not None:
                payload["previous_quantity"] = seat_change.previous_seats
                payload["effective_on"] = seat_change.effective_on.isoformat()
        return GatewayCommand.objects.create(
            subscription=subscription,
            kind=kind,
            key=key or f"{kind}:sub:{subscription.pk}:{next(_numbers)}",
            payload=payload,
            seat_change=seat_change,
            next_attempt_at=at,
            created_at=at,
        )

    return make


@pytest.fixture
def make_seat_change():
    def make(subscription: Subscription, *, seats: int, effective_on: date) -> SeatChange:
        return SeatChange.objects.create(
            subscription=subscription,
            seats=seats,
            previous_seats=subscription.seats,
            effective_on=effective_on,
            requested_at=AT,
        )

    return make
