"""config.db.bulk_set writes typed values (dates, decimals, nulls, JSON) row by row, in
batches, on SQLite and PostgreSQL alike."""

from datetime import date
from decimal import Decimal

import pytest

from config import db
from eset_gateway.models import GatewayCommand
from orders.models import Subscription
from tests.factories import ClientFactory, ResellerPlanFactory, msk

pytestmark = pytest.mark.django_db


def test_bulk_set_writes_each_row_its_own_values(monkeypatch):
    monkeypatch.setattr(db, "BATCH_ROWS", 2)  # three rows: two statements
    plan = ResellerPlanFactory()
    client = ClientFactory(reseller=plan.reseller)
    client.balance = Decimal("12.34")
    from orders.services import order_confirm, order_create

    subs = [
        order_confirm(
            order=order_create(client=client, reseller_plan=plan, seats=1 + i), at=msk(2026, 12, 1)
        )
        for i in range(3)
    ]
    for i, sub in enumerate(subs):
        sub.status = "suspended" if i else "cancelled"
        sub.expires_on = date(2027, 1, 1 + i)
        sub.suspended_on = None if i == 2 else date(2026, 12, 20 + i)
    assert db.bulk_set(subs, ["status", "expires_on", "suspended_on"]) == 3
    assert db.bulk_set([client], ["balance"]) == 1

    rows = list(
        Subscription.objects.order_by("pk").values_list(
            "status", "expires_on", "suspended_on", "seats"
        )
    )
    assert rows == [
        ("cancelled", date(2027, 1, 1), date(2026, 12, 20), 1),
        ("suspended", date(2027, 1, 2), date(2026, 12, 21), 2),
        ("suspended", date(2027, 1, 3), None, 3),
    ]
    client.refresh_from_db()
    assert client.balance == Decimal("12.34")


def test_bulk_set_writes_json_and_nothing_for_no_rows():
    assert db.bulk_set([], ["state"]) == 0
    plan = ResellerPlanFactory()
    client = ClientFactory(reseller=plan.reseller)
    from orders.services import order_confirm, order_create

    sub = order_confirm(order=order_create(client=client, reseller_plan=plan), at=msk(2026, 12, 1))
    command = GatewayCommand.objects.create(
        subscription=sub,
        kind="create",
        key="k",
        next_attempt_at=msk(2026, 12, 1),
        created_at=msk(2026, 12, 1),
    )
    command.result = {"license_key": "AAAA", "n": [1, 2]}
    command.state = "done"
    db.bulk_set([command], ["result", "state"])
    command.refresh_from_db()
    assert (command.result, command.state) == ({"license_key": "AAAA", "n": [1, 2]}, "done")
