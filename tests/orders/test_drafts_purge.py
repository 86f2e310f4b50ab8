"""Abandoned drafts are removed (issue 11 item 6): a daily job deletes draft orders older
than 30 days, each with a line in its tenant's audit trail, and nothing else; used one-time
form tokens are forgotten after a day."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import AuditAction, AuditEvent
from billing.models import FormSubmission
from billing.services import payment_register
from billing.submissions import form_submissions_purge
from billing.tasks import form_submissions_purge_task
from config.errors import ValidationError
from orders.models import Order, OrderStatus
from orders.services import order_cancel, order_confirm, order_create, order_drafts_purge
from orders.tasks import order_drafts_purge_task
from tests.factories import ClientFactory, ResellerPlanFactory, UserFactory, msk

pytestmark = pytest.mark.django_db

NOW = msk(2026, 12, 20, 4, 30)


def draft(client, plan, *, age: timedelta) -> Order:
    order = order_create(client=client, reseller_plan=plan, seats=5)
    Order.objects.filter(pk=order.pk).update(created_at=NOW - age)
    return order


@pytest.fixture
def world():
    client = ClientFactory()
    plan = ResellerPlanFactory(reseller=client.reseller, seat_price=Decimal("100.00"))
    return client, plan


def test_drafts_older_than_30_days_are_deleted_and_audited_and_nothing_else(world):
    client, plan = world
    old = draft(client, plan, age=timedelta(days=30, seconds=1))
    older = draft(client, plan, age=timedelta(days=400))
    young = draft(client, plan, age=timedelta(days=29, hours=23))
    exactly = draft(client, plan, age=timedelta(days=30))
    confirmed = draft(client, plan, age=timedelta(days=90))
    order_confirm(order=confirmed, at=msk(2026, 9, 1, 10))
    cancelled = draft(client, plan, age=timedelta(days=90))
    order_cancel(order=cancelled, at=msk(2026, 9, 1, 10))
    other_client = ClientFactory()
    foreign = draft(
        other_client,
        ResellerPlanFactory(reseller=other_client.reseller, seat_price=Decimal("100.00")),
        age=timedelta(days=31),
    )

    assert order_drafts_purge(at=NOW) == 3

    assert set(Order.objects.values_list("pk", flat=True)) == {
        young.pk,
        exactly.pk,
        confirmed.pk,
        cancelled.pk,
    }
    trail = AuditEvent.objects.filter(action=AuditAction.ORDER_DRAFT_PURGED)
    assert sorted(trail.values_list("object_id", "client_id", "reseller_id", "actor_id")) == sorted(
        [
            (old.pk, client.pk, client.reseller_id, None),
            (older.pk, client.pk, client.reseller_id, None),
            (foreign.pk, other_client.pk, other_client.reseller_id, None),
        ]
    )
    assert all(e.before == {"status": "draft", "seats": 5} and e.at == NOW for e in trail)
    # Idempotent: the second run (late, twice) finds nothing and writes nothing.
    assert order_drafts_purge(at=NOW) == 0
    assert trail.count() == 3
    # An hour later the draft of exactly 30 days has passed its lifetime too.
    assert order_drafts_purge(at=NOW + timedelta(hours=1)) == 1
    assert not Order.objects.filter(pk=exactly.pk).exists()


def test_a_draft_something_refers_to_is_kept(world):
    client, plan = world
    paid = draft(client, plan, age=timedelta(days=45))
    # A payment against a draft cannot be made through the services; the table allows it,
    # and the purge must not break such a row's reference.
    payment = payment_register(client=client, amount=Decimal("10.00"), at=msk(2026, 11, 1, 10))
    type(payment).objects.filter(pk=payment.pk).update(order=paid)
    assert order_drafts_purge(at=NOW) == 0
    assert Order.objects.filter(pk=paid.pk, status=OrderStatus.DRAFT).exists()


def test_the_task_purges_as_of_the_clock(world):
    client, plan = world
    now = timezone.now()
    stale = order_create(client=client, reseller_plan=plan, seats=5)
    fresh = order_create(client=client, reseller_plan=plan, seats=5)
    Order.objects.filter(pk=stale.pk).update(created_at=now - timedelta(days=31))
    assert order_drafts_purge_task.delay().get() == 1
    assert list(Order.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_used_form_tokens_are_forgotten_after_a_day():
    user = UserFactory()
    for token, age in (("old", timedelta(days=1, seconds=1)), ("new", timedelta(hours=23))):
        FormSubmission.objects.create(user=user, token=token, created_at=NOW - age)
    assert form_submissions_purge(at=NOW) == 1
    assert list(FormSubmission.objects.values_list("token", flat=True)) == ["new"]
    assert form_submissions_purge(at=NOW) == 0
    FormSubmission.objects.update(created_at=timezone.now() - timedelta(days=2))
    assert form_submissions_purge_task.delay().get() == 1  # as of the clock
    assert FormSubmission.objects.count() == 0


def test_the_purge_refuses_a_naive_moment():
    from datetime import datetime

    with pytest.raises(ValidationError):
        order_drafts_purge(at=datetime(2026, 12, 20, 4, 30))
    with pytest.raises(ValidationError):
        form_submissions_purge(at=datetime(2026, 12, 20, 4, 30))
    assert Order.objects.count() == 0
