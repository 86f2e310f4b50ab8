"""Schemathesis against the generated OpenAPI schema (issues 4 and 9), through the WSGI app,
with a seeded database (two resellers, each with a client, an active subscription, its
money rows and journal), a reseller's token on /reseller/ and /me/ and a client's token on
/client/.

Two phases:
- every operation alone: schemathesis' coverage phase (each parameter's boundary and
  invalid values, a fixed set) and MAX_EXAMPLES derandomized examples, valid and invalid;
- the stateful phase: chains of calls along the links schemathesis infers between
  operations (an order's id from a list into its confirm, a plan's into its activate...),
  per scope, bounded by STATEFUL_EXAMPLES scenarios of at most STATEFUL_STEPS calls.

No response may be a 5xx, every response must conform to the schema (status code,
content type, headers, body), a request that breaks the schema must be refused with a 4xx
and a request the schema allows must not be refused as malformed (400): what the server
refuses, the schema says.

The schema is loaded at collection (`from_wsgi`, no database needed): schemathesis' lazy
`from_fixture` loader does not run under pytest 9.2 (it reads a node attribute pytest
renamed)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import Tenant

MAX_EXAMPLES = 10
STATEFUL_EXAMPLES = 15
STATEFUL_STEPS = 6
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
]

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20261214,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    }
)
# Loaded once, at collection: generating the schema needs no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=CONFIG)
SCOPES = {
    "reseller": schema.include(path_regex=r"^/api/v1/(reseller|me)/"),
    "client": schema.include(path_regex=r"^/api/v1/client/"),
}
HYPOTHESIS = {
    "derandomize": True,
    "deadline": None,
    "database": None,
    "suppress_health_check": list(HealthCheck),
}


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


def auth_headers(tenant: Tenant, scope: str) -> dict[str, str]:
    api = tenant.client_api if scope == "client" else tenant.reseller_api
    return {"Authorization": api._credentials["HTTP_AUTHORIZATION"]}


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, **HYPOTHESIS)
@pytest.mark.usefixtures("_unthrottled", "_keep_the_test_connection")
def test_every_operation_conforms_to_the_schema(case, mine: Tenant, theirs: Tenant):
    scope = "client" if case.path.startswith("/api/v1/client/") else "reseller"
    headers = auth_headers(mine, scope)
    response = case.call(headers=headers)
    case.validate_response(response, checks=CHECKS, headers=headers)


@pytest.mark.parametrize("scope", sorted(SCOPES))
@pytest.mark.usefixtures("_unthrottled", "_keep_the_test_connection")
def test_linked_calls_conform_to_the_schema(scope: str, mine: Tenant, theirs: Tenant):
    headers = auth_headers(mine, scope)

    class Workflow(SCOPES[scope].as_state_machine()):  # type: ignore[misc]
        # Each scenario starts from the seeded state: what one wrote (an invoice paid, an
        # order confirmed) would otherwise change what a replay of another can do, and
        # Hypothesis refuses a scenario that draws differently when run again.
        def setup(self):
            self.savepoint = transaction.savepoint()

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)

        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, headers=headers)

    Workflow.run(
        settings=settings(
            max_examples=STATEFUL_EXAMPLES, stateful_step_count=STATEFUL_STEPS, **HYPOTHESIS
        )
    )
