"""DESIGN.md §12: the domain API keeps exactly these names and keyword-only arguments, since
every face, the acceptance checks and integrations call them."""

import inspect

import pytest

from accounts import services as accounts
from billing import services as billing
from eset_gateway import services as gateway
from orders import services as orders
from plans import services as plans

API = [
    (accounts.reseller_create, ["name", "email"]),
    (accounts.client_create, ["reseller", "name", "email"]),
    (plans.reseller_plan_activate, ["reseller", "vendor_plan"]),
    (plans.reseller_plan_set_seat_price, ["reseller_plan", "seat_price"]),
    (plans.reseller_plan_publish, ["reseller_plan"]),
    (orders.order_create, ["client", "reseller_plan", "seats", "by"]),
    (orders.order_confirm, ["order", "at"]),
    (orders.seat_change_request, ["subscription", "seats", "at"]),
    (billing.payment_register, ["client", "amount", "at", "order", "by"]),
    (billing.billing_run, ["day"]),
    (gateway.gateway_drain, ["at"]),
    (billing.eset_sync, ["day"]),
]


@pytest.mark.parametrize(("fn", "names"), API, ids=[fn.__name__ for fn, _ in API])
def test_domain_function_takes_the_documented_keyword_only_arguments(fn, names):
    params = inspect.signature(fn).parameters
    for name in names:
        assert name in params, f"{fn.__name__} lacks {name}"
        assert params[name].kind is inspect.Parameter.KEYWORD_ONLY
    # Anything beyond the documented arguments is optional.
    extra = [p for n, p in params.items() if n not in names]
    assert all(p.default is not inspect.Parameter.empty for p in extra)
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params.values())
