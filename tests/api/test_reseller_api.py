"""The reseller scope, /api/v1/reseller/ (issue 4): for every endpoint the happy path, a
bad-input case that writes nothing, and another tenant's id answered with a 404 (or, for
lists, never listed). Figures follow DESIGN.md §4 from the fixtures in conftest.py: 5 seats
at 100,00 ₽ paid on 14.12.2026 with 1 000,00 ₽; the clock stands at 20.12.2026 12:00 MSK."""

from datetime import date
from decimal import Decimal

import pytest

from accounts.models import Client, Membership
from billing.models import BalanceEntry, Payment
from eset_gateway.models import EsetLicense
from notifications.models import Notification
from orders.models import Order, SeatChange, SeatChangeStatus, SubscriptionStatus
from plans.models import ResellerPlan
from tests.api.conftest import NOW, Tenant, error_of, ids, snapshot
from tests.factories import ResellerPlanFactory, VendorPlanFactory

pytestmark = pytest.mark.django_db

R = "/api/v1/reseller"


def refused(api, method: str, url: str, body, status: int, field: str | None = None) -> dict:
    """The request is refused with `status`, names `field`, and writes nothing."""
    before = snapshot()
    response = (
        getattr(api, method)(url, body, format="json")
        if body is not None
        else getattr(api, method)(url)
    )
    error = error_of(response, status)
    if field is not None:
        assert field in error["fields"], error
    assert snapshot() == before
    return error


# --------------------------------------------------------------------------- plans


def test_plans_list_the_catalogue_with_only_this_resellers_copies(mine, theirs):
    rows = {row["id"]: row for row in mine.reseller_api.get(f"{R}/plans/").json()["results"]}
    assert set(rows) == {mine.vendor_plan_id, theirs.vendor_plan_id}
    assert rows[mine.vendor_plan_id] == {
        "id": mine.vendor_plan_id,
        "name": "ESET PROTECT Entry 1",
        "product_code": mine.plan.vendor_plan.product_code,
        "description": "",
        "min_seats": 5,
        "max_seats": 50,
        "purchase_price": "80.00",
        "billing_cycle": "30_days",
        "is_available": True,
        "reseller_plan": mine.plan.pk,
        "status": "active",
        "seat_price": "100.00",
        "effective_seat_price": "100.00",
        "is_published": True,
        "no_margin": False,
    }
    # The other reseller's copy of its plan stays its own: here the plan is not activated.
    other = rows[theirs.vendor_plan_id]
    assert (other["reseller_plan"], other["status"], other["seat_price"]) == (
        None,
        "inactive",
        None,
    )
    assert other["is_published"] is False and other["effective_seat_price"] == "80.00"


def test_plans_filter_and_order(mine, theirs):
    api = mine.reseller_api
    assert ids(api.get(f"{R}/plans/?status=active")) == [mine.vendor_plan_id]
    assert ids(api.get(f"{R}/plans/?status=inactive")) == [theirs.vendor_plan_id]
    assert ids(api.get(f"{R}/plans/?is_published=true")) == [mine.vendor_plan_id]
    assert ids(api.get(f"{R}/plans/?ordering=-name")) == [
        theirs.vendor_plan_id,
        mine.vendor_plan_id,
    ]
    refused(api, "get", f"{R}/plans/?status=archived", None, 400, "status")


def test_plan_retrieve_and_a_plan_outside_the_catalogue(mine):
    assert mine.reseller_api.get(f"{R}/plans/{mine.vendor_plan_id}/").json()["status"] == "active"
    withdrawn = VendorPlanFactory(is_available=False)
    error = refused(
        mine.reseller_api, "get", f"{R}/plans/{withdrawn.pk}/", None, 404, "vendor_plan"
    )
    assert error["message"] == "Тарифный план не найден."


def test_activating_a_catalogue_plan_makes_this_resellers_copy_only(mine, theirs):
    response = mine.reseller_api.post(f"{R}/plans/{theirs.vendor_plan_id}/activate/")
    assert response.status_code == 200
    row = response.json()
    mine_copy = ResellerPlan.objects.get(reseller=mine.reseller, vendor_plan=theirs.vendor_plan_id)
    assert (row["reseller_plan"], row["status"], row["no_margin"]) == (mine_copy.pk, "active", True)
    theirs.plan.refresh_from_db()
    assert (theirs.plan.status, theirs.plan.seat_price) == ("active", Decimal("100.00"))


def test_activating_a_withdrawn_plan_is_refused(mine):
    withdrawn = VendorPlanFactory(is_available=False)
    ResellerPlanFactory(reseller=mine.reseller, vendor_plan=withdrawn, status="inactive")
    error = refused(
        mine.reseller_api, "post", f"{R}/plans/{withdrawn.pk}/activate/", None, 400, "vendor_plan"
    )
    assert error["message"] == "Тарифный план недоступен в каталоге."


def test_deactivate_unpublishes_and_publish_needs_an_active_plan(mine, theirs):
    api = mine.reseller_api
    row = api.post(f"{R}/plans/{mine.vendor_plan_id}/deactivate/").json()
    assert (row["status"], row["is_published"]) == ("inactive", False)
    error = refused(api, "post", f"{R}/plans/{mine.vendor_plan_id}/publish/", None, 409)
    assert error["message"] == "Сначала активируйте тарифный план."
    api.post(f"{R}/plans/{mine.vendor_plan_id}/activate/")
    assert api.post(f"{R}/plans/{mine.vendor_plan_id}/publish/").json()["is_published"] is True
    assert api.post(f"{R}/plans/{mine.vendor_plan_id}/unpublish/").json()["is_published"] is False
    # Deactivating the catalogue plan the other reseller sells touches nobody's copy.
    row = api.post(f"{R}/plans/{theirs.vendor_plan_id}/deactivate/").json()
    assert row["reseller_plan"] is None
    theirs.plan.refresh_from_db()
    assert (theirs.plan.status, theirs.plan.is_published) == ("active", True)


def test_set_seat_price(mine):
    api = mine.reseller_api
    url = f"{R}/plans/{mine.vendor_plan_id}/seat-price/"
    assert api.put(url, {"seat_price": "120.50"}, format="json").json()["seat_price"] == "120.50"
    # A JSON number is read as an exact decimal, never through a float.
    assert api.put(url, {"seat_price": 99.99}, format="json").json()["seat_price"] == "99.99"
    mine.plan.refresh_from_db()
    assert mine.plan.seat_price == Decimal("99.99")


@pytest.mark.parametrize("price", ["-1", "1.234", "abc", "", None])
def test_a_bad_seat_price_writes_nothing(mine, price):
    url = f"{R}/plans/{mine.vendor_plan_id}/seat-price/"
    refused(mine.reseller_api, "put", url, {"seat_price": price}, 400, "seat_price")


def test_a_seat_price_needs_an_activated_plan(mine, theirs):
    url = f"{R}/plans/{theirs.vendor_plan_id}/seat-price/"
    refused(mine.reseller_api, "put", url, {"seat_price": "10.00"}, 409, "vendor_plan")
    theirs.plan.refresh_from_db()
    assert theirs.plan.seat_price == Decimal("100.00")


# --------------------------------------------------------------------------- clients


def test_clients_list_and_search(mine, theirs):
    api = mine.reseller_api
    assert ids(api.get(f"{R}/clients/")) == [mine.client.pk]
    assert ids(api.get(f"{R}/clients/?search=клиент")) == [mine.client.pk]
    assert ids(api.get(f"{R}/clients/?search=Ромашка")) == []
    assert ids(api.get(f"{R}/clients/?search={theirs.client.name}")) == []


def test_create_a_client_with_its_owner(mine):
    body = {
        "name": "ООО Новый",
        "email": "New@Api.example",
        "inn": "7707083893",
        "address_city": "Химки",
    }
    response = mine.reseller_api.post(f"{R}/clients/", body, format="json")
    assert response.status_code == 201
    client = Client.objects.get(name="ООО Новый")
    assert response.json() == {
        "id": client.pk,
        "name": "ООО Новый",
        "inn": "7707083893",
        "email": "new@api.example",
        # The address may be completed later; an order is refused until it is.
        "address_state": "",
        "address_city": "Химки",
        "address_street": "",
        "address_zip": "",
        "balance": "0.00",
        "created_at": "2026-12-20T12:00:00+03:00",
    }
    assert client.reseller == mine.reseller and client.owner.username == "new@api.example"
    assert Membership.objects.get(user=client.owner).client == client


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "ООО", "email": "not-an-email"}, "email"),
        ({"name": "ООО", "email": "owner1@api.example"}, "email"),  # already a login
        ({"name": "  ", "email": "x@api.example"}, "name"),
        ({"name": "ООО", "email": "x@api.example", "inn": "123"}, "inn"),
        ({"email": "x@api.example"}, "name"),
        ({"name": "ООО", "email": "a" * 151}, "email"),
    ],
)
def test_a_bad_client_writes_nothing(mine, body, field):
    taken = body.get("email") == "owner1@api.example"  # a state conflict (issue 9)
    refused(mine.reseller_api, "post", f"{R}/clients/", body, 409 if taken else 400, field)


def test_retrieve_and_update_a_client(mine):
    api = mine.reseller_api
    assert api.get(f"{R}/clients/{mine.client.pk}/").json()["balance"] == "1000.00"
    body = {"name": "ООО Клиент Один", "inn": "500100732259"}
    row = api.patch(f"{R}/clients/{mine.client.pk}/", body, format="json").json()
    assert (row["name"], row["inn"], row["email"]) == (
        "ООО Клиент Один",
        "500100732259",
        "owner1@api.example",
    )
    # The e-mail is the owner's login: not changed here.
    row = api.patch(f"{R}/clients/{mine.client.pk}/", {"email": "x@y.example"}, format="json")
    assert row.json()["email"] == "owner1@api.example"


@pytest.mark.parametrize(("body", "field"), [({"inn": "12ab"}, "inn"), ({"name": ""}, "name")])
def test_a_bad_client_update_writes_nothing(mine, body, field):
    refused(mine.reseller_api, "patch", f"{R}/clients/{mine.client.pk}/", body, 400, field)


# --------------------------------------------------------------------------- balances


def test_balances(mine, theirs):
    api = mine.reseller_api
    row = {
        "client": mine.client.pk,
        "client_name": "ООО Клиент 1",
        "balance": "1000.00",
        "reserved": "483.87",
        "available": "516.13",
    }
    assert api.get(f"{R}/balances/").json()["results"] == [row]
    assert api.get(f"{R}/balances/{mine.client.pk}/").json() == row
    assert api.get(f"{R}/balances/?client={theirs.client.pk}").json()["results"] == []
    refused(api, "get", f"{R}/balances/?client=abc", None, 400, "client")
    refused(api, "get", f"{R}/balances/?ordering=owner", None, 400, "ordering")


# --------------------------------------------------------------------------- orders


def test_orders_list_and_filter(mine, theirs):
    api = mine.reseller_api
    first = mine.subscription.order_id
    assert ids(api.get(f"{R}/orders/")) == [mine.draft.pk, first]
    assert ids(api.get(f"{R}/orders/?status=draft")) == [mine.draft.pk]
    assert ids(api.get(f"{R}/orders/?ordering=seats")) == [first, mine.draft.pk]
    assert ids(api.get(f"{R}/orders/?client={theirs.client.pk}")) == []
    refused(api, "get", f"{R}/orders/?status=shipped", None, 400, "status")
    refused(api, "get", f"{R}/orders/?created_from=20.12.2026", None, 400, "created_from")


def test_an_order_gets_the_plans_minimum_seats_by_default(mine):
    body = {"client": mine.client.pk, "reseller_plan": mine.plan.pk}
    response = mine.reseller_api.post(f"{R}/orders/", body, format="json")
    assert response.status_code == 201
    order = Order.objects.latest("id")
    assert response.json() == {
        "id": order.pk,
        "client": mine.client.pk,
        "client_name": "ООО Клиент 1",
        "reseller_plan": mine.plan.pk,
        "plan_name": "ESET PROTECT Entry 1",
        "seats": 5,  # S6
        "status": "draft",
        "source": "api",
        "amount_due": "0.00",
        "subscription": None,
        "created_at": "2026-12-20T12:00:00+03:00",
        "confirmed_at": None,
        "completed_at": None,
        # 20.12-31.12: 12/31 × 500 = 193.55; 01.01-18.01: 18/31 × 500 = 290.32 (S7)
        "quote_total": "483.87",
        "still_due": None,
    }
    assert order.created_by.username == "staff1@reseller.example"


def test_an_order_with_more_seats(mine):
    body = {"client": mine.client.pk, "reseller_plan": mine.plan.pk, "seats": 7}
    row = mine.reseller_api.post(f"{R}/orders/", body, format="json").json()
    assert (row["seats"], row["quote_total"]) == (7, "677.42")


@pytest.mark.parametrize(
    ("seats", "message"),
    [
        (3, "Введите целое число мест от 5 до 50."),
        (51, "Введите целое число мест от 5 до 50."),
        ("many", "Введите правильное число."),
        (0, None),
    ],
)
def test_an_order_outside_the_plans_limits_writes_nothing(mine, seats, message):
    body = {"client": mine.client.pk, "reseller_plan": mine.plan.pk, "seats": seats}
    # Bad input is a 400; a count the schema allows but the plan's limits refuse is a 409.
    status = 409 if seats in (3, 51) else 400
    error = refused(mine.reseller_api, "post", f"{R}/orders/", body, status, "seats")
    if message:
        assert error["fields"]["seats"] == [message]


def test_an_inactive_plan_cannot_be_ordered(mine):
    plan = ResellerPlanFactory(reseller=mine.reseller, status="inactive")
    body = {"client": mine.client.pk, "reseller_plan": plan.pk}
    # A state conflict (issue 9): the request is well formed, the plan's state refuses it.
    error = refused(mine.reseller_api, "post", f"{R}/orders/", body, 409, "reseller_plan")
    assert error["message"] == "Тарифный план не активирован."
    assert error["code"] == "conflict"


def test_confirm_then_cancel_an_order(mine):
    api = mine.reseller_api
    row = api.post(f"{R}/orders/{mine.draft.pk}/confirm/").json()
    # 677.42 due; the available 516.13 does not cover it: the subscription waits (S7-S8).
    assert (row["status"], row["amount_due"], row["still_due"]) == ("confirmed", "677.42", "161.29")
    assert row["quote_total"] is None and row["confirmed_at"] == "2026-12-20T12:00:00+03:00"
    sub_id = row["subscription"]
    subscription = api.get(f"{R}/subscriptions/{sub_id}/").json()
    assert subscription["status"] == "pending_payment"
    refused(api, "post", f"{R}/orders/{mine.draft.pk}/confirm/", None, 409, "order")
    row = api.post(f"{R}/orders/{mine.draft.pk}/cancel/").json()
    assert (row["status"], row["still_due"]) == ("cancelled", None)
    assert api.get(f"{R}/subscriptions/{sub_id}/").json()["status"] == "cancelled"
    refused(api, "post", f"{R}/orders/{mine.draft.pk}/cancel/", None, 409, "order")


def test_a_completed_order_cannot_be_cancelled(mine):
    error = refused(
        mine.reseller_api, "post", f"{R}/orders/{mine.subscription.order_id}/cancel/", None, 409
    )
    assert error["message"] == "Заказ уже выполнен или отменён."


# --------------------------------------------------------------------------- subscriptions


def test_subscriptions_list_and_detail(mine, theirs):
    api = mine.reseller_api
    assert ids(api.get(f"{R}/subscriptions/")) == [mine.subscription.pk]
    assert ids(api.get(f"{R}/subscriptions/?status=suspended")) == []
    assert ids(api.get(f"{R}/subscriptions/?client={theirs.client.pk}")) == []
    refused(api, "get", f"{R}/subscriptions/?auto_renew=maybe", None, 400, "auto_renew")
    detail = api.get(f"{R}/subscriptions/{mine.subscription.pk}/").json()
    licence = EsetLicense.objects.get(subscription=mine.subscription)
    assert detail["status"] == "active" and detail["seats"] == 5
    assert (detail["expires_on"], detail["paid_through"], detail["last_day"]) == (
        "2027-01-13",
        "2027-01-12",
        "2027-01-12",
    )
    assert [
        (p["starts_on"], p["expires_on"], p["seat_price"], p["purchase_price"])
        for p in detail["periods"]
    ] == [("2026-12-14", "2027-01-13", "100.00", "80.00")]
    assert detail["pending_seat_change"]["seats"] == 6
    assert detail["license"]["public_license_id"] == licence.public_license_id
    assert detail["license"]["quantity"] == 5


def test_seat_change_request_replaces_the_pending_one(mine):
    api = mine.reseller_api
    url = f"{R}/subscriptions/{mine.subscription.pk}/seat-changes/"
    old = SeatChange.objects.get(subscription=mine.subscription)
    response = api.post(url, {"seats": 7}, format="json")
    assert response.status_code == 201
    row = response.json()
    # Requested at 12:00 on the 20th: the next 00:30 MSK sync is on the 21st (S11).
    assert (row["seats"], row["previous_seats"], row["effective_on"], row["status"]) == (
        7,
        5,
        "2026-12-21",
        "pending",
    )
    old.refresh_from_db()
    assert old.status == SeatChangeStatus.CANCELLED
    assert ids(api.get(url)) == [row["id"], old.pk]
    assert ids(api.get(url + "?status=pending")) == [row["id"]]


@pytest.mark.parametrize(
    ("seats", "message"),
    [
        (51, "Введите целое число мест от 5 до 50."),
        (5, "У подписки уже 5 рабочих мест."),
        ("x", "Введите правильное число."),
    ],
)
def test_a_bad_seat_change_writes_nothing(mine, seats, message):
    url = f"{R}/subscriptions/{mine.subscription.pk}/seat-changes/"
    status = 400 if seats == "x" else 409  # the plan's limits, the subscription's state
    error = refused(mine.reseller_api, "post", url, {"seats": seats}, status, "seats")
    assert error["fields"]["seats"] == [message]


def test_a_seat_increase_needs_the_available_balance(mine):
    url = f"{R}/subscriptions/{mine.subscription.pk}/seat-changes/"
    error = refused(mine.reseller_api, "post", url, {"seats": 50}, 409, "seats")
    assert error["code"] == "insufficient_funds"


def test_cancel_the_pending_seat_change(mine):
    api = mine.reseller_api
    url = f"{R}/subscriptions/{mine.subscription.pk}/cancel-seat-change/"
    row = api.post(url).json()
    assert (row["seats"], row["status"]) == (6, "cancelled")
    error = refused(api, "post", url, None, 409, "seat_change")
    assert error["message"] == "Нет ожидающего изменения числа мест."


def test_auto_renew_off_and_on(mine):
    api = mine.reseller_api
    url = f"{R}/subscriptions/{mine.subscription.pk}/auto-renew/"
    assert api.put(url, {"auto_renew": False}, format="json").json()["auto_renew"] is False
    mine.subscription.refresh_from_db()
    assert mine.subscription.auto_renew is False
    assert api.put(url, {"auto_renew": True}, format="json").json()["auto_renew"] is True
    refused(api, "put", url, {"auto_renew": "maybe"}, 400, "auto_renew")
    refused(api, "put", url, {}, 400, "auto_renew")


# --------------------------------------------------------------------------- payments


def test_payments_list_and_detail(mine, theirs):
    api = mine.reseller_api
    paid = Payment.objects.get(client=mine.client)
    assert ids(api.get(f"{R}/payments/")) == [paid.pk]
    assert ids(api.get(f"{R}/payments/?day_from=2026-12-15")) == []
    assert ids(api.get(f"{R}/payments/?client={theirs.client.pk}")) == []
    assert api.get(f"{R}/payments/{paid.pk}/").json() == {
        "id": paid.pk,
        "client": mine.client.pk,
        "client_name": "ООО Клиент 1",
        "order": mine.subscription.order_id,
        "amount": "1000.00",
        "method": "bank_transfer",
        "reference": "",
        "paid_at": "2026-12-14T11:00:00+03:00",
        "day": "2026-12-14",
        "created_at": "2026-12-20T12:00:00+03:00",
    }
    refused(api, "get", f"{R}/payments/?method=bitcoin", None, 400, "method")


def test_a_payment_tops_up_the_balance(mine):
    body = {"client": mine.client.pk, "amount": "250.00", "method": "card", "reference": "п/п 1"}
    response = mine.reseller_api.post(f"{R}/payments/", body, format="json")
    assert response.status_code == 201
    row = response.json()
    assert (row["amount"], row["method"], row["reference"], row["day"]) == (
        "250.00",
        "card",
        "п/п 1",
        "2026-12-20",
    )
    assert (row["activated"], row["resumed"]) == ([], [])
    mine.client.refresh_from_db()
    assert mine.client.balance == Decimal("1250.00")
    entry = BalanceEntry.objects.get(payment_id=row["id"])
    assert (entry.amount, entry.created_by.username) == (
        Decimal("250.00"),
        "staff1@reseller.example",
    )


def test_a_payment_for_a_confirmed_order_activates_it(mine):
    api = mine.reseller_api
    sub_id = api.post(f"{R}/orders/{mine.draft.pk}/confirm/").json()["subscription"]
    body = {"client": mine.client.pk, "amount": 161.29, "order": mine.draft.pk}
    row = api.post(f"{R}/payments/", body, format="json").json()
    assert (row["amount"], row["order"], row["activated"]) == ("161.29", mine.draft.pk, [sub_id])
    assert api.get(f"{R}/subscriptions/{sub_id}/").json()["status"] == SubscriptionStatus.ACTIVE


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5.00"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": None}, "amount"),
        ({"method": "bitcoin"}, "method"),
        ({"reference": "x" * 201}, "reference"),
        ({"client": 0}, "client"),
    ],
)
def test_a_bad_payment_writes_nothing(mine, change, field):
    body = {"client": mine.client.pk, "amount": "10.00", **change}
    refused(mine.reseller_api, "post", f"{R}/payments/", body, 400, field)


def test_a_payment_for_an_order_not_awaiting_payment_is_a_conflict(mine):
    body = {"client": mine.client.pk, "amount": "10.00", "order": mine.subscription.order_id}
    error = refused(mine.reseller_api, "post", f"{R}/payments/", body, 409, "order")
    assert error["message"] == "Заказ не ожидает оплаты."


# --------------------------------------------------------------------------- periods, charges


def test_periods(mine, theirs):
    api = mine.reseller_api
    period = mine.subscription.periods.get()
    assert api.get(f"{R}/periods/").json()["results"] == [
        {
            "id": period.pk,
            "subscription": mine.subscription.pk,
            "starts_on": "2026-12-14",
            "expires_on": "2027-01-13",
            "paid_through": "2027-01-12",
            "last_day": "2027-01-12",
            "seat_price": "100.00",
            "purchase_price": "80.00",
        }
    ]
    assert ids(api.get(f"{R}/periods/?month=2027-01")) == [period.pk]
    assert ids(api.get(f"{R}/periods/?month=2027-02")) == []
    assert ids(api.get(f"{R}/periods/?subscription={theirs.subscription.pk}")) == []
    refused(api, "get", f"{R}/periods/?month=2027-1", None, 400, "month")


def test_charges(mine, theirs):
    api = mine.reseller_api
    rows = api.get(f"{R}/charges/?ordering=date_from").json()["results"]
    assert [
        (
            r["date_from"],
            r["date_to"],
            r["days"],
            r["closes_on"],
            r["amount"],
            r["cost"],
            r["status"],
        )
        for r in rows
    ] == [
        ("2026-12-14", "2026-12-31", 18, "2026-12-31", "290.32", "232.26", "open"),
        ("2027-01-01", "2027-01-12", 12, "2027-01-13", "193.55", "154.84", "open"),
    ]
    assert [r["date_from"] for r in api.get(f"{R}/charges/?month=2026-12").json()["results"]] == [
        "2026-12-14"
    ]
    assert ids(api.get(f"{R}/charges/?status=closed")) == []
    assert ids(api.get(f"{R}/charges/?client={theirs.client.pk}")) == []
    refused(api, "get", f"{R}/charges/?status=paid", None, 400, "status")
    refused(api, "get", f"{R}/charges/?month=2026-13", None, 400, "month")


# --------------------------------------------------------------------------- journal


def test_notifications_list_detail_and_read(mine, theirs):
    api = mine.reseller_api
    mine_ids = list(
        Notification.objects.filter(reseller=mine.reseller)
        .order_by("-created_at", "-id")
        .values_list("id", flat=True)
    )
    assert ids(api.get(f"{R}/notifications/")) == mine_ids
    activation = Notification.objects.get(reseller=mine.reseller, kind="activation_data")
    assert ids(api.get(f"{R}/notifications/?kind=activation_data")) == [activation.pk]
    assert ids(api.get(f"{R}/notifications/?client={theirs.client.pk}")) == []
    row = api.get(f"{R}/notifications/{activation.pk}/").json()
    assert row["payload"]["license_key"] and row["is_read"] is False
    row = api.post(f"{R}/notifications/{activation.pk}/read/").json()
    assert (row["is_read"], row["read_at"]) == (True, "2026-12-20T12:00:00+03:00")
    assert ids(api.get(f"{R}/notifications/?is_read=true")) == [activation.pk]
    refused(api, "get", f"{R}/notifications/?is_read=", None, 400, "is_read")
    refused(api, "get", f"{R}/notifications/?kind=spam", None, 400, "kind")


# --------------------------------------------------------------------------- other tenants


def cross_tenant_requests(mine: Tenant, theirs: Tenant) -> list[tuple[str, str, dict | None]]:
    """Requests naming only `theirs`' objects (their owner may make them)."""
    their_sub = theirs.subscription.pk
    their_payment = Payment.objects.get(client=theirs.client).pk
    their_note = Notification.objects.filter(reseller=theirs.reseller).first().pk
    return [
        ("get", f"{R}/clients/{theirs.client.pk}/", None),
        ("patch", f"{R}/clients/{theirs.client.pk}/", {"name": "Взлом"}),
        ("get", f"{R}/balances/{theirs.client.pk}/", None),
        ("get", f"{R}/orders/{theirs.draft.pk}/", None),
        ("post", f"{R}/orders/{theirs.draft.pk}/confirm/", None),
        ("post", f"{R}/orders/{theirs.draft.pk}/cancel/", None),
        ("post", f"{R}/orders/", {"client": theirs.client.pk, "reseller_plan": theirs.plan.pk}),
        ("get", f"{R}/subscriptions/{their_sub}/", None),
        ("get", f"{R}/subscriptions/{their_sub}/seat-changes/", None),
        ("post", f"{R}/subscriptions/{their_sub}/seat-changes/", {"seats": 7}),
        ("post", f"{R}/subscriptions/{their_sub}/cancel-seat-change/", None),
        ("put", f"{R}/subscriptions/{their_sub}/auto-renew/", {"auto_renew": False}),
        ("get", f"{R}/payments/{their_payment}/", None),
        ("post", f"{R}/payments/", {"client": theirs.client.pk, "amount": "10.00"}),
        ("get", f"{R}/notifications/{their_note}/", None),
        ("post", f"{R}/notifications/{their_note}/read/", None),
    ]


def test_another_tenants_ids_are_not_found_and_nothing_is_written(mine, theirs):
    mixed = [
        ("post", f"{R}/orders/", {"client": theirs.client.pk, "reseller_plan": mine.plan.pk}),
        ("post", f"{R}/orders/", {"client": mine.client.pk, "reseller_plan": theirs.plan.pk}),
        (
            "post",
            f"{R}/payments/",
            {"client": mine.client.pk, "amount": "1", "order": theirs.draft.pk},
        ),
        ("get", f"{R}/subscriptions/{10**17}/", None),  # no such id at all
    ]
    for method, url, body in [*cross_tenant_requests(mine, theirs), *mixed]:
        error = refused(mine.reseller_api, method, url, body, 404)
        assert error["code"] == "not_found", (method, url)


def test_the_same_requests_work_for_their_own_reseller(mine, theirs):
    """The 404s above are about the tenant, not the requests: their owner gets answers."""
    for method, url, body in cross_tenant_requests(mine, theirs):
        response = getattr(theirs.reseller_api, method)(url, body, format="json")
        assert response.status_code in (200, 201), (method, url, response.content[:300])


def test_lists_never_show_another_tenants_rows(mine, theirs):
    api = theirs.reseller_api
    mine_sub = mine.subscription.pk
    assert mine.client.pk not in ids(api.get(f"{R}/clients/"))
    assert not {mine.draft.pk, mine.subscription.order_id} & set(ids(api.get(f"{R}/orders/")))
    assert mine_sub not in ids(api.get(f"{R}/subscriptions/"))
    assert {row["client"] for row in api.get(f"{R}/balances/").json()["results"]} == {
        theirs.client.pk
    }
    for url in ("payments", "charges", "notifications"):
        rows = api.get(f"{R}/{url}/").json()["results"]
        assert rows and {row["client"] for row in rows} == {theirs.client.pk}, url
    rows = api.get(f"{R}/periods/").json()["results"]
    assert {row["subscription"] for row in rows} == {theirs.subscription.pk}
    assert date(2026, 12, 20) == NOW.date()
