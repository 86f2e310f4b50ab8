"""The API says what it means (issue 9, items 7 and 8): JSON only, state conflicts are 409s,
a malformed path or a huge body answers the error shape, the schema declares what the
server enforces and sends, the throttle fails open when the cache is down, and old
Idempotency-Key records are purged."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client as HttpClient

from api.models import IdempotencyRecord
from api.schema import ERROR_CODES
from api.serializers import NAME_PATTERN, NO_NUL_PATTERN
from api.services import idempotency_records_purge
from api.tasks import idempotency_purge_task
from config import errors
from config.celery import IDEMPOTENCY_PURGE_TASK
from config.celery import app as celery_app
from plans.services import reseller_plan_deactivate
from tests.api.conftest import NOW, error_of, snapshot

pytestmark = pytest.mark.django_db

R = "/api/v1/reseller"
C = "/api/v1/client"
TEN_MB = 10 * 1024 * 1024


# --------------------------------------------------------------------------- JSON only


@pytest.mark.parametrize("scope", ["reseller", "client"])
@pytest.mark.parametrize("body", ["", "auto_renew=true"])
def test_a_form_put_to_auto_renew_is_a_415_and_changes_nothing(mine, scope, body):
    api = mine.reseller_api if scope == "reseller" else mine.client_api
    assert mine.subscription.auto_renew is True
    before = snapshot()
    response = api.put(
        f"/api/v1/{scope}/subscriptions/{mine.subscription.pk}/auto-renew/",
        body,
        content_type="application/x-www-form-urlencoded",
    )
    assert error_of(response, 415)["code"] == "unsupported_media_type"
    assert snapshot() == before
    mine.subscription.refresh_from_db()
    assert mine.subscription.auto_renew is True


def test_a_multipart_post_is_a_415(mine):
    before = snapshot()
    response = mine.reseller_api.post(
        f"{R}/payments/", {"client": mine.client.pk, "amount": "10.00"}, format="multipart"
    )
    assert error_of(response, 415)["code"] == "unsupported_media_type"
    assert snapshot() == before


def test_the_schema_offers_json_bodies_only(schema):
    for item in schema["paths"].values():
        for operation in item.values():
            if "requestBody" in operation:
                assert list(operation["requestBody"]["content"]) == ["application/json"]


def test_a_ten_megabyte_body_is_a_413_in_the_error_shape(mine):
    before = snapshot()
    padding = "x" * TEN_MB
    body = f'{{"client": {mine.client.pk}, "amount": "10.00", "reference": "{padding}"}}'
    response = mine.reseller_api.post(
        f"{R}/payments/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="big-1"
    )
    error = error_of(response, 413)
    assert error["code"] == "too_large"
    # And without a key (the parser reads the body, not the fingerprint).
    response = mine.reseller_api.post(f"{R}/payments/", body, content_type="application/json")
    assert error_of(response, 413)["code"] == "too_large"
    assert snapshot() == before


# --------------------------------------------------------------------------- 409s


def test_ordering_a_deactivated_plan_is_a_409(mine):
    reseller_plan_deactivate(reseller_plan=mine.plan)
    before = snapshot()
    body = {"client": mine.client.pk, "reseller_plan": mine.plan.pk}
    error = error_of(mine.reseller_api.post(f"{R}/orders/", body, format="json"), 409)
    assert error["code"] == "conflict"
    assert error["fields"] == {"reseller_plan": ["Тарифный план не активирован."]}
    assert snapshot() == before


def test_confirming_an_order_of_a_deactivated_plan_is_a_409(mine):
    reseller_plan_deactivate(reseller_plan=mine.plan)
    before = snapshot()
    error = error_of(mine.reseller_api.post(f"{R}/orders/{mine.draft.pk}/confirm/"), 409)
    assert error["fields"] == {"reseller_plan": ["Тарифный план не активирован."]}
    assert snapshot() == before


def test_paying_for_an_order_not_awaiting_payment_is_a_409(mine):
    before = snapshot()
    body = {"client": mine.client.pk, "amount": "10.00", "order": mine.draft.pk}  # a draft
    error = error_of(mine.reseller_api.post(f"{R}/payments/", body, format="json"), 409)
    assert error["code"] == "conflict"
    assert error["fields"] == {"order": ["Заказ не ожидает оплаты."]}
    assert snapshot() == before


@pytest.mark.parametrize("scope", ["reseller", "client"])
def test_a_seat_increase_without_funds_is_a_409_insufficient_funds(mine, scope):
    api = mine.reseller_api if scope == "reseller" else mine.client_api
    before = snapshot()
    url = f"/api/v1/{scope}/subscriptions/{mine.subscription.pk}/seat-changes/"
    error = error_of(api.post(url, {"seats": 50}, format="json"), 409)
    assert error["code"] == "insufficient_funds"
    assert list(error["fields"]) == ["seats"]
    assert error["message"].startswith("Недостаточно средств: для увеличения нужно ")
    assert snapshot() == before


def test_a_taken_e_mail_is_a_409(mine):
    before = snapshot()
    body = {"name": "ООО Дубль", "email": mine.client.email}
    error = error_of(mine.reseller_api.post(f"{R}/clients/", body, format="json"), 409)
    assert error["fields"] == {"email": ["Пользователь с таким e-mail уже существует."]}
    assert snapshot() == before


def test_insufficient_funds_is_a_conflict():
    assert issubclass(errors.InsufficientFunds, errors.Conflict)
    assert errors.InsufficientFunds("x").http_status == 409


# --------------------------------------------------------------------------- paths


@pytest.mark.parametrize(
    "url",
    [
        f"{R}/orders/abc/",
        f"{R}/orders/%0A/",
        f"{R}/orders/1%0A/",
        f"{R}/orders/1%0A/confirm/",
        f"{R}/subscriptions/x/seat-changes/",
        "/api/%0A",
    ],
)
def test_a_malformed_path_id_is_the_json_404(mine, url):
    response = mine.reseller_api.get(url)
    assert response["Content-Type"] == "application/json"
    assert error_of(response, 404)["code"] == "not_found"


# --------------------------------------------------------------------------- the schema


@pytest.fixture
def schema() -> dict:
    response = HttpClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_the_idempotency_key_is_declared_as_enforced(schema, mine):
    declared = [
        p["schema"]
        for _, _, op in operations(schema)
        for p in op.get("parameters", [])
        if p["name"] == "Idempotency-Key"
    ]
    # payments, orders, seat changes (both scopes); corrections (3) and cancel now (2 scopes);
    # invoices issued (2 scopes) and a payment against an invoice.
    assert len(declared) == 13
    pattern = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[!-~]{1,255}$"}
    assert all(d == pattern for d in declared)
    url = f"{R}/subscriptions/{mine.subscription.pk}/seat-changes/"
    for key in ("a b", "ключ", "x" * 256):
        assert not re.fullmatch(pattern["pattern"], key)
        response = mine.reseller_api.post(
            url, {"seats": 7}, format="json", HTTP_IDEMPOTENCY_KEY=key
        )
        assert error_of(response, 400)["fields"].keys() == {"Idempotency-Key"}


def test_names_have_a_minimum_length_and_refuse_blank(schema, mine):
    props = schema["components"]["schemas"]["ClientCreateRequest"]["properties"]
    ecma = {
        k: v.replace("\\x00", "\\u0000")
        for k, v in {"name": NAME_PATTERN, "text": NO_NUL_PATTERN}.items()
    }
    assert props["name"]["minLength"] == 1 and props["name"]["pattern"] == ecma["name"]
    assert props["address_street"]["oneOf"][0]["pattern"] == ecma["text"]  # Django refuses NUL
    assert props["email"]["format"] == "email"
    patch = schema["components"]["schemas"]["PatchedClientUpdateRequest"]["properties"]
    assert patch["name"]["minLength"] == 1
    for name in ("", "   ", 0, "a\x00b"):
        body = {"name": name, "email": "new@client.example"}
        response = mine.reseller_api.post(f"{R}/clients/", body, format="json")
        assert list(error_of(response, 400)["fields"]) == ["name"]


def test_month_is_declared_as_the_server_reads_it(schema, mine):
    params = schema["paths"][f"{R}/charges/"]["get"]["parameters"]
    month = next(p for p in params if p["name"] == "month")["schema"]
    assert month["pattern"] == r"^([1-9][0-9]{3})-(0[1-9]|1[0-2])$"
    assert mine.reseller_api.get(f"{R}/charges/?month=2026-12").status_code == 200
    for bad in ("0000-01", "2026-13", "2026-1", "26-12"):
        assert not re.fullmatch(month["pattern"], bad)
        error = error_of(mine.reseller_api.get(f"{R}/charges/?month={bad}"), 400)
        assert list(error["fields"]) == ["month"]


@pytest.mark.parametrize("param", ["ordering", "page_size", "page", "status"])
def test_an_empty_parameter_is_refused_and_the_schema_says_so(schema, mine, param):
    params = schema["paths"][f"{R}/orders/"]["get"]["parameters"]
    declared = next(p for p in params if p["name"] == param)["schema"]
    if param == "ordering":
        assert declared["minItems"] == 1
    error = error_of(mine.reseller_api.get(f"{R}/orders/?{param}="), 400)
    assert error["fields"] == {param: ["Пустое значение: укажите значение или уберите параметр."]}


def test_retry_after_and_idempotent_replayed_are_declared(schema):
    for _, _, op in operations(schema):
        if "429" in op["responses"]:
            assert op["responses"]["429"]["headers"]["Retry-After"]["schema"]["type"] == "integer"
        if any(p["name"] == "Idempotency-Key" for p in op.get("parameters", [])):
            done = [r for status, r in op["responses"].items() if status.startswith("2")]
            assert done
            for response in done:
                replayed = response["headers"]["Idempotent-Replayed"]
                assert replayed["schema"] == {"type": "string", "enum": ["true"]}


def test_error_code_is_an_enum_of_every_code_used(schema):
    code = schema["components"]["schemas"]["ErrorDetail"]["properties"]["code"]
    assert code["enum"] == ERROR_CODES
    family = [
        cls.code
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.ApplicationError)
    ]
    assert set(family) <= set(ERROR_CODES)


# --------------------------------------------------------------------------- the cache down


def test_the_throttle_fails_open_with_a_warning_when_the_cache_is_down(mine, monkeypatch, caplog):
    from api.throttling import TokenRateThrottle

    class Down:
        def get(self, *args, **kwargs):
            raise ConnectionError("redis is down")

        set = get

    monkeypatch.setattr(TokenRateThrottle, "cache", Down())
    with caplog.at_level(logging.WARNING, logger="api.throttling"):
        response = mine.reseller_api.get(f"{R}/orders/")
        refused = mine.reseller_api.get(f"{R}/orders/abc/")
    assert response.status_code == 200
    assert error_of(refused, 404)["code"] == "not_found"
    warnings = [r for r in caplog.records if r.name == "api.throttling"]
    assert warnings and warnings[0].levelno == logging.WARNING
    assert "cache is unavailable" in warnings[0].getMessage()


# --------------------------------------------------------------------------- purge


def test_idempotency_records_older_than_a_week_are_purged(mine):
    user = mine.client.owner
    old = IdempotencyRecord.objects.create(
        user=user,
        key="old",
        fingerprint="f",
        method="POST",
        path="/p",
        created_at=NOW - timedelta(days=7, seconds=1),
    )
    edge = IdempotencyRecord.objects.create(
        user=user,
        key="edge",
        fingerprint="f",
        method="POST",
        path="/p",
        created_at=NOW - timedelta(days=7),
    )
    assert idempotency_records_purge(at=NOW) == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["edge"]
    assert not IdempotencyRecord.objects.filter(pk=old.pk).exists()
    assert idempotency_records_purge(at=NOW) == 0
    edge.refresh_from_db()


def test_the_purge_runs_from_beat_and_its_task_purges(mine):
    entries = [
        e for e in celery_app.conf.beat_schedule.values() if e["task"] == IDEMPOTENCY_PURGE_TASK
    ]
    assert len(entries) == 1
    assert IDEMPOTENCY_PURGE_TASK in celery_app.tasks
    IdempotencyRecord.objects.create(
        user=mine.client.owner,
        key="k",
        fingerprint="f",
        method="POST",
        path="/p",
        created_at=NOW - timedelta(days=8),
    )
    idempotency_purge_task.apply()
    assert not IdempotencyRecord.objects.exists()


def test_a_replay_after_the_purge_does_the_work_again(mine):
    url = f"{R}/payments/"
    body = {"client": mine.client.pk, "amount": "10.00"}
    first = mine.reseller_api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    replay = mine.reseller_api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, replay.status_code, replay["Idempotent-Replayed"]) == (
        201,
        201,
        "true",
    )
    assert idempotency_records_purge(at=NOW + timedelta(days=8)) == 1
    again = mine.reseller_api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert again.json()["id"] != first.json()["id"]
    assert Decimal(again.json()["amount"]) == Decimal("10.00")
