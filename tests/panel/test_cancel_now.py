"""Cancel now (DESIGN.md §4.9, §8) from the panel and the portal: the confirmation shows the
last billed day and the amount freed (cancel_quote), one POST with a token cancels once,
and the role table decides who may (panel: admin, manager; portal: owner, admin)."""

import re
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent, Membership
from billing.models import BalanceEntry, Charge, FormSubmission
from billing.services import payment_register
from billing.submissions import token_issue
from eset_gateway.models import GatewayCommand
from notifications.models import Notification
from orders.models import Subscription, SubscriptionStatus
from orders.services import order_confirm, order_create
from tests.factories import ClientFactory, ResellerPlanFactory, UserFactory, VendorPlanFactory, msk

pytestmark = pytest.mark.django_db

NOW = msk(2026, 12, 20, 15)


@pytest.fixture(autouse=True)
def _frozen():
    """The pages read the clock: today is 20.12.2026 (sessions start then, too)."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def sub(reseller):
    """The seed's example: 5 seats at 100,00 bought 14.12.2026 (290,32 + 193,55 reserved)."""
    plan = ResellerPlanFactory(
        reseller=reseller,
        vendor_plan=VendorPlanFactory(min_seats=5, purchase_price=Decimal("80.00")),
        seat_price=Decimal("100.00"),
    )
    client = ClientFactory(reseller=reseller)
    order = order_create(client=client, reseller_plan=plan)
    sub = order_confirm(order=order, at=msk(2026, 12, 14, 10))
    payment_register(
        client=client, amount=Decimal("1000.00"), at=msk(2026, 12, 14, 11), order=order
    )
    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.ACTIVE
    return sub


def member(*, role, reseller=None, client=None, username="person@example.com"):
    user = UserFactory(username=username)
    Membership.objects.create(user=user, reseller=reseller, client=client, role=role)
    http = HttpClient()
    http.force_login(user)
    return http, user


def written():
    return (
        list(Subscription.objects.order_by("pk").values()),
        list(Charge.objects.order_by("pk").values()),
        list(BalanceEntry.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
        Notification.objects.count(),
        GatewayCommand.objects.count(),
        FormSubmission.objects.count(),
    )


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode().replace("\xa0", " "))


@pytest.mark.parametrize(
    ("face", "role"),
    [("panel", Membership.Role.ADMIN), ("panel", Membership.Role.MANAGER), ("portal", "owner")],
)
def test_cancel_now_confirms_what_follows_then_cancels_once(reseller, sub, face, role):
    if face == "panel":
        http, user = member(role=role, reseller=reseller)
        detail = reverse("subscriptions:detail", args=[sub.pk])
        url = reverse("subscriptions:cancel", args=[sub.pk])
    else:
        user = sub.client.owner
        http = HttpClient()
        http.force_login(user)
        detail = reverse("portal:subscription", args=[sub.pk])
        url = reverse("portal:subscription-cancel", args=[sub.pk])
    assert url in text(http.get(detail))  # the button is there
    page = text(http.get(url))
    # 14–20 Dec billed: 35 seat-days × 100 / 31 = 112,90; 370,97 freed.
    assert "Последний оплаченный день</dt><dd><strong>20.12.2026</strong>" in page
    assert "112,90 ₽" in page and "<strong>370,97 ₽</strong>" in page
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    response = http.post(url, {"form_token": token})
    assert response["Location"] == detail
    sub.refresh_from_db()
    assert (sub.status, sub.cancelled_on) == (SubscriptionStatus.CANCELLED, date(2026, 12, 20))
    event = AuditEvent.objects.get(action=AuditAction.SUBSCRIPTION_CANCELLED)
    assert (event.actor, event.after["freed"]) == (user, "370.97")
    before = written()
    again = http.post(url, {"form_token": token}, follow=True)
    assert "Эта форма уже была отправлена" in text(again)
    assert written() == before
    assert url not in text(http.get(detail))  # nothing left to cancel


@pytest.mark.parametrize(
    ("face", "role"),
    [
        ("panel", Membership.Role.ACCOUNTANT),
        ("portal", Membership.Role.ACCOUNTANT),
        ("portal", Membership.Role.VIEWER),
    ],
)
def test_a_role_that_may_not_cancel_sees_no_button_and_is_refused(reseller, sub, face, role):
    if face == "panel":
        http, _ = member(role=role, reseller=reseller)
        detail = reverse("subscriptions:detail", args=[sub.pk])
        url = reverse("subscriptions:cancel", args=[sub.pk])
    else:
        http, _ = member(role=role, client=sub.client)
        detail = reverse("portal:subscription", args=[sub.pk])
        url = reverse("portal:subscription-cancel", args=[sub.pk])
    before = written()
    assert url not in text(http.get(detail))
    assert http.get(url).status_code == 403
    assert http.post(url, {"form_token": token_issue()}).status_code == 403
    assert written() == before


def test_a_cancelled_subscription_cannot_be_cancelled_again(reseller, sub):
    http, _ = member(role=Membership.Role.ADMIN, reseller=reseller)
    url = reverse("subscriptions:cancel", args=[sub.pk])
    http.post(url, {"form_token": token_issue()})
    page = text(http.get(url))
    assert "Отменить можно только активную или приостановленную подписку." in page
    assert 'name="form_token"' not in page
    before = written()
    response = http.post(url, {"form_token": token_issue()})
    assert response.status_code == 200
    assert "Отменить можно только активную или приостановленную подписку." in text(response)
    assert written() == before


def test_another_tenants_subscription_is_not_found(reseller, sub):
    other = ClientFactory(reseller=reseller)
    http = HttpClient()
    http.force_login(other.owner)
    assert http.get(reverse("portal:subscription-cancel", args=[sub.pk])).status_code == 404
    from tests.factories import ResellerFactory

    panel, _ = member(role=Membership.Role.ADMIN, reseller=ResellerFactory())
    assert panel.get(reverse("subscriptions:cancel", args=[sub.pk])).status_code == 404
