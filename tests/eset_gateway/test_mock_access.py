"""The mock is locked away (DESIGN.md §5, §9): served only while enabled (by default only
with DEBUG), its controls only with their token, failed Token/Get calls throttled, and a
production start without ESET_API_URL refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from eset_gateway.mock.models import MockControl
from tests.conftest import MOCK_CONTROL_HEADERS, MOCK_CONTROL_TOKEN

ROOT = Path(__file__).resolve().parents[2]
CONTROLS = "/eset-mock/_mock/"
API = "/eset-mock/api/"


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_control_calls_are_403_and_change_nothing(method):
    client = Client()
    before = MockControl.objects.count()
    response = getattr(client, method)(
        CONTROLS, {"latency_ms": 600_000}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json() == {"error": "the mock's controls need the X-Mock-Control-Token header"}
    # Nothing was set: no control row was even created, let alone a latency of minutes.
    assert MockControl.objects.count() == before
    assert not MockControl.objects.filter(latency_ms=600_000).exists()


@pytest.mark.django_db
def test_a_wrong_token_is_403_and_the_right_one_is_served():
    client = Client()
    wrong = client.post(
        CONTROLS,
        {"latency_ms": 5},
        content_type="application/json",
        headers={"X-Mock-Control-Token": MOCK_CONTROL_TOKEN + "x"},
    )
    assert wrong.status_code == 403
    assert not MockControl.objects.filter(latency_ms=5).exists()
    right = client.post(
        CONTROLS, {"latency_ms": 5}, content_type="application/json", headers=MOCK_CONTROL_HEADERS
    )
    assert (right.status_code, right.json()["latency_ms"]) == (200, 5)


@pytest.mark.django_db
def test_no_configured_token_opens_nothing(settings):
    settings.ESET_MOCK_CONTROL_TOKEN = ""
    response = Client().get(CONTROLS, headers={"X-Mock-Control-Token": ""})
    assert response.status_code == 403


@pytest.mark.django_db
def test_a_disabled_mock_is_404_everywhere(settings):
    settings.ESET_MOCK_ENABLED = False
    client = Client()
    assert client.get(CONTROLS, headers=MOCK_CONTROL_HEADERS).status_code == 404
    token = client.post(
        API + "Token/Get",
        {"username": settings.ESET_USERNAME, "password": settings.ESET_PASSWORD},
        content_type="application/json",
    )
    assert token.status_code == 404
    assert client.post(
        API + "Search/Licenses", {}, content_type="application/json"
    ).status_code == (404)


@pytest.mark.django_db
def test_failed_token_calls_are_throttled(settings):
    settings.ESET_MOCK_TOKEN_FAILURE_LIMIT = 3
    settings.ESET_MOCK_TOKEN_FAILURE_WINDOW = 120
    client = Client()

    def token(password: str):
        return client.post(
            API + "Token/Get",
            {"username": settings.ESET_USERNAME, "password": password},
            content_type="application/json",
        )

    assert [token("guess").status_code for _ in range(3)] == [401, 401, 401]
    # Past the limit even the right password is refused, without being checked.
    refused = token(settings.ESET_PASSWORD)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "120"
    assert refused.json()["error"]["message"] == "too many failed sign-ins"
    # Another address is not held back by this one's failures.
    other = Client(REMOTE_ADDR="10.0.0.9").post(
        API + "Token/Get",
        {"username": settings.ESET_USERNAME, "password": settings.ESET_PASSWORD},
        content_type="application/json",
    )
    assert other.status_code == 200


@pytest.mark.django_db
def test_successful_token_calls_are_not_counted(settings):
    settings.ESET_MOCK_TOKEN_FAILURE_LIMIT = 2
    client = Client()
    for _ in range(5):
        response = client.post(
            API + "Token/Get",
            {"username": settings.ESET_USERNAME, "password": settings.ESET_PASSWORD},
            content_type="application/json",
        )
        assert response.status_code == 200


# --- production settings, in a process of their own ------------------------------------

PROBE = """
import django
django.setup()
from django.conf import settings
from django.test import Client
client = Client()
print("enabled", settings.ESET_MOCK_ENABLED)
# secure: production settings may redirect plain HTTP to HTTPS.
print("controls", client.get("/eset-mock/_mock/", secure=True).status_code)
"""
# An API call reaches the mock's database when served: probed only where it must be a 404.
PROBE_API = (
    PROBE
    + """print("api", client.post("/eset-mock/api/Token/Get", {}, secure=True).status_code)
"""
)


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ESET_", "DEBUG", "DJANGO_SETTINGS_MODULE"))
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": "production-test-key-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFG",
            "ALLOWED_HOSTS": "testserver",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_eset_api_url_refuses_to_start():
    result = _run(PROBE, DEBUG="false")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "ESET_API_URL is not set" in result.stderr


def test_with_debug_off_the_mock_is_404_unless_enabled_outright():
    off = _run(PROBE_API, DEBUG="false", ESET_API_URL="https://mspapi.eset.com/api/")
    assert off.returncode == 0, off.stderr
    assert off.stdout.split("\n")[:3] == ["enabled False", "controls 404", "api 404"]

    outright = _run(PROBE, DEBUG="false", ESET_MOCK_ENABLED="true")
    assert outright.returncode == 0, outright.stderr
    # Served, and still shut to a caller without the control token.
    assert outright.stdout.split("\n")[:2] == ["enabled True", "controls 403"]


def test_with_debug_on_the_mock_is_served_by_default():
    result = _run(PROBE, DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["enabled True", "controls 403"]


def test_the_mock_service_serves_only_the_mock():
    code = (
        "import django\ndjango.setup()\nfrom django.test import Client\n"
        "c = Client()\nprint(c.get('/admin/', secure=True).status_code,"
        " c.get('/eset-mock/_mock/', secure=True).status_code)"
    )
    result = _run(
        code,
        DEBUG="false",
        ESET_MOCK_ENABLED="true",
        DJANGO_SETTINGS_MODULE="config.settings_eset_mock",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "404 403"
