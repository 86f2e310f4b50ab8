"""Every list is paginated (page numbers, a size cap), filtered with django-filter and
ordered; a bad page, size, filter or ordering is a 400 naming it; a list page takes a fixed
number of queries whatever its size (DESIGN.md §10)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.services import billing_run, payment_register
from notifications.services import NotificationSpec, notify
from orders.services import order_confirm, order_create
from tests.api.conftest import NOW, error_of, ids
from tests.factories import ClientFactory, ResellerPlanFactory, msk

pytestmark = pytest.mark.django_db

R = "/api/v1/reseller"


def test_pages_and_their_links(mine):
    for n in range(4):
        payment_register(client=mine.client, amount=Decimal(n + 1), at=msk(2026, 12, 15 + n))
    api = mine.reseller_api
    first = api.get(f"{R}/payments/?page_size=2&ordering=paid_at").json()
    assert first["count"] == 5 and len(first["results"]) == 2
    assert first["previous"] is None
    assert (
        first["next"]
        == "http://testserver/api/v1/reseller/payments/?ordering=paid_at&page=2&page_size=2"
    )
    third = api.get(f"{R}/payments/?page_size=2&ordering=paid_at&page=3").json()
    assert [r["amount"] for r in third["results"]] == ["4.00"]
    assert third["next"] is None
    # A page past the end is empty, not an error: a list may shrink between two calls.
    assert api.get(f"{R}/payments/?page_size=2&page=9").json()["results"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page_size=0", "page_size"),
        ("page_size=101", "page_size"),
        ("page_size=-1", "page_size"),
        ("ordering=cost", "ordering"),
        ("ordering=", "ordering"),
        ("client=1.5", "client"),
        ("client=99999999999999999999", "client"),
        ("day_from=2026-02-30", "day_from"),
    ],
)
def test_bad_list_parameters_are_named(mine, query, field):
    error = error_of(mine.reseller_api.get(f"{R}/payments/?{query}"), 400)
    assert field in error["fields"]


def test_the_page_size_is_capped_at_100(mine):
    assert mine.reseller_api.get(f"{R}/payments/?page_size=100").status_code == 200


def test_ordering_keeps_the_id_as_the_tie_breaker(mine):
    for _ in range(3):
        payment_register(client=mine.client, amount=Decimal("5.00"), at=NOW)
    got = ids(mine.reseller_api.get(f"{R}/payments/?ordering=amount"))
    fives = sorted(got[:3])
    assert got == [*fives, got[3]]


def grow(tenant, n: int) -> None:
    """n more clients, each with a subscription, a payment, charges and a notification."""
    for i in range(n):
        client = ClientFactory(reseller=tenant.reseller)
        order = order_create(client=client, reseller_plan=tenant.plan)
        order_confirm(order=order, at=msk(2026, 12, 14, 10))
        payment_register(client=client, amount=Decimal("600.00"), at=msk(2026, 12, 14, 11))
        notify(
            specs=[
                NotificationSpec(
                    kind="payment_received",
                    key=f"grow:{client.pk}:{i}",
                    reseller_id=tenant.reseller.pk,
                    client_id=client.pk,
                    subscription_id=None,
                    recipient_id=client.owner_id,
                    email_to="",
                    payload={},
                )
            ],
            at=NOW,
        )
    billing_run(day=date(2026, 12, 31))


LISTS = [
    "plans",
    "clients",
    "balances",
    "orders",
    "subscriptions",
    "payments",
    "periods",
    "charges",
    "notifications",
]


def queries(api, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert api.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("name", LISTS)
def test_a_list_takes_a_fixed_number_of_queries(mine, name):
    url = f"{R}/{name}/?page_size=100"
    mine.reseller_api.get(url)  # the token's first use is recorded once
    small = queries(mine.reseller_api, url)
    grow(mine, 4)
    assert queries(mine.reseller_api, url) == small


def grow_client(tenant, n: int) -> None:
    """n more published plans, subscriptions, payments and journal entries of the tenant's
    own client."""
    for i in range(n):
        ResellerPlanFactory(reseller=tenant.reseller)
        order = order_create(client=tenant.client, reseller_plan=tenant.plan)
        order_confirm(order=order, at=msk(2026, 12, 16, 10))
        payment_register(client=tenant.client, amount=Decimal("600.00"), at=msk(2026, 12, 16, 11))
        notify(
            specs=[
                NotificationSpec(
                    kind="payment_received",
                    key=f"grow-client:{i}",
                    reseller_id=tenant.reseller.pk,
                    client_id=tenant.client.pk,
                    subscription_id=None,
                    recipient_id=tenant.client.owner_id,
                    email_to="",
                    payload={},
                )
            ],
            at=NOW,
        )


@pytest.mark.parametrize(
    "name", ["plans", "orders", "subscriptions", "payments", "charges", "notifications"]
)
def test_a_client_list_takes_a_fixed_number_of_queries(mine, name):
    url = f"/api/v1/client/{name}/?page_size=100"
    mine.client_api.get(url)
    small = queries(mine.client_api, url)
    grow_client(mine, 4)
    assert len(mine.client_api.get(url).json()["results"]) > 1
    assert queries(mine.client_api, url) == small
