"""The world of the killed billing run (test_killed_billing_run.py): built through the
domain API, and what a billing run for RUN_DAY must leave, whatever killed it on the way.

Every client has one subscription of the seed's example (5 seats at 100.00 a month from
14 Dec 2026, DESIGN.md §4.2): 14-31 Dec 290.32 closes 31 Dec, 1-12 Jan 193.55 closes
13 Jan; the renewal's period 13 Jan - 11 Feb costs 306.45 + 196.43 = 502.88. The run for
13 Jan closes both charges of each, then renews the funded, suspends those short of funds
and ends those with auto-renew off."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

RUN_DAY = date(2027, 1, 13)
FUNDED, SHORT, ENDED = 12, 6, 4
FIRST_PERIOD = Decimal("483.87")  # 290.32 + 193.55


def build() -> None:
    from billing.services import payment_register
    from orders.services import order_confirm, order_create, subscription_set_auto_renew
    from tests.factories import ClientFactory, ResellerPlanFactory, msk

    plan = ResellerPlanFactory(seat_price=Decimal("100.00"))
    at = msk(2026, 12, 14, 10)
    for index in range(FUNDED + SHORT + ENDED):
        client = ClientFactory(reseller=plan.reseller, name=f"kill-{index:02d}")
        sub = order_confirm(order=order_create(client=client, reseller_plan=plan, seats=5), at=at)
        short = FUNDED <= index < FUNDED + SHORT
        payment_register(client=client, amount=FIRST_PERIOD if short else Decimal("1000.00"), at=at)
        if index >= FUNDED + SHORT:
            subscription_set_auto_renew(subscription=sub, auto_renew=False)


def snapshot(*, day: date | None) -> dict[str, Any]:
    """What the database holds, in plain JSON: the §4.7 violations (with `day`: also any
    charge due by then still open), and the counts and balances a complete run leaves."""
    from accounts.models import Client
    from billing.invariants import all_violations
    from billing.models import BalanceEntry, Charge, ServicePeriod
    from eset_gateway.models import GatewayCommand
    from notifications.models import Notification
    from orders.models import Subscription

    return {
        "violations": [str(v) for v in all_violations(day=day)],
        "statuses": dict(Counter(Subscription.objects.values_list("status", flat=True))),
        "charges": dict(Counter(Charge.objects.values_list("status", flat=True))),
        "charge_entries": BalanceEntry.objects.filter(kind="charge").count(),
        "periods": ServicePeriod.objects.count(),
        "balances": dict(Counter(str(b) for b in Client.objects.values_list("balance", flat=True))),
        "commands": dict(Counter(GatewayCommand.objects.values_list("kind", flat=True))),
        "notifications": dict(Counter(Notification.objects.values_list("kind", flat=True))),
    }


def expected() -> dict[str, Any]:
    """The snapshot of a complete run over build()'s world."""
    clients = FUNDED + SHORT + ENDED
    left = str(Decimal("1000.00") - FIRST_PERIOD)
    return {
        "violations": [],
        "statuses": {"active": FUNDED, "suspended": SHORT, "cancelled": ENDED},
        # Two closed per subscription; the renewal's two are open.
        "charges": {"closed": 2 * clients, "open": 2 * FUNDED},
        "charge_entries": 2 * clients,
        "periods": clients + FUNDED,
        "balances": {left: FUNDED + ENDED, "0.00": SHORT},
        "commands": {"create": clients, "suspend": SHORT + ENDED},
        "notifications": {
            "payment_received": clients,
            "renewed": FUNDED,
            "renewal_failed": 2 * SHORT,  # the owner and the reseller
            "cancelled": 2 * ENDED,
        },
    }
