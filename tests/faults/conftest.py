"""The fault tests reuse the gateway tests' fixtures: rows made with the ORM, the mock's
controls, ESET clients that record their sleeps, fast in-call retries."""

from tests.eset_gateway.conftest import (  # noqa: F401
    _fast_eset,
    eset,
    live_eset,
    make_command,
    make_seat_change,
    make_subscription,
    mock_control,
    sleeps,
    subscription,
    vendor_plan,
)
