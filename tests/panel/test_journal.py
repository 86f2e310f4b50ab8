"""The notification journal (S9): every notification of the reseller and its clients,
filters, the activation data in full, mark read."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Client, Reseller
from billing.services import payment_register
from eset_gateway.services import gateway_drain
from notifications.models import Notification, NotificationKind
from notifications.services import NotificationSpec, notify
from orders.services import order_confirm, order_create
from tests.factories import ClientFactory, ResellerFactory, ResellerPlanFactory, msk

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


def note(client: Client, kind: str = NotificationKind.ACTIVATION_DATA, **payload) -> Notification:
    n = Notification.objects.count()
    notify(
        specs=[
            NotificationSpec(
                kind=kind,
                key=f"test:{client.pk}:{kind}:{n}",
                reseller_id=client.reseller_id,
                client_id=client.pk,
                subscription_id=None,
                recipient_id=client.owner_id,
                email_to=client.email,
                payload={**ACTIVATION, "client": client.name, **payload},
            )
        ],
        at=AT,
    )
    return Notification.objects.latest("id")


def reseller_note(reseller: Reseller) -> Notification:
    notify(
        specs=[
            NotificationSpec(
                kind=NotificationKind.RENEWAL_FAILED,
                key=f"test:reseller:{reseller.pk}",
                reseller_id=reseller.pk,
                client_id=None,
                subscription_id=None,
                recipient_id=None,
                email_to=reseller.email,
                payload={"product": "ESET PROTECT Entry", "client": "ООО Ромашка"},
            )
        ],
        at=AT,
    )
    return Notification.objects.latest("id")


# --- list ---------------------------------------------------------------------------------


def test_list_shows_the_resellers_and_its_clients_notifications(panel, reseller):
    client = ClientFactory(reseller=reseller, name="ООО Ромашка")
    mine = note(client)
    to_me = reseller_note(reseller)
    foreign = note(ClientFactory(reseller=ResellerFactory(), name="Чужой"))
    html = html_of(panel.get(reverse("notifications:list")))
    assert "Журнал уведомлений" in html
    assert "Непрочитанных: 2" in html
    assert "данные активации" in html and "продление не удалось" in html
    assert mine.subject in html and to_me.subject in html and "ООО Ромашка" in html
    assert "14.12.2026 15:30" in html  # Moscow time
    assert reverse("notifications:detail", args=[foreign.pk]) not in html
    assert "Чужой" not in html


def test_list_filters_by_client_kind_and_read_state(panel, reseller):
    first = ClientFactory(reseller=reseller, name="ООО Ромашка")
    second = ClientFactory(reseller=reseller, name="АО Василёк")
    a = note(first)
    b = note(first, kind=NotificationKind.PAYMENT_RECEIVED, amount="10.00", balance="10.00")
    c = note(second)
    Notification.objects.filter(pk=a.pk).update(read_at=AT)
    url = reverse("notifications:list")

    def shown(params) -> set[int]:
        html = html_of(panel.get(url, params))
        return {n.pk for n in (a, b, c) if reverse("notifications:detail", args=[n.pk]) in html}

    assert shown({"client": first.pk}) == {a.pk, b.pk}
    assert shown({"kind": "activation_data"}) == {a.pk, c.pk}
    assert shown({"read": "unread"}) == {b.pk, c.pk}
    assert shown({"read": "read", "client": first.pk}) == {a.pk}
    assert shown({"kind": "nonsense"}) == {a.pk, b.pk, c.pk}


def test_list_takes_a_fixed_number_of_queries(panel, reseller):
    client = ClientFactory(reseller=reseller)
    for _ in range(3):
        note(client)
    with CaptureQueriesContext(connection) as few:
        html_of(panel.get(reverse("notifications:list")))
    for _ in range(27):
        note(ClientFactory(reseller=reseller))
    with CaptureQueriesContext(connection) as many:
        html_of(panel.get(reverse("notifications:list")))
    assert len(many) == len(few)


# --- detail and mark read -----------------------------------------------------------------


def test_detail_shows_the_activation_data_in_full(panel, reseller):
    notification = note(ClientFactory(reseller=reseller, name="ООО Ромашка"))
    html = html_of(panel.get(reverse("notifications:detail", args=[notification.pk])))
    assert notification.subject in html
    assert "Данные активации" in html
    # expires_on 14.01.2027 is exclusive: the page reads the last paid day, 13.01.2027.
    for text in ("AAAA-BBBB-CCCC-DDDD-EEEE", "3AB-7YC-K9D", "ESET PROTECT Entry", "13.01.2027"):
        assert text in html
    assert "Ключ активации: AAAA-BBBB-CCCC-DDDD-EEEE" in html  # the body, as sent
    assert "Отметить прочитанным" in html


def test_the_activation_notification_of_a_paid_order_reaches_the_journal(panel, reseller):
    client = ClientFactory(reseller=reseller, name="ООО Ромашка")
    plan = ResellerPlanFactory(reseller=reseller, seat_price=Decimal("100.00"))
    order = order_create(client=client, reseller_plan=plan, seats=5)
    order_confirm(order=order, at=AT)
    order.refresh_from_db()
    payment_register(client=client, amount=order.amount_due, at=AT, order=order)
    gateway_drain(at=AT)
    activation = Notification.objects.get(kind=NotificationKind.ACTIVATION_DATA)
    html = html_of(panel.get(reverse("notifications:detail", args=[activation.pk])))
    assert "Данные активации" in html
    assert activation.payload["license_key"] and activation.payload["license_key"] in html
    assert activation.payload["public_license_id"] in html


def test_mark_read_is_post_only_and_records_the_moment(panel, reseller):
    notification = note(ClientFactory(reseller=reseller))
    url = reverse("notifications:read", args=[notification.pk])
    assert panel.get(url).status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None
    response = panel.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:detail", args=[notification.pk])
    notification.refresh_from_db()
    assert notification.read_at is not None
    html = html_of(panel.get(response["Location"]))
    assert "Уведомление отмечено как прочитанное." in html and "Прочитано" in html
    assert "Непрочитанных: 0" in html_of(panel.get(reverse("notifications:list")))


def test_another_resellers_notification_is_404(panel):
    foreign = note(ClientFactory(reseller=ResellerFactory()))
    assert panel.get(reverse("notifications:detail", args=[foreign.pk])).status_code == 404
    assert panel.post(reverse("notifications:read", args=[foreign.pk])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.read_at is None
    assert panel.get(reverse("notifications:detail", args=[999999])).status_code == 404


def test_pages_require_sign_in(client, reseller):
    notification = note(ClientFactory(reseller=reseller))
    for url in (
        reverse("notifications:list"),
        reverse("notifications:detail", args=[notification.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    response = client.post(reverse("notifications:read", args=[notification.pk]))
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is None
