"""The mock's fault and drift controls: seeded random faults, the concurrency limit shared
by processes, licence drift, paged Search/Licenses, and the call log's subject."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import httpx
import pytest

from eset_gateway.client import EsetClient
from eset_gateway.mock import views as mock_views
from eset_gateway.mock.models import MockCall, MockControl, MockLicense
from tests.conftest import MOCK_CONTROL_HEADERS

from .test_mock import API, KEY, _customer, _ordered

pytestmark = pytest.mark.django_db

CONTROLS = "/eset-mock/_mock/"


@pytest.fixture
def api(client, settings):
    token = client.post(
        API + "Token/Get",
        {"username": settings.ESET_USERNAME, "password": settings.ESET_PASSWORD},
        content_type="application/json",
    ).json()["accessToken"]

    def call(path: str, body: dict):
        headers = {"Authorization": f"Bearer {token}"}
        return client.post(API + path, body, content_type="application/json", headers=headers)

    return call


@pytest.fixture
def company_id(api) -> str:
    body = {"name": "Reseller", "email": "billing@reseller.example", "customIdentifier": "r-1"}
    return _customer(api, api("Company/Create/msp", body).json()["publicId"])


def _controls(client, **values):
    return client.post(
        CONTROLS, values, content_type="application/json", headers=MOCK_CONTROL_HEADERS
    )


def _statuses(api, count: int) -> list[int]:
    return [api("Search/Licenses", {"keyword": ""}).status_code for _ in range(count)]


def test_a_seed_repeats_the_random_faults(api, client):
    response = _controls(client, fail_rate=0.5, fail_seed=42, timeout_sleep_ms=0)
    assert response.status_code == 200
    first = _statuses(api, 30)
    # Setting the seed again starts its sequence again, in every serving process.
    _controls(client, fail_seed=42)
    assert _statuses(api, 30) == first
    assert 0 < first.count(200) < 30
    assert set(first) - {200} <= {429, 502, 503, 504}
    _controls(client, fail_seed=7)
    assert _statuses(api, 30) != first
    control = MockControl.objects.get()
    assert (control.fail_seed, control.fail_seed_version) == (7, control.version)


def test_fail_seed_is_validated(client):
    for bad in (-1, "x", 1.5, True):
        response = _controls(client, fail_seed=bad)
        assert response.status_code == 400
        assert response.json() == {"error": f"fail_seed: invalid value {bad!r}"}
    assert MockControl.objects.get_or_create(pk=1)[0].fail_seed is None
    assert _controls(client, fail_seed=None).json()["fail_seed"] is None


def test_the_call_log_names_what_each_call_was_about(api, client, company_id):
    _controls(client, log_calls=True)
    public_id = _ordered(api, company_id)
    api("License/Detail", {"publicLicenseKey": public_id})
    api("Search/Licenses", {"keyword": ""})
    assert list(MockCall.objects.values_list("path", "subject", "status")) == [
        ("License/Order", company_id, 200),
        ("License/Detail", public_id, 200),
        ("Search/Licenses", "", 200),
    ]


def test_search_licenses_in_pages(api, company_id):
    ids = [_ordered(api, company_id) for _ in range(5)]
    pages = [
        api("Search/Licenses", {"keyword": "", "skip": skip, "take": 2}).json()
        for skip in (0, 2, 4, 6)
    ]
    assert [[lic["publicLicenseKey"] for lic in page["licenses"]] for page in pages] == [
        ids[0:2],
        ids[2:4],
        ids[4:5],
        [],
    ]
    assert {page["totalCount"] for page in pages} == {5}
    for bad in ({"take": 0 - 1}, {"take": 101}, {"skip": "1"}, {"take": True}):
        name = "skip" if "skip" in bad else "take"
        response = api("Search/Licenses", {"keyword": "", **bad})
        assert (response.status_code, response.json()) == (
            400,
            {name: ["The input was not valid."]},
        )


def test_the_client_reads_every_page(company_id, api, settings):
    ids = [_ordered(api, company_id) for _ in range(5)]
    with EsetClient(sleep=lambda s: None) as eset:
        pages = list(eset.license_pages(customer_id=company_id, page_size=2))
        with pytest.raises(ValueError, match="take must be from 1 to 100"):
            list(eset.license_pages(page_size=500))
    assert [[lic.public_license_id for lic in page] for page in pages] == [
        ids[0:2],
        ids[2:4],
        ids[4:5],
    ]


def test_drift_changes_licences_behind_the_platforms_back(api, client, company_id):
    ids = [_ordered(api, company_id) for _ in range(3)]
    keys = dict(MockLicense.objects.values_list("public_license_id", "license_key"))
    response = _controls(
        client,
        drift=[
            {"publicLicenseKey": ids[0], "quantity": 9},
            {"publicLicenseKey": ids[1], "state": "suspended"},
            {"publicLicenseKey": ids[2], "delete": True},
        ],
    )
    assert response.status_code == 200
    changed = MockLicense.objects.get(public_license_id=ids[0])
    # As on every quantity change, a new activation key (the mock's assumption).
    assert (changed.quantity, changed.key_generation) == (9, 2)
    assert changed.license_key != keys[ids[0]] and KEY.match(changed.license_key)
    suspended = MockLicense.objects.get(public_license_id=ids[1])
    assert (suspended.state, suspended.quantity, suspended.license_key) == (3, 5, keys[ids[1]])
    assert not MockLicense.objects.filter(public_license_id=ids[2]).exists()
    # The drifts are in the licences' history, which the usage report counts from.
    assert list(changed.events.values_list("kind", "quantity")) == [("ordered", 5), ("drift", 9)]


@pytest.mark.parametrize(
    ("drift", "error"),
    [
        ({"quantity": 3}, "drift: each change names a publicLicenseKey"),
        (
            {"publicLicenseKey": "AAA-AAA-AAA", "quantity": 3},
            "drift: licence AAA-AAA-AAA not found",
        ),
        ({"publicLicenseKey": "{id}", "quantity": 0}, "drift: invalid quantity 0"),
        ({"publicLicenseKey": "{id}", "state": "gone"}, "drift: invalid state 'gone'"),
        ({"publicLicenseKey": "{id}", "delete": False}, "drift: delete must be true"),
        ({"publicLicenseKey": "{id}", "colour": 1}, "drift: unknown field colour"),
        ({"publicLicenseKey": "{id}"}, "drift: nothing to change"),
    ],
)
def test_drift_is_validated_and_applies_nothing_when_bad(api, client, company_id, drift, error):
    public_id = _ordered(api, company_id)
    entry = {k: (public_id if v == "{id}" else v) for k, v in drift.items()}
    # A good change before the bad one is not applied either.
    good = {"publicLicenseKey": public_id, "quantity": 8}
    response = _controls(client, drift=[good, entry])
    assert (response.status_code, response.json()) == (400, {"error": error})
    assert MockLicense.objects.get().quantity == 5


def test_the_call_beyond_the_limit_is_refused_with_retry_after(api, client):
    _controls(client, concurrency_limit=2, retry_after_seconds=3, log_calls=True)
    # Two calls being served elsewhere (other threads or processes) hold both slots.
    held = [mock_views._call_slots.acquire(2) for _ in range(2)]
    try:
        response = api("Search/Licenses", {})
    finally:
        for release in held:
            assert release is not None
            release()
    assert (response.status_code, response["Retry-After"]) == (429, "3")
    assert api("Search/Licenses", {}).status_code == 200
    assert list(MockCall.objects.values_list("status", "fault")) == [(429, "busy"), (200, "")]


def _hold_a_slot(folder: str, limit: int, held, release) -> None:
    slots = mock_views._CallSlots()
    slots._dir = lambda: Path(folder)  # type: ignore[method-assign]
    held.put(slots.acquire(limit) is not None)
    release.wait(10)
    os._exit(0)  # the kernel drops the lock with the process


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_the_limit_is_shared_by_processes_and_freed_when_one_dies(tmp_path):
    """The slots are file locks: a call served by another process (another gunicorn
    worker) counts against the limit, and a worker that dies frees its slot."""
    context = multiprocessing.get_context("fork")
    held, release = context.Queue(), context.Event()
    child = context.Process(target=_hold_a_slot, args=(str(tmp_path), 1, held, release))
    child.start()
    slots = mock_views._CallSlots()
    slots._dir = lambda: tmp_path  # type: ignore[method-assign]
    try:
        assert held.get(timeout=10) is True
        assert slots.acquire(1) is None  # the other process holds the only slot
        free = slots.acquire(2)  # a limit of two leaves one
        assert free is not None
        free()
    finally:
        release.set()
        child.join(10)
    free = slots.acquire(1)
    assert free is not None
    free()


def test_slots_live_in_files_per_database_or_in_memory_for_an_in_memory_one(settings):
    slots = mock_views._CallSlots()
    folder = slots._dir()
    if settings.IS_POSTGRES:  # shared by every process serving this database
        assert folder is not None and folder.name.startswith("eset-mock-slots-")
        assert folder == mock_views._CallSlots()._dir()
    else:  # the test's in-memory SQLite: one process, counted in memory
        assert folder is None
    first, second = slots._count("db", 2), slots._count("db", 2)
    assert first is not None and second is not None
    assert slots._count("db", 2) is None
    assert slots._count("another db", 2) is not None
    first()
    third = slots._count("db", 2)
    assert third is not None


def test_pages_are_read_to_eset_s_total_even_when_it_pages_by_less():
    licences = [
        {
            "publicLicenseKey": f"AAA-AAA-{n:03d}",
            "customerId": "C1",
            "productCode": 111,
            "quantity": 1,
            "state": 1,
        }
        for n in range(5)
    ]
    asked: list[tuple[int, int]] = []

    def eset(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("Token/Get"):
            return httpx.Response(200, json={"accessToken": "a", "refreshToken": "r"})
        body = json.loads(request.content)
        asked.append((body["skip"], body["take"]))
        page = licences[body["skip"] : body["skip"] + 2]  # never more than 2 a page
        return httpx.Response(200, json={"licenses": page, "totalCount": len(licences)})

    with EsetClient("http://eset.stub/api/", transport=httpx.MockTransport(eset)) as client:
        pages = list(client.license_pages(page_size=4))
    assert [len(page) for page in pages] == [2, 2, 1]
    assert asked == [(0, 4), (2, 4), (4, 4)]
