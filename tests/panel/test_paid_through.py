"""The last paid day is shown inclusive everywhere (DESIGN.md §8, issue 11 item 6):
`expires_on` is exclusive (the next period starts that day), people read the day before.
A subscription paid on 14.12.2026 runs 14.12.2026 – 12.01.2027; expires_on 13.01.2027."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.services import payment_register
from config.formats import format_paid_through
from orders.models import Subscription
from orders.services import order_confirm, order_create
from tests.factories import ClientFactory, ResellerPlanFactory, VendorPlanFactory, msk
from tests.portal.conftest import portal_for

from .conftest import sign_in

pytestmark = pytest.mark.django_db

PAID = '<td data-label="Оплачено по">12.01.2027</td>'


@pytest.fixture
def sub() -> Subscription:
    plan = ResellerPlanFactory(
        vendor_plan=VendorPlanFactory(min_seats=5, purchase_price=Decimal("60.00")),
        seat_price=Decimal("100.00"),
    )
    client = ClientFactory(reseller=plan.reseller)
    sub = order_confirm(order=order_create(client=client, reseller_plan=plan), at=msk(2026, 12, 14))
    payment_register(client=client, amount=Decimal("1000.00"), at=msk(2026, 12, 14, 13))
    sub.refresh_from_db()
    assert sub.expires_on == date(2027, 1, 13)
    return sub


def test_the_filter_reads_the_day_before_an_exclusive_end():
    assert format_paid_through(date(2027, 1, 13)) == "12.01.2027"
    assert format_paid_through("2027-03-01") == "28.02.2027"
    assert format_paid_through(None) == "—"


def test_panel_pages_show_the_last_paid_day(sub):
    panel = sign_in(sub.client.reseller)
    for url in (
        reverse("accounts:client-detail", args=[sub.client_id]),
        reverse("subscriptions:list"),
    ):
        html = panel.get(url).content.decode()
        assert PAID in html, url
        assert "Действует до" not in html
    html = panel.get(reverse("subscriptions:detail", args=[sub.pk])).content.decode()
    assert "<dt>Оплачено по</dt><dd>12.01.2027</dd>" in html
    # The period reads inclusive; the closing day of its last charge is a debit date.
    assert "14.12.2026 – 12.01.2027" in html
    assert '<th scope="col">Дата списания</th>' in html and "Закрывается" not in html


def test_portal_pages_show_the_last_paid_day(sub):
    portal = portal_for(sub.client)
    html = portal.get(reverse("portal:subscriptions")).content.decode()
    assert PAID in html and "Действует до" not in html
    html = portal.get(reverse("portal:subscription", args=[sub.pk])).content.decode()
    assert "<dt>Оплачено по</dt><dd>12.01.2027</dd>" in html


def test_the_activation_notification_page_shows_the_last_paid_day(sub):
    from eset_gateway.services import gateway_drain
    from notifications.models import Notification

    gateway_drain(at=msk(2026, 12, 14, 13, 5))
    note = Notification.objects.get(kind="activation_data", subscription=sub)
    assert note.payload["expires_on"] == "2027-01-13"
    html = (
        sign_in(sub.client.reseller)
        .get(reverse("notifications:detail", args=[note.pk]))
        .content.decode()
    )
    assert "<dt>Оплачено по (включительно)</dt><dd>12.01.2027</dd>" in html
    assert "Оплачено по: 12.01.2027 включительно" in note.body
