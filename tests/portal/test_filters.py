"""Every portal list filters: plans by name, orders, subscriptions and charges by status,
the journal by kind and read state. Each filter keeps another row out of the page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from billing.models import Charge, ChargeStatus
from notifications.models import NotificationKind
from notifications.services import NotificationSpec, notify
from orders.models import Subscription, SubscriptionStatus
from tests.factories import ResellerPlanFactory, VendorPlanFactory, msk

from .test_subscriptions import html_of, subscribe

pytestmark = pytest.mark.django_db

AT = msk(2026, 11, 20, 10)


def test_plans_search_by_name(portal, reseller):
    for name in ("ESET PROTECT Entry", "ESET PROTECT Advanced"):
        ResellerPlanFactory(reseller=reseller, vendor_plan=VendorPlanFactory(name=name))
    html = html_of(portal.get(reverse("portal:plans"), {"q": "advanced"}))
    assert "ESET PROTECT Advanced" in html and "ESET PROTECT Entry" not in html
    assert 'name="q"' in html and "Поиск по названию" in html


def test_subscriptions_filter_by_status(portal, client_):
    active = subscribe(client_)
    waiting = subscribe(client_, paid=False)
    assert waiting.status == SubscriptionStatus.PENDING_PAYMENT
    html = html_of(portal.get(reverse("portal:subscriptions"), {"status": "pending_payment"}))
    assert reverse("portal:subscription", args=[waiting.pk]) in html
    assert reverse("portal:subscription", args=[active.pk]) not in html


def test_charges_filter_by_status(portal, client_):
    subscribe(client_)
    assert Charge.objects.filter(client=client_, status=ChargeStatus.OPEN).exists()
    assert not Charge.objects.filter(client=client_, status=ChargeStatus.CLOSED).exists()
    html = html_of(portal.get(reverse("portal:balance"), {"status": ChargeStatus.CLOSED}))
    assert "Списаний нет." in html
    html = html_of(portal.get(reverse("portal:balance"), {"status": ChargeStatus.OPEN}))
    assert "Списаний нет." not in html and "открыт" in html


def _note(client, kind, key):
    notify(
        specs=[
            NotificationSpec(
                kind=kind,
                key=key,
                reseller_id=client.reseller_id,
                client_id=client.pk,
                subscription_id=None,
                recipient_id=client.owner_id,
                email_to=client.email,
                payload={
                    "product": "ESET PROTECT Entry",
                    "client": client.name,
                    "amount": "100.00",
                    "balance": "100.00",
                },
            )
        ],
        at=AT,
    )


def test_journal_filters_by_kind_and_read_state(portal, client_):
    _note(client_, NotificationKind.PAYMENT_RECEIVED, "f:1")
    _note(client_, NotificationKind.RENEWED, "f:2")
    renewed = client_.notifications.get(key="f:2")
    html = html_of(portal.get(reverse("portal:notifications"), {"kind": "payment_received"}))
    assert "Платёж получен" in html and "Подписка продлена" not in html
    assert 'name="client"' not in html  # one client: nothing to choose

    portal.post(reverse("portal:notification-read", args=[renewed.pk]))
    unread = html_of(portal.get(reverse("portal:notifications"), {"read": "unread"}))
    assert "Платёж получен" in unread and "Подписка продлена" not in unread
    read = html_of(portal.get(reverse("portal:notifications"), {"read": "read"}))
    assert "Подписка продлена" in read and "Платёж получен" not in read


def test_a_bad_filter_value_is_ignored_not_an_error(portal, client_):
    subscribe(client_)
    for name, params in (
        ("portal:subscriptions", {"status": "nonsense"}),
        ("portal:balance", {"status": "nonsense"}),
        ("portal:notifications", {"kind": "nonsense", "read": "x"}),
        ("portal:orders", {"status": "nonsense"}),
    ):
        assert portal.get(reverse(name), params).status_code == 200
    assert Subscription.objects.count() == 1
