"""The client's notification journal (S9): its own notifications only, the activation data
in full, mark-read by POST."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Client
from billing.services import payment_register
from config.formats import format_paid_through
from eset_gateway.services import gateway_drain
from notifications.models import Notification, NotificationKind
from notifications.services import NotificationSpec, notify
from orders.services import order_confirm, order_create
from tests.factories import ClientFactory, ResellerPlanFactory, msk

pytestmark = pytest.mark.django_db

AT = msk(2026, 12, 14, 15, 30)
ACTIVATION = {
    "license_key": "AAAA-BBBB-CCCC-DDDD-EEEE",
    "public_license_id": "3AB-7YC-K9D",
    "product": "ESET PROTECT Entry",
    "seats": 5,
    "expires_on": "2027-01-14",
}


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def note(client: Client, *, to_reseller: bool = False) -> Notification:
    n = Notification.objects.count()
    notify(
        specs=[
            NotificationSpec(
                kind=NotificationKind.ACTIVATION_DATA,
                key=f"test:{client.pk}:{n}",
                reseller_id=client.reseller_id,
                client_id=client.pk,
                subscription_id=None,
                recipient_id=None if to_reseller else client.owner_id,
                email_to=client.email,
                payload=ACTIVATION,
            )
        ],
        at=AT,
    )
    return Notification.objects.latest("id")


def test_list_shows_the_clients_own_notifications(portal, client_, reseller):
    mine = note(client_)
    resellers_copy = note(client_, to_reseller=True)
    foreign = note(ClientFactory(reseller=reseller))
    html = html_of(portal.get(reverse("portal:notifications")))
    assert "Журнал уведомлений" in html and "Непрочитанных: 1" in html
    assert "данные активации" in html and "14.12.2026 15:30" in html
    assert reverse("portal:notification", args=[mine.pk]) in html
    assert reverse("portal:notification", args=[resellers_copy.pk]) not in html
    assert reverse("portal:notification", args=[foreign.pk]) not in html


def test_another_clients_notification_is_404(portal, reseller):
    foreign = note(ClientFactory(reseller=reseller))
    assert portal.get(reverse("portal:notification", args=[foreign.pk])).status_code == 404
    assert portal.post(reverse("portal:notification-read", args=[foreign.pk])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.read_at is None


def test_mark_read_is_post_only(portal, client_):
    notification = note(client_)
    url = reverse("portal:notification-read", args=[notification.pk])
    assert portal.get(url).status_code == 405
    response = portal.post(url, follow=True)
    assert "Уведомление отмечено как прочитанное." in html_of(response)
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_the_activation_data_of_a_drained_licence_appears_in_full(portal, client_, reseller):
    plan = ResellerPlanFactory(reseller=reseller, seat_price=Decimal("100.00"))
    order = order_create(client=client_, reseller_plan=plan, seats=5, by=client_.owner)
    order_confirm(order=order, at=AT)
    order.refresh_from_db()
    payment_register(client=client_, amount=order.amount_due, at=AT, order=order)
    gateway_drain(at=AT)
    activation = Notification.objects.get(
        kind=NotificationKind.ACTIVATION_DATA, recipient=client_.owner
    )
    assert reverse("portal:notification", args=[activation.pk]) in html_of(
        portal.get(reverse("portal:notifications"))
    )
    html = html_of(portal.get(reverse("portal:notification", args=[activation.pk])))
    assert "Данные активации" in html and "Лицензионный ключ" in html
    payload = activation.payload
    assert payload["license_key"] and payload["license_key"] in html
    assert payload["public_license_id"] in html and payload["product"] in html
    # expires_on is exclusive: the page shows the last paid day, the day before it.
    assert payload["expires_on"] and format_paid_through(payload["expires_on"]) in html
    assert f"<dd>{payload['seats']}</dd>" in html
    assert "Отметить прочитанным" in html


def test_the_journal_takes_a_fixed_number_of_queries(portal, client_):
    for _ in range(3):
        note(client_)
    with CaptureQueriesContext(connection) as few:
        html_of(portal.get(reverse("portal:notifications")))
    for _ in range(27):
        note(client_)
    with CaptureQueriesContext(connection) as many:
        html_of(portal.get(reverse("portal:notifications")))
    assert len(many) == len(few)
