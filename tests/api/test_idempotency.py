"""Idempotency-Key on the POSTs that create an order, a payment or a seat change (issue 4,
Stripe's semantics): the same key and body replay the first response without doing the
work again; the same key with another body is a 409; keys are per user; a refused request
records nothing. Concurrent replays on PostgreSQL still write once."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from api.models import IdempotencyRecord
from billing.models import BalanceEntry, Payment
from orders.models import Order, SeatChange
from tests.api.conftest import api_for, build_tenant, error_of, reseller_member, snapshot
from tests.conftest import requires_postgres

R = "/api/v1/reseller"


def creations(t):
    """(url, body, the model whose rows it creates) for each idempotent POST."""
    sub = t.subscription.pk
    return [
        (f"{R}/payments/", {"client": t.client.pk, "amount": "250.00"}, Payment),
        (f"{R}/orders/", {"client": t.client.pk, "reseller_plan": t.plan.pk}, Order),
        (f"{R}/subscriptions/{sub}/seat-changes/", {"seats": 7}, SeatChange),
        ("/api/v1/client/orders/", {"reseller_plan": t.plan.pk, "seats": 6}, Order),
        (f"/api/v1/client/subscriptions/{sub}/seat-changes/", {"seats": 8}, SeatChange),
    ]


def api_of(t, url):
    return t.client_api if url.startswith("/api/v1/client/") else t.reseller_api


@pytest.mark.django_db
@pytest.mark.parametrize("which", range(5))
def test_a_replay_returns_the_first_response_and_does_not_do_the_work_again(mine, which):
    url, body, model = creations(mine)[which]
    api = api_of(mine, url)
    rows = model.objects.count()
    first = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    assert model.objects.count() == rows + 1
    before = snapshot()
    again = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert snapshot() == before


@pytest.mark.django_db
def test_a_replayed_payment_charges_once(mine):
    body = {"client": mine.client.pk, "amount": "250.00"}
    for _ in range(3):
        response = mine.reseller_api.post(
            f"{R}/payments/", body, format="json", HTTP_IDEMPOTENCY_KEY="pay-1"
        )
        assert response.status_code == 201
    mine.client.refresh_from_db()
    assert mine.client.balance == Decimal("1250.00")
    assert Payment.objects.filter(client=mine.client).count() == 2  # the fixture's and this
    assert BalanceEntry.objects.filter(client=mine.client, kind="payment").count() == 2


@pytest.mark.django_db
def test_the_same_key_with_another_request_is_a_conflict(mine):
    api = mine.reseller_api
    api.post(
        f"{R}/payments/",
        {"client": mine.client.pk, "amount": "250.00"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    before = snapshot()
    for url, body in [
        (f"{R}/payments/", {"client": mine.client.pk, "amount": "250.01"}),
        (f"{R}/orders/", {"client": mine.client.pk, "reseller_plan": mine.plan.pk}),
    ]:
        error = error_of(api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k"), 409)
        assert error["code"] == "idempotency_key_reused"
        assert error["fields"] == {"Idempotency-Key": [error["message"]]}
    assert snapshot() == before


@pytest.mark.django_db
def test_keys_are_per_user(mine):
    colleague = api_for(reseller_member(mine.reseller, "colleague@reseller.example"))
    body = {"client": mine.client.pk, "amount": "100.00"}
    first = mine.reseller_api.post(f"{R}/payments/", body, format="json", HTTP_IDEMPOTENCY_KEY="x")
    second = colleague.post(f"{R}/payments/", body, format="json", HTTP_IDEMPOTENCY_KEY="x")
    assert second.status_code == 201 and second.json()["id"] != first.json()["id"]
    assert IdempotencyRecord.objects.filter(key="x").count() == 2


@pytest.mark.django_db
def test_a_refused_request_records_nothing_and_its_key_can_be_used_again(mine):
    api = mine.reseller_api
    before = snapshot()
    bad = {"client": mine.client.pk, "amount": "0"}
    assert (
        api.post(f"{R}/payments/", bad, format="json", HTTP_IDEMPOTENCY_KEY="k2").status_code == 400
    )
    assert snapshot() == before  # neither the work nor the key
    good = {"client": mine.client.pk, "amount": "10.00"}
    response = api.post(f"{R}/payments/", good, format="json", HTTP_IDEMPOTENCY_KEY="k2")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "ключ", "two words"])
def test_a_malformed_key_is_refused(mine, key):
    before = snapshot()
    response = mine.reseller_api.post(
        f"{R}/payments/",
        {"client": mine.client.pk, "amount": "10.00"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    error = error_of(response, 400)
    assert "Idempotency-Key" in error["fields"]
    assert snapshot() == before


@pytest.mark.django_db
def test_without_a_key_every_post_does_the_work(mine):
    body = {"client": mine.client.pk, "amount": "10.00"}
    for _ in range(2):
        assert mine.reseller_api.post(f"{R}/payments/", body, format="json").status_code == 201
    assert Payment.objects.filter(client=mine.client).count() == 3
    assert IdempotencyRecord.objects.count() == 0


# --------------------------------------------------------------------------- PostgreSQL


def in_parallel(calls):
    """Runs the calls in threads released together (each on its own connection)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    if errors:
        raise errors[0]
    return results


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("which", [0, 1, 2])
def test_concurrent_replays_write_once(which):
    tenant = build_tenant(1)
    url, body, model = creations(tenant)[which]
    header = api_of(tenant, url)._credentials["HTTP_AUTHORIZATION"]
    rows = model.objects.count()
    ledger = BalanceEntry.objects.count()

    def post():
        api = APIClient()  # one per thread: the test client keeps state
        api.credentials(HTTP_AUTHORIZATION=header)
        response = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="race")
        return response.status_code, response.json(), response.get("Idempotent-Replayed")

    results = in_parallel([post] * 4)

    assert {status for status, _, _ in results} == {201}
    assert len({str(sorted(body.items())) for _, body, _ in results}) == 1
    assert sorted(replayed or "" for _, _, replayed in results) == ["", "true", "true", "true"]
    assert model.objects.count() == rows + 1
    assert IdempotencyRecord.objects.filter(key="race").count() == 1
    assert BalanceEntry.objects.count() == ledger + (1 if model is Payment else 0)
