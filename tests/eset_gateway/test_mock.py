"""The mock ESET API itself, through Django's test client: shapes, codes, controls."""

from __future__ import annotations

import re

import pytest

from eset_gateway.mock.models import MockCall, MockCompany, MockControl, MockLicense, MockToken
from tests.conftest import MOCK_CONTROL_HEADERS as CONTROL_HEADERS

pytestmark = pytest.mark.django_db

API = "/eset-mock/api/"
PUBLIC_ID = re.compile(r"^[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}$")
KEY = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$")


@pytest.fixture
def api(client, settings):
    token = client.post(
        API + "Token/Get",
        {"username": settings.ESET_USERNAME, "password": settings.ESET_PASSWORD},
        content_type="application/json",
    ).json()["accessToken"]

    def call(path: str, body: dict, *, auth: bool = True):
        headers = {"Authorization": f"Bearer {token}"} if auth else {}
        return client.post(API + path, body, content_type="application/json", headers=headers)

    return call


ADDRESS = {
    "state": "Московская область",
    "city": "Химки",
    "streetAddress": "ул. Победы, д. 3",
    "zipCode": "141400",
}


@pytest.fixture
def msp_id(api) -> str:
    body = {"name": "Reseller", "email": "billing@reseller.example", "customIdentifier": "r-1"}
    return api("Company/Create/msp", body).json()["publicId"]


def _customer(api, msp_id: str, name: str = "ACME", identifier: str = "client-1") -> str:
    body = {
        "name": name,
        "address": ADDRESS,
        "parentCompanyId": msp_id,
        "customIdentifier": identifier,
    }
    return api("Company/Create/customer", body).json()["publicId"]


@pytest.fixture
def company_id(api, msp_id) -> str:
    return _customer(api, msp_id)


def _order(api, company_id: str, *, quantity=5, product=111, license_type=1):
    body = {
        "customerId": company_id,
        "productCode": product,
        "quantity": quantity,
        "licenseType": license_type,
    }
    return api("License/Order", body)


def _ordered(api, company_id: str, **kwargs) -> str:
    response = _order(api, company_id, **kwargs)
    assert response.status_code == 200, response.content
    return response.json()["publicLicenseKey"]


def _error(response) -> tuple[int, int, int]:
    error = response.json()
    return response.status_code, error["code"], error["subCode"]


def test_token_get_answers_a_pair(client, settings):
    response = client.post(
        API + "Token/Get",
        {"username": settings.ESET_USERNAME, "password": settings.ESET_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    # The pair only: ESET documents no lifetime field.
    assert set(body) == {"accessToken", "refreshToken"}
    token = MockToken.objects.get()
    assert token.access_token == body["accessToken"]
    assert (token.expires_at - token.created_at).total_seconds() == pytest.approx(60, abs=1)
    assert (token.session_expires_at - token.created_at).total_seconds() == pytest.approx(
        1800, abs=1
    )


def test_token_renew_needs_the_current_access_token(client, settings):
    pair = client.post(
        API + "Token/Get",
        {"username": settings.ESET_USERNAME, "password": settings.ESET_PASSWORD},
        content_type="application/json",
    ).json()
    body = {"refreshToken": pair["refreshToken"]}
    anonymous = client.post(API + "Token/Renew", body, content_type="application/json")
    assert anonymous.status_code == 401
    headers = {"Authorization": f"Bearer {pair['accessToken']}"}
    renewed = client.post(
        API + "Token/Renew", body, content_type="application/json", headers=headers
    )
    assert renewed.status_code == 200
    assert set(renewed.json()) == {"accessToken", "refreshToken"}
    # A refresh token renews once.
    again = client.post(API + "Token/Renew", body, content_type="application/json", headers=headers)
    assert again.status_code == 401


def test_the_hierarchy_distributor_msp_customer(api, company_id, msp_id):
    msp = MockCompany.objects.get(public_id=msp_id)
    customer = MockCompany.objects.get(public_id=company_id)
    assert (msp.entity_type, msp.parent.entity_type, msp.parent.parent) == (1005, 1002, None)
    assert (customer.entity_type, customer.parent_id, customer.address) == (1007, msp.pk, ADDRESS)
    assert customer.custom_identifier == "client-1"
    children = api("Company/Children", {"companyId": msp_id, "skip": 0, "take": 10}).json()
    assert [c["publicId"] for c in children["companies"]] == [company_id]


def test_a_customer_needs_an_address_and_a_name_unique_among_siblings(api, msp_id, company_id):
    body = {"name": "Other", "parentCompanyId": msp_id}
    assert api("Company/Create/customer", body).json() == {
        "address": ["The address field is required."]
    }
    twin = api("Company/Create/customer", {**body, "name": "ACME", "address": ADDRESS})
    assert (twin.status_code, list(twin.json())) == (400, ["name"])
    assert MockCompany.objects.filter(entity_type=1007).count() == 1


def test_an_msp_needs_a_unique_email(api, msp_id):
    again = api("Company/Create/msp", {"name": "Another", "email": "BILLING@reseller.example"})
    assert (again.status_code, list(again.json())) == (400, ["email"])


def test_search_companies_by_custom_identifier(api, msp_id, company_id):
    _customer(api, msp_id, name="Other", identifier="client-22")
    found = api("Search/Companies", {"search": {"client-1": [5]}, "skip": 0, "take": 10}).json()
    # Column 5 is the custom identifier; "client-22" does not contain "client-1".
    assert [c["customIdentifier"] for c in found["companies"]] == ["client-1"]
    assert found["totalCount"] == 1
    assert api("Search/Companies", {"search": {"x": [5]}, "take": 101}).json() == {
        "take": ["The input was not valid."]
    }


def test_available_products_have_numeric_codes(api):
    products = api("Product/AvailableProducts", {}).json()["products"]
    assert {p["code"]: p["name"] for p in products}[110] == "ESET PROTECT Entry"
    assert all(isinstance(p["code"], int) for p in products)


def test_token_get_refuses_bad_credentials(client, settings):
    response = client.post(
        API + "Token/Get",
        {"username": settings.ESET_USERNAME, "password": "wrong"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert MockToken.objects.count() == 0


def test_calls_need_a_valid_bearer_token(api):
    assert api("Search/Licenses", {}, auth=False).status_code == 401
    MockToken.objects.update(expires_at="2000-01-01T00:00:00Z")
    assert api("Search/Licenses", {}).status_code == 401


def test_order_answers_the_public_key_only_and_detail_has_the_rest(api, company_id):
    response = _order(api, company_id)
    assert response.status_code == 200
    assert set(response.json()) == {"publicLicenseKey"}
    public_id = response.json()["publicLicenseKey"]
    assert PUBLIC_ID.match(public_id)
    detail = api("License/Detail", {"publicLicenseKey": public_id}).json()
    assert KEY.match(detail.pop("licenseKey"))
    assert detail.pop("lastUpdate")
    assert detail == {
        "customerId": company_id,
        "publicLicenseKey": public_id,
        "productCode": 111,
        "productName": "ESET PROTECT Advanced",
        "quantity": 5,
        "usage": 0,
        "state": 1,
        "trial": False,
        "trialExpiration": None,
        "trialExtensions": None,
        "lastUpdateBy": "",
    }


def test_order_errors(api, company_id, msp_id):
    assert _error(_order(api, company_id, product=999)) == (400, 8, 27)
    assert _error(_order(api, company_id, license_type=2)) == (400, 8, 17)
    assert _error(_order(api, company_id, license_type=4)) == (400, 8, 32)
    assert _error(_order(api, company_id, product=120)) == (400, 8, 40)
    # An order is for a Customer only.
    assert _order(api, msp_id).json() == {"customerId": ["The input was not valid."]}
    assert MockLicense.objects.count() == 0


def test_quantity_errors(api, company_id):
    assert _error(_order(api, company_id, quantity=0)) == (400, 8, 18)
    MockControl.objects.update_or_create(pk=1, defaults={"max_quantity": 10})
    assert _error(_order(api, company_id, quantity=11)) == (400, 8, 30)
    # Not a number: the model-state shape.
    assert _order(api, company_id, quantity="many").json() == {
        "quantity": ["The input was not valid."]
    }
    assert MockLicense.objects.count() == 0


def test_update_quantity_answers_empty_issues_a_new_key_and_refuses_the_same(api, company_id):
    public_id = _ordered(api, company_id)
    before = MockLicense.objects.get().license_key
    changed = api("License/UpdateQuantity", {"publicLicenseKey": public_id, "quantity": 7})
    assert (changed.status_code, changed.content) == (200, b"")
    lic = MockLicense.objects.get()
    assert (lic.quantity, lic.key_generation) == (7, 2)
    assert lic.license_key != before and KEY.match(lic.license_key)
    same = api("License/UpdateQuantity", {"publicLicenseKey": public_id, "quantity": 7})
    assert _error(same) == (400, 8, 48)
    assert MockLicense.objects.get().license_key == lic.license_key


def test_suspend_unsuspend_and_their_errors(api, company_id):
    public_id = _ordered(api, company_id)
    body = {"publicLicenseKey": public_id}
    assert _error(api("License/Unsuspend", body)) == (400, 8, 36)  # never suspended
    assert api("License/Suspend", body).content == b""
    assert api("License/Detail", body).json()["state"] == 3
    assert _error(api("License/Suspend", body)) == (400, 8, 21)
    update = api("License/UpdateQuantity", {**body, "quantity": 9})
    assert _error(update) == (400, 8, 23)
    assert api("License/Unsuspend", body).content == b""
    assert api("License/Detail", body).json()["state"] == 1
    assert _error(api("License/Unsuspend", body)) == (400, 8, 22)
    assert api("License/Detail", body).json()["quantity"] == 5
    history = api("License/GetHistory", body).json()["history"]
    assert [(h["type"], h["state"]) for h in history] == [
        ("ordered", 1),
        ("suspended", 3),
        ("unsuspended", 1),
    ]


def test_search_licenses_by_customer_and_keyword_in_pages(api, company_id, msp_id):
    other = _customer(api, msp_id, name="Other", identifier="client-2")
    first = _ordered(api, company_id)
    second = _ordered(api, company_id, product=110)
    _ordered(api, other)
    mine = api("Search/Licenses", {"keyword": "", "customerId": company_id, "skip": 0, "take": 10})
    assert [lic["publicLicenseKey"] for lic in mine.json()["licenses"]] == [first, second]
    assert mine.json()["totalCount"] == 2
    by_name = api("Search/Licenses", {"keyword": "entry", "skip": 0, "take": 10}).json()
    assert [lic["publicLicenseKey"] for lic in by_name["licenses"]] == [second]
    page = api("Search/Licenses", {"keyword": "", "skip": 1, "take": 1}).json()
    assert (page["totalCount"], [lic["publicLicenseKey"] for lic in page["licenses"]]) == (
        3,
        [second],
    )
    assert api("Search/Licenses", {"keyword": "", "take": 500}).json() == {
        "take": ["The input was not valid."]
    }


def test_maintenance_answers_503_99_2(api, client):
    client.post(
        "/eset-mock/_mock/",
        {"maintenance": True},
        content_type="application/json",
        headers=CONTROL_HEADERS,
    )
    response = api("Search/Licenses", {"keyword": ""})
    assert _error(response) == (503, 99, 2)
    client.post(
        "/eset-mock/_mock/",
        {"maintenance": False},
        content_type="application/json",
        headers=CONTROL_HEADERS,
    )
    assert api("Search/Licenses", {"keyword": ""}).status_code == 200


def test_an_unknown_call_is_page_not_found(api):
    assert _error(api("License/Teleport", {})) == (403, 99, 1)


def test_fail_next_targets_a_call_and_is_consumed(api, client, company_id):
    response = client.post(
        "/eset-mock/_mock/",
        {"fail_next": [{"mode": "5xx", "path": "License/Detail"}, "429"], "log_calls": True},
        content_type="application/json",
        headers=CONTROL_HEADERS,
    )
    assert response.status_code == 200
    # The path-bound fault waits for its call; the unbound one hits the next call.
    assert api("Search/Licenses", {}).status_code == 429
    assert api("Search/Licenses", {}).status_code == 200
    detail = api("License/Detail", {"publicLicenseKey": "AAA-AAA-AAA"})
    assert detail.status_code == 503
    assert MockControl.objects.get().fail_next == []
    assert list(MockCall.objects.values_list("path", "status", "fault")) == [
        ("Search/Licenses", 429, "429"),
        ("Search/Licenses", 200, ""),
        ("License/Detail", 503, "5xx"),
    ]


def test_lost_mode_does_the_work_then_answers_502(api, client, company_id):
    client.post(
        "/eset-mock/_mock/",
        {"fail_next": ["lost"]},
        content_type="application/json",
        headers=CONTROL_HEADERS,
    )
    response = _order(api, company_id)
    assert response.status_code == 502
    assert MockLicense.objects.count() == 1


def test_429_carries_retry_after(api, client):
    client.post(
        "/eset-mock/_mock/",
        {"fail_next": ["429"], "retry_after_seconds": 7},
        content_type="application/json",
        headers=CONTROL_HEADERS,
    )
    response = api("Search/Licenses", {})
    assert response.status_code == 429
    assert response["Retry-After"] == "7"


def test_controls_validate_and_reset(client, api, company_id):
    bad = client.post(
        "/eset-mock/_mock/",
        {"fail_rate": 2},
        content_type="application/json",
        headers=CONTROL_HEADERS,
    )
    assert bad.status_code == 400
    assert bad.json() == {"error": "fail_rate: invalid value 2"}
    unknown = client.post(
        "/eset-mock/_mock/", {"colour": 1}, content_type="application/json", headers=CONTROL_HEADERS
    )
    assert unknown.json() == {"error": "colour: unknown control"}
    state = client.post(
        "/eset-mock/_mock/",
        {"latency_ms": 5, "token_ttl_seconds": 30},
        content_type="application/json",
        headers=CONTROL_HEADERS,
    ).json()
    # The distributor, the MSP and the customer.
    assert (state["latency_ms"], state["token_ttl_seconds"], state["companies"]) == (5, 30, 3)
    state = client.post(
        "/eset-mock/_mock/",
        {"reset": True},
        content_type="application/json",
        headers=CONTROL_HEADERS,
    )
    assert state.json()["latency_ms"] == 0
    assert (MockCompany.objects.count(), MockToken.objects.count()) == (0, 0)
    assert client.get("/eset-mock/_mock/", headers=CONTROL_HEADERS).json()["companies"] == 0
