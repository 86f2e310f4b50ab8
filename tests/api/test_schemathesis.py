"""Schemathesis against the generated OpenAPI schema (issue 4), through the WSGI app, with a
seeded database (two resellers, each with a client, an active subscription, its money rows
and journal): every operation is one test, with a reseller's token on /reseller/ and /me/
and a client's token on /client/. Its requests come from schemathesis' coverage phase
(each parameter's boundary and invalid values, a fixed set) and a fuzzing phase of
MAX_EXAMPLES derandomized examples, valid and invalid. No response may be a 5xx, every
response must conform to the schema (status code, content type, body), and a request that
breaks the schema must be refused with a 4xx.

The schema is loaded at collection (`from_wsgi`, no database needed): schemathesis' lazy
`from_fixture` loader does not run under pytest 9.2 (it reads a node attribute pytest
renamed)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import Tenant

MAX_EXAMPLES = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20261214,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "phases": {"stateful": {"enabled": False}},
    }
)
# Loaded once, at collection: generating the schema needs no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=CONFIG)


@pytest.fixture
def _keep_the_test_connection():
    """Schemathesis calls the bare WSGI handler, whose request signals close the database
    connection after each request; on PostgreSQL that would close the test's transaction.
    Django's own test client disconnects them the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def _unthrottled(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "100000/minute"},
    }


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.usefixtures("_unthrottled", "_keep_the_test_connection")
def test_every_operation_conforms_to_the_schema(case, mine: Tenant, theirs: Tenant):
    api = mine.client_api if case.path.startswith("/api/v1/client/") else mine.reseller_api
    headers = {"Authorization": api._credentials["HTTP_AUTHORIZATION"]}
    response = case.call(headers=headers)
    case.validate_response(response, checks=CHECKS, headers=headers)
