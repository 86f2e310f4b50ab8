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


@pytest.fixture
def company_id(api) -> str:
    return api("Company/Create/customer", {"name": "ACME", "reference": "client-1"}).json()[
        "companyId"
    ]


def _order(api, company_id: str, *, quantity: int = 5, product: str = "EPA", ref: str = "sub-1"):
    body = {"companyId": company_id, "productCode": product, "quantity": quantity, "reference": ref}
    return api("License/Order", body)


def _error(response) -> tuple[int, int, int]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["subCode"]


def test_token_get_answers_a_pair(client, settings):
    response = client.post(
        API + "Token/Get",
        {"username": settings.ESET_USERNAME, "password": settings.ESET_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"accessToken", "refreshToken", "expiresIn"}
    assert body["expiresIn"] == 3600
    assert MockToken.objects.get().access_token == body["accessToken"]


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


def test_order_issues_formatted_ids(api, company_id):
    response = _order(api, company_id)
    assert response.status_code == 200
    lic = response.json()
    assert PUBLIC_ID.match(lic["publicLicenseKey"])
    assert KEY.match(lic["licenseKey"])
    assert {k: lic[k] for k in ("productCode", "quantity", "state", "companyId", "reference")} == {
        "productCode": "EPA",
        "quantity": 5,
        "state": "active",
        "companyId": company_id,
        "reference": "sub-1",
    }


def test_vendor_plan_codes_are_known_products(api, company_id, vendor_plan):
    assert _order(api, company_id, product=vendor_plan.product_code).status_code == 200
    assert _error(_order(api, company_id, product="NOPE")) == (400, 8, 27)
    assert MockLicense.objects.count() == 1


def test_quantity_errors(api, company_id):
    assert _error(_order(api, company_id, quantity=0)) == (400, 8, 18)
    MockControl.objects.update_or_create(pk=1, defaults={"max_quantity": 10})
    assert _error(_order(api, company_id, quantity=11)) == (400, 8, 30)
    assert MockLicense.objects.count() == 0


def test_update_quantity_issues_a_new_key_and_refuses_the_same_quantity(api, company_id):
    lic = _order(api, company_id).json()
    public_id = lic["publicLicenseKey"]
    changed = api("License/UpdateQuantity", {"publicLicenseKey": public_id, "quantity": 7}).json()
    assert changed["quantity"] == 7
    assert changed["licenseKey"] != lic["licenseKey"]
    assert KEY.match(changed["licenseKey"])
    same = api("License/UpdateQuantity", {"publicLicenseKey": public_id, "quantity": 7})
    assert _error(same) == (400, 8, 48)
    assert MockLicense.objects.get().license_key == changed["licenseKey"]


def test_suspend_unsuspend_and_their_errors(api, company_id):
    public_id = _order(api, company_id).json()["publicLicenseKey"]
    body = {"publicLicenseKey": public_id}
    assert api("License/Suspend", body).json()["state"] == "suspended"
    assert _error(api("License/Suspend", body)) == (400, 8, 21)
    update = api("License/UpdateQuantity", {**body, "quantity": 9})
    assert _error(update) == (400, 8, 23)
    assert api("License/Unsuspend", body).json()["state"] == "active"
    assert _error(api("License/Unsuspend", body)) == (400, 8, 22)
    assert api("License/Detail", body).json()["quantity"] == 5


def test_search_licenses_by_reference_and_company(api, company_id):
    other = api("Company/Create/customer", {"name": "Other", "reference": "client-2"}).json()
    _order(api, company_id, ref="sub-1")
    _order(api, company_id, ref="sub-2")
    _order(api, other["companyId"], ref="sub-3")
    by_ref = api("Search/Licenses", {"reference": "sub-2"}).json()["licenses"]
    assert [lic["reference"] for lic in by_ref] == ["sub-2"]
    by_company = api("Search/Licenses", {"companyId": company_id}).json()["licenses"]
    assert [lic["reference"] for lic in by_company] == ["sub-1", "sub-2"]
    companies = api("Search/Companies", {"reference": "client-2"}).json()["companies"]
    assert companies == [
        {"companyId": other["companyId"], "name": "Other", "reference": "client-2"}
    ]


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
        {"latency_ms": 5, "token_ttl_seconds": 60},
        content_type="application/json",
        headers=CONTROL_HEADERS,
    ).json()
    assert (state["latency_ms"], state["token_ttl_seconds"], state["companies"]) == (5, 60, 1)
    state = client.post(
        "/eset-mock/_mock/",
        {"reset": True},
        content_type="application/json",
        headers=CONTROL_HEADERS,
    )
    assert state.json()["latency_ms"] == 0
    assert (MockCompany.objects.count(), MockToken.objects.count()) == (0, 0)
    assert client.get("/eset-mock/_mock/", headers=CONTROL_HEADERS).json()["companies"] == 0
