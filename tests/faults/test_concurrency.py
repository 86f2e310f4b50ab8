"""Jobs racing each other on PostgreSQL (row locks): a billing run and the sync of the same
night, two syncs, two seat-change requests, a reconciliation and a billing run that
suspends. Whichever goes first, nothing is done twice, nothing is lost, and no deadlock
reaches the caller. (Two billing runs and a payment racing a renewal: tests/billing/
test_concurrency.py; two drains: tests/eset_gateway/test_concurrency.py.)"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing.calendar import seat_days_amount
from billing.models import BalanceEntry, Charge
from billing.services import billing_run, eset_sync, payment_register
from config.errors import Conflict
from core.reasons import Reason
from eset_gateway.client import EsetClient
from eset_gateway.mock.models import MockLicense
from eset_gateway.mock.views import control_set
from eset_gateway.models import CommandKind, CommandState, EsetLicense, GatewayCommand
from eset_gateway.services import gateway_drain, licences_reconcile
from notifications.models import Notification
from orders.models import SeatChange, SeatChangeStatus, Subscription, SubscriptionStatus
from orders.services import order_confirm, order_create, seat_change_request
from tests.billing.test_concurrency import in_parallel
from tests.conftest import requires_postgres
from tests.factories import ClientFactory, ResellerPlanFactory, msk
from tests.invariants import assert_invariants

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ACTIVATED = msk(2026, 12, 14, 10)
DEC_31 = date(2026, 12, 31)  # the December charge's closing day


def _licensed(count: int, *, pay: Decimal = Decimal("5000.00")) -> list[Subscription]:
    """Active subscriptions of the seed's example (5 seats at 100.00 from 14 Dec), each of
    its own client, with their ESET licences issued."""
    plan = ResellerPlanFactory(seat_price=Decimal("100.00"))
    subs = []
    for _ in range(count):
        client = ClientFactory(reseller=plan.reseller)
        sub = order_confirm(
            order=order_create(client=client, reseller_plan=plan, seats=5), at=ACTIVATED
        )
        payment_register(client=client, amount=pay, at=ACTIVATED)
        subs.append(sub)
    with EsetClient() as eset:
        assert gateway_drain(at=ACTIVATED, eset=eset).done == count
    return subs


def _sync(day: date):
    with EsetClient() as eset:
        return eset_sync(day=day, eset=eset)


def test_a_billing_run_and_the_sync_of_its_closing_day_race():
    subs = _licensed(6)
    seats = {sub.pk: new for sub, new in zip(subs, [8, 2, 9, 3, 7, 4], strict=True)}
    for sub in subs:  # effective at the 00:30 sync of 31 Dec
        seat_change_request(subscription=sub, seats=seats[sub.pk], at=msk(2026, 12, 30, 12))

    synced, ran = in_parallel(lambda: _sync(DEC_31), lambda: billing_run(day=DEC_31))

    assert (synced.applied, synced.rejected, synced.commands_done) == (6, 0, 6)
    assert ran.charges_closed == 6
    assert_invariants(day=DEC_31)
    assert SeatChange.objects.filter(status=SeatChangeStatus.APPLIED).count() == 6
    assert (
        GatewayCommand.objects.filter(
            kind=CommandKind.CHANGE_QUANTITY, state=CommandState.DONE
        ).count()
        == 6
    )
    assert Notification.objects.filter(kind="seats_changed").count() == 6
    assert BalanceEntry.objects.filter(kind="charge").count() == 6
    remote = dict(MockLicense.objects.values_list("public_license_id", "quantity"))
    local_ids = dict(EsetLicense.objects.values_list("subscription_id", "public_license_id"))
    for sub in subs:
        assert remote[local_ids[sub.pk]] == seats[sub.pk]
        december, january = Charge.objects.filter(subscription=sub).order_by("date_from")
        # Sync first: 31 Dec is billed at the new count; run first: December closed at the
        # old count and the new one bills from 1 January (§4.6). Never both, never neither.
        new = seats[sub.pk]
        assert december.status == "closed"
        assert december.amount in {
            seat_days_amount(seat_days=17 * 5 + new, price=Decimal("100.00"), month_days=31),
            Decimal("290.32"),
        }
        assert january.amount == seat_days_amount(
            seat_days=12 * new, price=Decimal("100.00"), month_days=31
        )


def test_two_syncs_of_one_night_apply_each_change_once():
    subs = _licensed(5)
    for sub, new in zip(subs, [6, 2, 8, 3, 9], strict=True):
        seat_change_request(subscription=sub, seats=new, at=msk(2026, 12, 20, 12))
    day = date(2026, 12, 21)

    first, second = in_parallel(lambda: _sync(day), lambda: _sync(day))

    assert first.applied + second.applied == 5
    assert first.commands_done + second.commands_done == 5
    assert first.commands_retried + second.commands_retried == 0
    assert GatewayCommand.objects.filter(kind=CommandKind.CHANGE_QUANTITY).count() == 5
    assert Notification.objects.filter(kind="seats_changed").count() == 5
    assert sorted(MockLicense.objects.values_list("key_generation", flat=True)) == [2] * 5
    assert_invariants(day=day)


def test_two_seat_change_requests_at_once_leave_the_newer_one_pending():
    (sub,) = _licensed(1)
    for round_, (a, b) in enumerate([(7, 9), (3, 6), (8, 2)]):
        at = msk(2026, 12, 20, 12, round_)

        def request(seats: int, at=at):
            try:
                return seat_change_request(subscription=sub, seats=seats, at=at)
            except Conflict as error:  # the loser of the race may be told to repeat
                return error

        results = in_parallel(lambda a=a: request(a), lambda b=b: request(b))

        made = [r for r in results if isinstance(r, SeatChange)]
        assert made  # at least one request went through
        assert all(isinstance(r, SeatChange | Conflict) for r in results)
        pending = SeatChange.objects.get(subscription=sub, status=SeatChangeStatus.PENDING)
        # No lost update: the one pending is the last one written; any other was replaced.
        assert pending.pk == max(r.pk for r in made)
        assert pending.seats in (a, b)
        replaced = SeatChange.objects.filter(pk__in=[r.pk for r in made]).exclude(pk=pending.pk)
        assert set(replaced.values_list("status", "reason")) <= {
            (SeatChangeStatus.CANCELLED, Reason.REPLACED)
        }
    sub.refresh_from_db()
    assert sub.seats == 5  # nothing applied before the sync


def test_two_increases_of_one_client_at_once_are_both_checked_at_the_sync():
    plan = ResellerPlanFactory(seat_price=Decimal("100.00"))
    client = ClientFactory(reseller=plan.reseller)
    first, second = (
        order_confirm(order=order_create(client=client, reseller_plan=plan, seats=5), at=ACTIVATED)
        for _ in range(2)
    )
    # Both first periods (2 x 483.87) and one increase of 10 seats from 21 Dec (354.84 +
    # 387.10 = 741.94), not two: each request alone passes its check, the sync takes one.
    payment_register(client=client, amount=Decimal("967.74") + Decimal("800.00"), at=ACTIVATED)
    with EsetClient() as eset:
        gateway_drain(at=ACTIVATED, eset=eset)

    in_parallel(
        lambda: seat_change_request(subscription=first, seats=15, at=msk(2026, 12, 20, 12)),
        lambda: seat_change_request(subscription=second, seats=15, at=msk(2026, 12, 20, 12)),
    )
    result = _sync(date(2026, 12, 21))

    assert (result.applied, result.rejected) == (1, 1)
    assert sorted(Subscription.objects.values_list("seats", flat=True)) == [5, 15]
    assert_invariants(day=date(2026, 12, 21))


def test_a_reconciliation_racing_the_run_that_suspends_never_resumes_it():
    (sub,) = _licensed(1, pay=Decimal("483.87"))  # the first period only
    public_id = EsetLicense.objects.get(subscription=sub).public_license_id
    # Someone suspended the licence at ESET: the reconciliation wants it resumed, while the
    # run of 13 Jan suspends the subscription for lack of funds.
    control_set({"drift": [{"publicLicenseKey": public_id, "state": "suspended"}]})
    night = date(2027, 1, 13)

    def reconcile():
        with EsetClient() as eset:
            return licences_reconcile(day=night, eset=eset)

    in_parallel(reconcile, lambda: billing_run(day=night))
    with EsetClient() as eset:
        gateway_drain(at=msk(2027, 1, 13, 4), eset=eset)

    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.SUSPENDED
    # Whichever went first, ESET ends where the platform is: suspended.
    assert MockLicense.objects.get().state == 3  # ESET: suspended
    assert set(GatewayCommand.objects.values_list("state", flat=True)) == {CommandState.DONE}
    kinds = list(GatewayCommand.objects.order_by("id").values_list("kind", flat=True))
    assert kinds in (
        [CommandKind.CREATE, CommandKind.RESUME, CommandKind.SUSPEND],  # reconciled first
        [CommandKind.CREATE, CommandKind.SUSPEND],  # the run first: nothing to resume
    )
    assert_invariants(day=night)
