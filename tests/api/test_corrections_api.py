"""Corrections (§4.8) and cancel now (§4.9) through the API: reverse, refund and adjust on
the reseller scope, cancel (and its quote) on both, each with Idempotency-Key, errors in
the API's shape (409 for a payment reversed twice or money already reserved), the role
table (403), another tenant's rows (404), and nothing written on a refusal."""

from decimal import Decimal

import pytest

from accounts.models import AuditAction, AuditEvent, Membership
from billing.models import BalanceEntry
from billing.selectors import client_available_balance
from orders.models import SubscriptionStatus
from tests.api.conftest import api_for, error_of, snapshot
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

R = "/api/v1/reseller"
C = "/api/v1/client"


def available(client) -> Decimal:
    client.refresh_from_db()
    return client_available_balance(client=client)


def staff_api(tenant, role, username):
    user = UserFactory(username=username)
    Membership.objects.create(user=user, reseller=tenant.reseller, role=role)
    return api_for(user), user


def test_a_duplicate_payment_is_reversed_once_and_a_replay_returns_the_first_answer(mine):
    api = mine.reseller_api
    paid = api.post(f"{R}/payments/", {"client": mine.client.pk, "amount": "300.00"}, format="json")
    payment = paid.json()["id"]
    url = f"{R}/payments/{payment}/reverse/"
    body = {"reason": "duplicate_payment"}
    first = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="rev-1")
    assert first.status_code == 201, first.content
    data = first.json()
    assert (data["kind"], data["amount"], data["payment"], data["reason"]) == (
        "reversal",
        "-300.00",
        payment,
        "duplicate_payment",
    )
    assert data["reason_text"] == "платёж внесён дважды"
    assert data["created_by"] == "staff1@reseller.example"
    before = snapshot()
    again = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="rev-1")
    assert (again.status_code, again.json(), again["Idempotent-Replayed"]) == (201, data, "true")
    assert snapshot() == before
    twice = error_of(api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="rev-2"), 409)
    assert (twice["code"], list(twice["fields"])) == ("conflict", ["payment"])
    assert snapshot() == before
    event = AuditEvent.objects.get(action=AuditAction.PAYMENT_REVERSED)
    assert event.actor.username == "staff1@reseller.example"


def test_a_reversal_of_money_already_reserved_is_a_409_naming_the_amount(mine):
    payment = mine.client.payments.get()  # the 1 000,00 that paid the subscription
    before = snapshot()
    error = error_of(
        mine.reseller_api.post(
            f"{R}/payments/{payment.pk}/reverse/", {"reason": "wrong_client"}, format="json"
        ),
        409,
    )
    assert (error["code"], list(error["fields"])) == ("insufficient_funds", ["amount"])
    assert snapshot() == before


def test_a_refund_up_to_the_available_balance(mine):
    have = available(mine.client)
    url = f"{R}/clients/{mine.client.pk}/refund/"
    before = snapshot()
    over = {"amount": str(have + Decimal("0.01")), "reference": "п/п 9"}
    error = error_of(mine.reseller_api.post(url, over, format="json"), 409)
    assert (error["code"], list(error["fields"])) == ("insufficient_funds", ["amount"])
    assert snapshot() == before
    done = mine.reseller_api.post(
        url, {"amount": str(have), "reference": "п/п 9"}, format="json", HTTP_IDEMPOTENCY_KEY="r1"
    )
    assert done.status_code == 201
    assert (done.json()["kind"], done.json()["amount"], done.json()["reference"]) == (
        "refund",
        str(-have),
        "п/п 9",
    )
    assert available(mine.client) == Decimal("0.00")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5.00"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({}, "amount"),
        ({"amount": "1.00", "reference": "x" * 201}, "reference"),
    ],
)
def test_a_bad_refund_is_a_400_naming_the_field(mine, body, field):
    before = snapshot()
    error = error_of(
        mine.reseller_api.post(f"{R}/clients/{mine.client.pk}/refund/", body, format="json"), 400
    )
    assert list(error["fields"]) == [field]
    assert snapshot() == before


def test_an_adjustment_either_way(mine):
    url = f"{R}/clients/{mine.client.pk}/adjust/"
    mine.client.refresh_from_db()
    balance = mine.client.balance
    up = mine.reseller_api.post(url, {"amount": "150.00", "reason": "goodwill"}, format="json")
    down = mine.reseller_api.post(url, {"amount": "-50.00", "reason": "rounding"}, format="json")
    assert (up.status_code, down.status_code) == (201, 201)
    assert (up.json()["reason_text"], down.json()["amount"]) == ("компенсация клиенту", "-50.00")
    mine.client.refresh_from_db()
    assert mine.client.balance == balance + Decimal("100.00")
    assert BalanceEntry.objects.filter(kind="adjustment").count() == 2


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"amount": "0", "reason": "goodwill"}, 400, "amount"),
        ({"amount": "10", "reason": "duplicate_payment"}, 400, "reason"),
        ({"amount": "10"}, 400, "reason"),
        ({"amount": "-100000.00", "reason": "other"}, 409, "amount"),
    ],
)
def test_a_bad_adjustment_names_the_field_and_writes_nothing(mine, body, status, field):
    before = snapshot()
    error = error_of(
        mine.reseller_api.post(f"{R}/clients/{mine.client.pk}/adjust/", body, format="json"),
        status,
    )
    assert list(error["fields"]) == [field]
    assert snapshot() == before


def test_a_manager_may_not_correct(mine):
    api, _ = staff_api(mine, Membership.Role.MANAGER, "manager@reseller.example")
    payment = mine.client.payments.get()
    before = snapshot()
    for url, body in (
        (f"{R}/payments/{payment.pk}/reverse/", {"reason": "other"}),
        (f"{R}/clients/{mine.client.pk}/refund/", {"amount": "1.00"}),
        (f"{R}/clients/{mine.client.pk}/adjust/", {"amount": "1.00", "reason": "other"}),
    ):
        assert error_of(api.post(url, body, format="json"), 403)["code"] == "permission_denied"
    assert snapshot() == before


def test_an_accountant_may(mine):
    api, _ = staff_api(mine, Membership.Role.ACCOUNTANT, "buh@reseller.example")
    response = api.post(
        f"{R}/clients/{mine.client.pk}/adjust/",
        {"amount": "1.00", "reason": "other"},
        format="json",
    )
    assert response.status_code == 201


def test_another_resellers_payment_and_client_are_not_found(mine, theirs):
    payment = theirs.client.payments.get()
    before = snapshot()
    for url, body in (
        (f"{R}/payments/{payment.pk}/reverse/", {"reason": "other"}),
        (f"{R}/clients/{theirs.client.pk}/refund/", {"amount": "1.00"}),
        (f"{R}/clients/{theirs.client.pk}/adjust/", {"amount": "1.00", "reason": "other"}),
        (f"{R}/subscriptions/{theirs.subscription.pk}/cancel/", {}),
        (f"{C}/subscriptions/{theirs.subscription.pk}/cancel/", {}),
    ):
        api = mine.client_api if url.startswith(C) else mine.reseller_api
        assert error_of(api.post(url, body, format="json"), 404)["code"] == "not_found"
    assert snapshot() == before


# --------------------------------------------------------------------------- cancel now


@pytest.mark.parametrize("scope", [R, C])
def test_cancel_now_with_its_quote_and_a_replay(mine, scope):
    api = mine.reseller_api if scope == R else mine.client_api
    sub = mine.subscription.pk
    quote = api.get(f"{scope}/subscriptions/{sub}/cancel-quote/")
    assert quote.status_code == 200
    assert quote.json()["last_day"] == "2026-12-20"
    freed = quote.json()["freed"]
    assert Decimal(freed) > 0
    have = available(mine.client)
    first = api.post(f"{scope}/subscriptions/{sub}/cancel/", HTTP_IDEMPOTENCY_KEY="cancel-1")
    assert first.status_code == 200, first.content
    assert (first.json()["status"], first.json()["cancelled_on"], first.json()["freed"]) == (
        "cancelled",
        "2026-12-20",
        freed,
    )
    assert available(mine.client) == have + Decimal(freed)
    before = snapshot()
    again = api.post(f"{scope}/subscriptions/{sub}/cancel/", HTTP_IDEMPOTENCY_KEY="cancel-1")
    assert (again.status_code, again.json()) == (200, first.json())
    assert snapshot() == before
    error = error_of(api.post(f"{scope}/subscriptions/{sub}/cancel/"), 409)
    assert list(error["fields"]) == ["subscription"]
    assert error_of(api.get(f"{scope}/subscriptions/{sub}/cancel-quote/"), 409)
    assert snapshot() == before
    mine.subscription.refresh_from_db()
    assert mine.subscription.status == SubscriptionStatus.CANCELLED
    actor = AuditEvent.objects.get(action=AuditAction.SUBSCRIPTION_CANCELLED).actor
    assert actor.username == ("staff1@reseller.example" if scope == R else "owner1@api.example")


@pytest.mark.parametrize("role", [Membership.Role.VIEWER, Membership.Role.ACCOUNTANT])
def test_a_client_role_that_may_not_cancel_gets_a_403(mine, role):
    user = UserFactory(username=f"{role}@client.example")
    Membership.objects.create(user=user, client=mine.client, role=role)
    before = snapshot()
    response = api_for(user).post(f"{C}/subscriptions/{mine.subscription.pk}/cancel/")
    assert error_of(response, 403)["code"] == "permission_denied"
    assert snapshot() == before


def test_a_reseller_accountant_may_not_cancel(mine):
    api, _ = staff_api(mine, Membership.Role.ACCOUNTANT, "buh@reseller.example")
    before = snapshot()
    response = api.post(f"{R}/subscriptions/{mine.subscription.pk}/cancel/")
    assert error_of(response, 403)["code"] == "permission_denied"
    assert snapshot() == before
