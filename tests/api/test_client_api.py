"""The client scope, /api/v1/client/ (issue 4): what the portal does, for the client's own
rows only. For every endpoint the happy path, a bad-input case that writes nothing, and
another client's id (of another reseller, or a sibling of the same reseller) answered with
a 404. A client sees selling prices, never purchase prices or costs."""

from decimal import Decimal

import pytest

from billing.models import Payment
from billing.services import payment_register
from notifications.models import Notification, NotificationKind
from notifications.services import notify, reseller_spec
from orders.models import Order, SeatChange, SeatChangeStatus
from orders.services import order_create
from tests.api.conftest import NOW, error_of, ids, snapshot
from tests.api.test_reseller_api import refused
from tests.factories import ClientFactory, ResellerPlanFactory

pytestmark = pytest.mark.django_db

C = "/api/v1/client"


@pytest.fixture
def sibling(mine):
    """Another client of the same reseller, with an order and a payment."""
    client = ClientFactory(reseller=mine.reseller, name="ООО Сосед", email="sibling@api.example")
    order = order_create(client=client, reseller_plan=mine.plan)
    payment = payment_register(client=client, amount=Decimal("50.00"), at=NOW)
    return client, order, payment


def test_published_plans_only(mine, theirs):
    api = mine.client_api
    hidden = ResellerPlanFactory(reseller=mine.reseller, is_published=False)
    assert api.get(f"{C}/plans/").json()["results"] == [
        {
            "id": mine.plan.pk,
            "name": "ESET PROTECT Entry 1",
            "product_code": mine.plan.vendor_plan.product_code,
            "description": "",
            "min_seats": 5,
            "max_seats": 50,
            "billing_cycle": "30_days",
            "seat_price": "100.00",
        }
    ]
    assert api.get(f"{C}/plans/{mine.plan.pk}/").json()["seat_price"] == "100.00"
    for plan_id in (hidden.pk, theirs.plan.pk):
        error = refused(api, "get", f"{C}/plans/{plan_id}/", None, 404, "reseller_plan")
        assert error["message"] == "Тарифный план не найден."
    refused(api, "get", f"{C}/plans/?ordering=purchase_price", None, 400, "ordering")


def test_orders_own_only(mine, sibling):
    api = mine.client_api
    assert ids(api.get(f"{C}/orders/")) == [mine.draft.pk, mine.subscription.order_id]
    assert ids(api.get(f"{C}/orders/?status=completed")) == [mine.subscription.order_id]
    refused(api, "get", f"{C}/orders/?status=lost", None, 400, "status")


def test_a_client_orders_a_published_plan(mine):
    response = mine.client_api.post(f"{C}/orders/", {"reseller_plan": mine.plan.pk}, format="json")
    assert response.status_code == 201
    row = response.json()
    order = Order.objects.get(pk=row["id"])
    assert (row["seats"], row["source"], row["status"], row["quote_total"]) == (
        5,
        "api",
        "draft",
        "483.87",
    )
    assert order.client == mine.client and order.created_by == mine.client.owner
    row = mine.client_api.post(
        f"{C}/orders/", {"reseller_plan": mine.plan.pk, "seats": 9}, format="json"
    ).json()
    assert row["seats"] == 9


def test_a_client_cannot_order_an_unpublished_or_foreign_plan(mine, theirs):
    hidden = ResellerPlanFactory(reseller=mine.reseller, is_published=False)
    for plan_id in (hidden.pk, theirs.plan.pk):
        body = {"reseller_plan": plan_id}
        refused(mine.client_api, "post", f"{C}/orders/", body, 404, "reseller_plan")


@pytest.mark.parametrize(("seats", "field"), [(4, "seats"), (51, "seats"), ("x", "seats")])
def test_a_bad_client_order_writes_nothing(mine, seats, field):
    body = {"reseller_plan": mine.plan.pk, "seats": seats}
    status = 400 if seats == "x" else 409  # outside the plan's limits: a state conflict
    refused(mine.client_api, "post", f"{C}/orders/", body, status, field)


def test_a_client_confirms_and_cancels_its_order(mine):
    api = mine.client_api
    row = api.post(f"{C}/orders/{mine.draft.pk}/confirm/").json()
    assert (row["status"], row["still_due"]) == ("confirmed", "161.29")
    refused(api, "post", f"{C}/orders/{mine.draft.pk}/confirm/", None, 409, "order")
    assert api.post(f"{C}/orders/{mine.draft.pk}/cancel/").json()["status"] == "cancelled"


def test_subscriptions_without_purchase_prices(mine):
    api = mine.client_api
    assert ids(api.get(f"{C}/subscriptions/")) == [mine.subscription.pk]
    refused(api, "get", f"{C}/subscriptions/?status=gone", None, 400, "status")
    detail = api.get(f"{C}/subscriptions/{mine.subscription.pk}/").json()
    assert detail["periods"] == [
        {
            "id": mine.subscription.periods.get().pk,
            "subscription": mine.subscription.pk,
            "starts_on": "2026-12-14",
            "expires_on": "2027-01-13",
            "paid_through": "2027-01-12",
            "last_day": "2027-01-12",
            "seat_price": "100.00",
        }
    ]
    assert detail["pending_seat_change"]["seats"] == 6 and detail["license"]["quantity"] == 5


def test_a_client_changes_its_seats(mine):
    api = mine.client_api
    url = f"{C}/subscriptions/{mine.subscription.pk}/seat-changes/"
    response = api.post(url, {"seats": 8}, format="json")
    assert response.status_code == 201
    change = SeatChange.objects.get(pk=response.json()["id"])
    assert (change.seats, change.effective_on.isoformat(), change.requested_by) == (
        8,
        "2026-12-21",
        mine.client.owner,
    )
    assert ids(api.get(url)) == [change.pk, change.pk - 1]
    refused(api, "post", url, {"seats": 4}, 409, "seats")
    refused(api, "post", url, {}, 400, "seats")
    cancel = f"{C}/subscriptions/{mine.subscription.pk}/cancel-seat-change/"
    assert api.post(cancel).json()["status"] == SeatChangeStatus.CANCELLED
    refused(api, "post", cancel, None, 409, "seat_change")


def test_a_client_switches_auto_renew(mine):
    url = f"{C}/subscriptions/{mine.subscription.pk}/auto-renew/"
    assert (
        mine.client_api.put(url, {"auto_renew": False}, format="json").json()["auto_renew"] is False
    )
    refused(mine.client_api, "put", url, {"auto_renew": 3}, 400, "auto_renew")


def test_balance(mine):
    assert mine.client_api.get(f"{C}/balance/").json() == {
        "client": mine.client.pk,
        "client_name": "ООО Клиент 1",
        "balance": "1000.00",
        "reserved": "483.87",
        "available": "516.13",
    }


def test_charges_without_the_cost(mine):
    rows = mine.client_api.get(f"{C}/charges/?ordering=-amount").json()["results"]
    assert [(r["date_from"], r["amount"], r["status"]) for r in rows] == [
        ("2026-12-14", "290.32", "open"),
        ("2027-01-01", "193.55", "open"),
    ]
    assert all("cost" not in r for r in rows)
    refused(mine.client_api, "get", f"{C}/charges/?month=december", None, 400, "month")


def test_payments_read_only(mine, sibling):
    api = mine.client_api
    own = Payment.objects.get(client=mine.client)
    assert ids(api.get(f"{C}/payments/")) == [own.pk]
    assert api.get(f"{C}/payments/{own.pk}/").json()["amount"] == "1000.00"
    refused(api, "get", f"{C}/payments/?day_to=yesterday", None, 400, "day_to")
    before = snapshot()
    body = {"client": mine.client.pk, "amount": "1000000.00"}
    assert error_of(api.post(f"{C}/payments/", body, format="json"), 405)["code"] == (
        "method_not_allowed"
    )
    assert snapshot() == before


def test_journal_is_the_clients_own(mine):
    api = mine.client_api
    own = list(
        Notification.objects.filter(client=mine.client, recipient__isnull=False)
        .order_by("-created_at", "-id")
        .values_list("id", flat=True)
    )
    assert own and ids(api.get(f"{C}/notifications/")) == own
    row = api.post(f"{C}/notifications/{own[0]}/read/").json()
    assert row["is_read"] is True
    assert ids(api.get(f"{C}/notifications/?is_read=false")) == own[1:]
    refused(api, "get", f"{C}/notifications/?is_read=1", None, 400, "is_read")


def foreign_requests(mine, theirs, sibling) -> list[tuple[str, str, dict | None]]:
    _sib_client, sib_order, sib_payment = sibling
    # The reseller's own copy of an event about this client stays in the reseller's journal.
    notify(
        specs=[
            reseller_spec(
                reseller=mine.reseller,
                kind=NotificationKind.RENEWAL_FAILED,
                key="test:reseller-copy",
                payload={"client": mine.client.name},
                client_id=mine.client.pk,
            )
        ],
        at=NOW,
    )
    reseller_copy = Notification.objects.get(key="test:reseller-copy")
    requests: list[tuple[str, str, dict | None]] = []
    for order in (theirs.draft, sib_order):
        requests += [
            ("get", f"{C}/orders/{order.pk}/", None),
            ("post", f"{C}/orders/{order.pk}/confirm/", None),
            ("post", f"{C}/orders/{order.pk}/cancel/", None),
        ]
    sub = theirs.subscription.pk
    requests += [
        ("get", f"{C}/subscriptions/{sub}/", None),
        ("get", f"{C}/subscriptions/{sub}/seat-changes/", None),
        ("post", f"{C}/subscriptions/{sub}/seat-changes/", {"seats": 7}),
        ("post", f"{C}/subscriptions/{sub}/cancel-seat-change/", None),
        ("put", f"{C}/subscriptions/{sub}/auto-renew/", {"auto_renew": False}),
        ("get", f"{C}/payments/{Payment.objects.get(client=theirs.client).pk}/", None),
        ("get", f"{C}/payments/{sib_payment.pk}/", None),
    ]
    for note in (Notification.objects.filter(client=theirs.client).first(), reseller_copy):
        requests += [
            ("get", f"{C}/notifications/{note.pk}/", None),
            ("post", f"{C}/notifications/{note.pk}/read/", None),
        ]
    return requests


def test_another_clients_ids_are_not_found_and_nothing_is_written(mine, theirs, sibling):
    for method, url, body in foreign_requests(mine, theirs, sibling):
        error = refused(mine.client_api, method, url, body, 404)
        assert error["code"] == "not_found", (method, url)


def test_lists_never_show_another_clients_rows(mine, theirs, sibling):
    api = mine.client_api
    _sib_client, sib_order, sib_payment = sibling
    assert sib_order.pk not in ids(api.get(f"{C}/orders/"))
    assert sib_payment.pk not in ids(api.get(f"{C}/payments/"))
    for url in ("charges", "notifications"):
        rows = api.get(f"{C}/{url}/").json()["results"]
        assert rows and {row["client"] for row in rows} == {mine.client.pk}, url
    assert ids(api.get(f"{C}/subscriptions/")) == [mine.subscription.pk]
