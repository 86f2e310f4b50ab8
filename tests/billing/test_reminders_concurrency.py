"""Two reminder runs of one day in parallel (DESIGN.md §6: safe to run concurrently): the
client lock and the unique (period, threshold) let each reminder out once. SQLite
serialises whole transactions, so this proves something on PostgreSQL only."""

from datetime import date
from decimal import Decimal

import pytest

from billing.models import ReminderSent
from billing.services import payment_register, reminders_send
from notifications.models import Notification, NotificationKind
from orders.services import order_confirm, order_create
from plans.models import BillingCycle
from tests.billing.test_concurrency import in_parallel
from tests.conftest import requires_postgres
from tests.factories import ClientFactory, ResellerPlanFactory, VendorPlanFactory, msk

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_runs_of_the_same_day_in_parallel_remind_each_period_once():
    plan = ResellerPlanFactory(
        vendor_plan=VendorPlanFactory(billing_cycle=BillingCycle.CALENDAR_MONTH),
        seat_price=Decimal("100.00"),
    )
    for _ in range(8):
        client = ClientFactory(reseller=plan.reseller)
        order = order_create(client=client, reseller_plan=plan, seats=5)
        order_confirm(order=order, at=msk(2026, 12, 1, 10))
        payment_register(
            client=client, amount=Decimal("600.00"), at=msk(2026, 12, 1, 11), order=order
        )
    day = date(2026, 12, 25)

    first, second = in_parallel(lambda: reminders_send(day=day), lambda: reminders_send(day=day))

    assert first.reminded + second.reminded == 8
    assert first.shortfall + second.shortfall == Decimal("3200.00")
    assert ReminderSent.objects.count() == 8
    # The owner and the reseller of each: 16 notifications, none twice.
    assert Notification.objects.filter(kind=NotificationKind.RENEWAL_REMINDER).count() == 16
