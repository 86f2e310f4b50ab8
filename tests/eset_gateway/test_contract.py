"""Contract tests from ESET's documentation (DESIGN.md §5; ../shared/eset-ema2-contract.md).

Each file in contract/ is one call as ESET's API guide documents it: the request's fields,
the answer's fields and types, and its documented errors (the page is named in it). The
same fixtures are replayed

- against the client through a stub transport: it must send exactly the documented
  request and parse the documented answers and errors into the documented outcome;
- against the mock: the documented request must be accepted and the answer must have
  the documented fields and types.

A change of the client or the mock that breaks the contract fails here. Where the guide
shows a field list but not how an answer is wrapped, the fixture says what the client
accepts and the mock answers (README, "ESET API").
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import is_dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from eset_gateway.client import (
    Address,
    Changed,
    EsetAuthError,
    EsetClient,
    EsetMaintenanceError,
    EsetRetryableError,
    EsetTerminalError,
    License,
)

CONTRACT = Path(__file__).parent / "contract"
FIXTURES = {path.stem: json.loads(path.read_text()) for path in sorted(CONTRACT.glob("*.json"))}
PUBLIC_KEY = re.compile(r"^[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}$")

# The values the placeholders of the fixtures stand for in the client's replay.
VALUES = {
    "<username>": "api@distributor.example",
    "<password>": "secret",
    "<refresh>": "eyJhbGciOi.refresh",
    "<msp>": "7B2C3D0E-0000-4000-8000-000000000005",
    "<customer>": "8C2C3D0E-0000-4000-8000-000000000001",
    "<license>": "3AB-C4D-E5F",
}
ADDRESS = Address(
    state="Московская область", city="Химки", street_address="ул. Победы, д. 3", zip_code="141400"
)


def _fill(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return values.get(value, value)
    if isinstance(value, dict):
        return {_fill(k, values): _fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    return value


def _invoke(name: str, client: EsetClient, v: dict[str, str]) -> Any:
    calls: dict[str, Callable[[], Any]] = {
        "token_get": client.get_token,
        "token_renew": lambda: client.renew_token(
            access_token="current-access", refresh_token=v["<refresh>"]
        ),
        "company_create_msp": lambda: client.create_msp(
            name="Reseller 1", email="billing1@reseller.example", custom_identifier="reseller-1"
        ),
        "company_create_customer": lambda: client.create_customer(
            name="Client 1",
            address=ADDRESS,
            parent_company_id=v["<msp>"],
            custom_identifier="client-1",
        ),
        "search_companies": lambda: client.search_companies(keyword="client-1", columns=[5]),
        "available_products": client.available_products,
        "license_order": lambda: client.order_license(
            customer_id=v["<customer>"], product_code=111, quantity=5
        ),
        "license_update_quantity": lambda: client.update_quantity(
            public_license_id=v["<license>"], quantity=7
        ),
        "license_suspend": lambda: client.suspend_license(public_license_id=v["<license>"]),
        "license_unsuspend": lambda: client.unsuspend_license(public_license_id=v["<license>"]),
        "license_detail": lambda: client.license_detail(public_license_id=v["<license>"]),
        "license_get_history": lambda: client.license_history(public_license_id=v["<license>"]),
        "search_licenses": lambda: client.search_licenses(keyword="", customer_id=v["<customer>"]),
        "usage_report_all_companies_products": lambda: client.usage_report(
            date_from=date(2026, 12, 1), date_to=date(2026, 12, 31)
        ),
    }
    return calls[name]()


def test_every_fixture_has_a_replay():
    assert set(FIXTURES) == {
        "token_get",
        "token_renew",
        "company_create_msp",
        "company_create_customer",
        "search_companies",
        "available_products",
        "license_order",
        "license_update_quantity",
        "license_suspend",
        "license_unsuspend",
        "license_detail",
        "license_get_history",
        "search_licenses",
        "usage_report_all_companies_products",
    }


# --- the fixtures agree with themselves --------------------------------------------------


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "str":
        return isinstance(value, str)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "list":
        return isinstance(value, list)
    if kind == "public_key":
        return isinstance(value, str) and bool(PUBLIC_KEY.match(value))
    if kind == "license_state":
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 4
    raise AssertionError(f"unknown type {kind}")


def _assert_shape(fixture: dict, body: Any) -> None:
    types = fixture.get("answer_types")
    if fixture["answer"]["body"] is None:
        assert body is None
        return
    assert isinstance(body, dict), body
    for name, kind in types.items():
        assert name in body, f"{fixture['call']}: {name} missing from {body}"
        assert _type_ok(body[name], kind), f"{fixture['call']}: {name}={body[name]!r} not {kind}"
    if fixture.get("answer_exact_keys"):
        assert set(body) == set(types), f"{fixture['call']}: {sorted(body)}"
    item_key = fixture.get("item_key")
    if item_key:
        for item in body[item_key]:
            for name, kind in fixture["item_types"].items():
                assert name in item, f"{fixture['call']}: {name} missing from {item}"
                assert _type_ok(item[name], kind), f"{fixture['call']}: {name}={item[name]!r}"


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_the_documented_answer_has_the_documented_shape(name):
    fixture = FIXTURES[name]
    _assert_shape(fixture, fixture["answer"]["body"])


# --- the client --------------------------------------------------------------------------


class Stub:
    """ESET as its guide shows it: answers Token/Get, records the call under test, answers
    it with the given status and body."""

    def __init__(self, call: str, status: int, body: Any, headers: dict | None = None):
        self.call, self.status, self.body, self.headers = call, status, body, headers or {}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/")
        if path == "Token/Get" and self.call != "Token/Get":
            return httpx.Response(200, json={"accessToken": "current-access", "refreshToken": "r"})
        assert path == self.call, path
        self.requests.append(request)
        if self.body is None:
            return httpx.Response(self.status, content=b"", headers=self.headers)
        return httpx.Response(self.status, json=self.body, headers=self.headers)


def _client(stub: Stub) -> EsetClient:
    return EsetClient(
        "https://mspapi.eset.com/api/",
        transport=httpx.MockTransport(stub),
        username=VALUES["<username>"],
        password=VALUES["<password>"],
        attempts=1,
        sleep=lambda s: None,
    )


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_the_client_sends_the_documented_request_and_parses_the_answer(name):
    fixture = FIXTURES[name]
    answer = fixture["answer"]
    stub = Stub(fixture["call"], answer["status"], answer["body"])
    result = _invoke(name, _client(stub), VALUES)
    (request,) = stub.requests
    assert request.method == "POST"
    assert str(request.url) == "https://mspapi.eset.com/api/" + fixture["call"]
    assert json.loads(request.content) == _fill(fixture["request"], VALUES)
    if fixture.get("auth", True) is True or fixture["auth"] == "current access token":
        assert request.headers["Authorization"] == "Bearer current-access"
    else:
        assert "Authorization" not in request.headers
    # Typed results, never raw dicts.
    if isinstance(result, tuple):  # a page and its total
        result = result[0]
    items = result if isinstance(result, list) else [result]
    assert all(isinstance(item, str) or is_dataclass(item) for item in items), result
    if answer["body"] is None:
        assert result == Changed(already=False)


@pytest.mark.parametrize(
    "name", sorted(n for n, f in FIXTURES.items() if f.get("answer_alternatives"))
)
def test_an_identifier_answered_bare_is_parsed_too(name):
    fixture = FIXTURES[name]
    for body in fixture["answer_alternatives"]:
        result = _invoke(name, _client(Stub(fixture["call"], 200, body)), VALUES)
        assert result == body


def test_the_licence_detail_is_parsed_field_by_field():
    body = FIXTURES["license_detail"]["answer"]["body"]
    lic = _invoke("license_detail", _client(Stub("License/Detail", 200, body)), VALUES)
    assert lic == License(
        public_license_id="3AB-C4D-E5F",
        customer_id=body["customerId"],
        product_code=111,
        product_name="ESET PROTECT Advanced",
        quantity=5,
        usage=2,
        eset_state=1,
        trial=False,
        last_update="2026-12-14T09:00:00Z",
        license_key="",  # ESET documents none
    )
    assert lic.state == "active"


@pytest.mark.parametrize(
    ("eset_state", "platform"),
    [(0, "active"), (1, "active"), (2, "obsolete"), (3, "suspended"), (4, "active")],
)
def test_every_documented_licence_state_maps_to_a_platform_state(eset_state, platform):
    body = {**FIXTURES["license_detail"]["answer"]["body"], "state": eset_state}
    lic = _invoke("license_detail", _client(Stub("License/Detail", 200, body)), VALUES)
    assert lic.state == platform


ERROR_CASES = [
    (name, index)
    for name, fixture in sorted(FIXTURES.items())
    for index in range(len(fixture["errors"]))
]


@pytest.mark.parametrize(("name", "index"), ERROR_CASES)
def test_every_documented_error_has_its_outcome(name, index):
    fixture = FIXTURES[name]
    error = fixture["errors"][index]
    stub = Stub(fixture["call"], error["status"], error["body"], error.get("headers"))
    client = _client(stub)
    expect = error["expect"]
    if expect == "already":
        # "Already so" is a success: the licence is as asked.
        assert _invoke(name, client, VALUES) == Changed(already=True)
        return
    raised = {
        "terminal": EsetTerminalError,
        "retryable": EsetRetryableError,
        "maintenance": EsetMaintenanceError,
        "auth": EsetAuthError,
        "retry_after": EsetRetryableError,
    }[expect]
    with pytest.raises(raised) as caught:
        _invoke(name, client, VALUES)
    if expect == "terminal":
        assert (caught.value.sub_code, caught.value.field) == (
            error.get("sub_code"),
            error.get("field"),
        )
        assert caught.value.status == error["status"]
    if expect == "maintenance":
        # Retried by the outbox after a pause, not hammered inside the call.
        assert caught.value.retry_after >= 60
        assert len(stub.requests) == 1
    if expect == "retry_after":
        assert caught.value.retry_after == error["retry_after"]


def test_take_above_100_is_never_sent():
    stub = Stub("Search/Licenses", 200, {"totalCount": 0, "licenses": []})
    with pytest.raises(ValueError, match="take must be from 1 to 100"):
        _client(stub).search_licenses(take=500)
    assert stub.requests == []


# --- the mock ----------------------------------------------------------------------------

API = "/eset-mock/api/"


@pytest.fixture
def mock_world(client, settings) -> dict[str, str]:
    """A token, an MSP, a customer and a licence at the mock: what the placeholders
    stand for in the mock's replay."""
    pair = client.post(
        API + "Token/Get",
        {"username": settings.ESET_USERNAME, "password": settings.ESET_PASSWORD},
        content_type="application/json",
    ).json()
    headers = {"Authorization": f"Bearer {pair['accessToken']}"}

    def call(path: str, body: dict) -> Any:
        response = client.post(API + path, body, content_type="application/json", headers=headers)
        assert response.status_code == 200, response.content
        return response.json()

    msp = call(
        "Company/Create/msp",
        {"name": "World MSP", "email": "world@reseller.example", "customIdentifier": "r-0"},
    )["publicId"]
    customer = call(
        "Company/Create/customer",
        {
            "name": "World Customer",
            "address": {"state": "", "city": "Химки", "streetAddress": "ул. 1", "zipCode": ""},
            "parentCompanyId": msp,
            "customIdentifier": "client-0",
        },
    )["publicId"]
    licence = call(
        "License/Order",
        {"customerId": customer, "productCode": 110, "quantity": 3, "licenseType": 1},
    )["publicLicenseKey"]
    return {
        "<username>": settings.ESET_USERNAME,
        "<password>": settings.ESET_PASSWORD,
        "<refresh>": pair["refreshToken"],
        "<access>": pair["accessToken"],
        "<msp>": msp,
        "<customer>": customer,
        "<license>": licence,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_the_mock_accepts_the_documented_request_and_answers_the_documented_shape(
    name, client, mock_world
):
    fixture = FIXTURES[name]
    if name == "license_unsuspend":
        # Only a suspended licence can be unsuspended.
        body = {"publicLicenseKey": mock_world["<license>"]}
        headers = {"Authorization": f"Bearer {mock_world['<access>']}"}
        client.post(API + "License/Suspend", body, content_type="application/json", headers=headers)
    headers = {}
    if fixture.get("auth", True):
        headers = {"Authorization": f"Bearer {mock_world['<access>']}"}
    response = client.post(
        API + fixture["call"],
        _fill(fixture["request"], mock_world),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == fixture["answer"]["status"], response.content
    body = json.loads(response.content) if response.content else None
    _assert_shape(fixture, body)
