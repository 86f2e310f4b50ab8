"""A client generated from the API's own schema (issue 9) with openapi-python-client: every
module imports (no `NameError: Unset` from form-data bodies) and a call through it sends
JSON and is understood, here through httpx's WSGI transport to the app in-process."""

from __future__ import annotations

import importlib
import json
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator

from tests.api.conftest import Tenant

GENERATOR = shutil.which("openapi-python-client") or str(
    Path(sys.executable).with_name("openapi-python-client")
)
PACKAGE = "eset_api_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    if not Path(GENERATOR).exists():
        pytest.skip("openapi-python-client is not installed (pip install '.[dev]')")
    root = tmp_path_factory.mktemp("generated")
    schema = root / "schema.json"
    schema.write_text(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))
    # No post hooks (they run ruff from PATH); any warning about the schema fails the test.
    # The invoice PDFs (application/pdf) are read as the generator's binary File.
    config = root / "config.yaml"
    config.write_text(
        "post_hooks: []\ncontent_type_overrides:\n  application/pdf: application/octet-stream\n"
    )
    subprocess.run(
        [
            *(GENERATOR, "generate", "--path", str(schema)),
            *("--output-path", str(root / PACKAGE), "--meta", "none"),
            *("--config", str(config), "--fail-on-warning"),
        ],
        cwd=root,
        check=True,
        capture_output=True,
        timeout=300,
    )
    sys.path.insert(0, str(root))
    yield root
    sys.path.remove(str(root))
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]


def test_every_generated_module_imports(generated):
    package = importlib.import_module(PACKAGE)
    names = [m.name for m in pkgutil.walk_packages(package.__path__, PACKAGE + ".")]
    assert len(names) > 50  # every operation and model has its module
    failures = {}
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:  # the assertion lists them all
            failures[name] = repr(exc)
    assert failures == {}


@pytest.fixture
def _keep_the_test_connection():
    # As in test_schemathesis: the bare WSGI handler would close the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("_keep_the_test_connection")
def test_the_generated_client_sends_json(generated, mine: Tenant):
    client_module = importlib.import_module(PACKAGE)
    update = importlib.import_module(
        f"{PACKAGE}.api.reseller_subscriptions.reseller_subscriptions_auto_renew_update"
    )
    models = importlib.import_module(f"{PACKAGE}.models")
    sent: list[httpx.Request] = []
    token = mine.reseller_api._credentials["HTTP_AUTHORIZATION"].removeprefix("Bearer ")
    api = client_module.AuthenticatedClient(
        base_url="http://testserver",
        token=token,
        httpx_args={
            "transport": httpx.WSGITransport(app=get_wsgi_application()),
            "event_hooks": {"request": [sent.append]},
        },
    )
    result = update.sync(
        id=mine.subscription.pk, client=api, body=models.AutoRenewRequest(auto_renew=False)
    )
    assert isinstance(result, models.Subscription)
    assert (result.id, result.auto_renew) == (mine.subscription.pk, False)
    assert sent[0].headers["Content-Type"] == "application/json"
    assert json.loads(sent[0].content) == {"auto_renew": False}
    mine.subscription.refresh_from_db()
    assert mine.subscription.auto_renew is False
