"""Production settings (DESIGN.md §7): with DEBUG off the project refuses to start without
its own SECRET_KEY, the HTTPS settings come from the environment with secure defaults, and
`manage.py check --deploy` is clean with the README's production variables."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings import DEV_SECRET_KEY

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # Only what Python needs from this process: the settings read nothing of the test run's
    # environment (DATABASE_URL, REDIS_URL, DEBUG...). The root has no .env (read_env).
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _readme_production_variables() -> dict[str, str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Production", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None, "README: the Production section has no ```sh block"
    variables = dict(line.split("=", 1) for line in block.group(1).splitlines() if line)
    # The README shows how to make a key; the check needs a real one.
    variables["SECRET_KEY"] = secrets.token_urlsafe(50)
    return variables


PRINT_SETTINGS = (
    "import json; from django.conf import settings as s; print(json.dumps({n: getattr(s, n) "
    "for n in ('SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
    "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', "
    "'SECURE_PROXY_SSL_HEADER', 'TRUSTED_PROXIES')}))"
)


def _settings_with(env: dict[str, str]) -> dict:
    # With DEBUG off the project needs ESET's address (the mock is not served then).
    env = {"ESET_API_URL": "https://mspapi.eset.com/api/", **env}
    result = _manage("shell", "--no-imports", "-c", PRINT_SETTINGS, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_deploy_is_clean_with_the_readme_production_variables():
    variables = _readme_production_variables()
    assert variables["DEBUG"] == "false"
    assert variables["ESET_MOCK_ENABLED"] == "false"
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=variables)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize("secret_key", [None, "", DEV_SECRET_KEY])
def test_debug_off_refuses_to_start_without_its_own_secret_key(secret_key):
    env = {"DEBUG": "false"}
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key
    result = _manage("check", env=env)
    assert result.returncode == 1
    assert "ImproperlyConfigured: SECRET_KEY must be set to the installation's own secret" in (
        result.stderr
    )


def test_debug_on_starts_with_the_development_key():
    result = _manage("check", env={"DEBUG": "true"})
    assert result.returncode == 0, result.stderr


def test_https_settings_are_on_by_default_with_debug_off():
    values = _settings_with({"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50)})
    assert values == {
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_PROXY_SSL_HEADER": None,
        "TRUSTED_PROXIES": [],
    }


def test_https_settings_are_off_by_default_with_debug_on():
    values = _settings_with({"DEBUG": "true"})
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["CSRF_COOKIE_SECURE"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0


def test_https_settings_come_from_the_environment():
    values = _settings_with(
        {
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "3600",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": "false",
            "SECURE_HSTS_PRELOAD": "false",
            "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
            "TRUSTED_PROXIES": "10.0.0.10,192.168.0.0/16",
        }
    )
    assert values == {
        "SECURE_SSL_REDIRECT": False,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_HSTS_SECONDS": 3600,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "TRUSTED_PROXIES": ["10.0.0.10", "192.168.0.0/16"],
    }


def test_a_trusted_proxy_that_is_not_an_address_stops_the_start():
    result = _manage("check", env={"TRUSTED_PROXIES": "10.0.0.0/8,proxy.local"})
    assert result.returncode == 1
    assert "TRUSTED_PROXIES: 'proxy.local' is not an IP or CIDR" in result.stderr


def test_docker_compose_demo_starts_with_debug_off():
    """docker-compose.yml's web service (DEBUG off, plain HTTP): its settings pass the checks."""
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    block = text.split("environment:", 1)[1].split("\nservices:", 1)[0]
    env = dict(
        (name.strip(), value.strip().strip('"'))
        for name, value in re.findall(r"^    ([A-Z_]+): (.+)$", block, re.M)
    )
    assert env["DEBUG"] == "false"
    assert _settings_with(env)["SECURE_SSL_REDIRECT"] is False
