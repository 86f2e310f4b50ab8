"""The notification journal (S9, DESIGN.md §3, §12): rendered in Russian from
templates/notifications/*.txt, one row per event key, e-mailed through Django's mail
backend (locmem in tests: django.core.mail.outbox) with failures recorded and retried."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import translation

from billing.services import billing_run, payment_register
from notifications.models import EmailStatus, Notification, NotificationKind
from notifications.services import (
    MAX_EMAIL_ATTEMPTS,
    NotificationSpec,
    email_drain,
    email_retry_delay,
    notification_mark_read,
    notify,
    render,
)
from orders.services import order_confirm, order_create
from tests.factories import ClientFactory, ResellerPlanFactory, VendorPlanFactory, msk
from tests.invariants import assert_invariants

pytestmark = pytest.mark.django_db

FAILING = "tests.notifications.test_notifications.FailingBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP down")


def spec(key="test:1", email_to="owner@example.com", **payload):
    client = ClientFactory()
    return NotificationSpec(
        kind=NotificationKind.PAYMENT_RECEIVED,
        key=key,
        reseller_id=client.reseller_id,
        client_id=client.pk,
        subscription_id=None,
        recipient_id=client.owner_id,
        email_to=email_to,
        payload={"client": "ООО Ромашка", "amount": "10.00", "reference": "", "balance": "10.00"}
        | payload,
    )


# --------------------------------------------------------------------------- rendering


def test_payment_received_rendered_in_russian_with_its_payload():
    client = ClientFactory(name="ООО Ромашка")
    at = msk(2027, 1, 10, 9)
    payment = payment_register(client=client, amount=Decimal("1000.00"), at=at, reference="п/п 15")
    n = Notification.objects.get(kind=NotificationKind.PAYMENT_RECEIVED)
    assert n.subject == "Платёж получен: 1 000,00 ₽"
    assert n.body == (
        "Здравствуйте!\n\n"
        "На баланс клиента «ООО Ромашка» зачислен платёж 1 000,00 ₽ (п/п 15).\n"
        "Баланс: 1 000,00 ₽."
    )
    assert n.payload == {
        "client": "ООО Ромашка",
        "amount": "1000.00",
        "reference": "п/п 15",
        "balance": "1000.00",
        "payment_id": payment.pk,
    }
    assert (n.recipient_id, n.client_id, n.reseller_id, n.subscription_id) == (
        client.owner_id,
        client.pk,
        client.reseller_id,
        None,
    )
    assert (n.email_to, n.email_status, n.created_at, n.read_at) == (
        client.email,
        EmailStatus.PENDING,
        at,
        None,
    )
    assert n.key == f"payment_received:payment:{payment.pk}"


def test_renewal_notifications_carry_their_figures():
    plan = ResellerPlanFactory(
        vendor_plan=VendorPlanFactory(name="ESET PROTECT Advanced"),
        seat_price=Decimal("100.00"),
    )
    client = ClientFactory(reseller=plan.reseller, name="Клиент")
    sub = order_confirm(
        order=order_create(client=client, reseller_plan=plan, seats=5), at=msk(2026, 12, 14, 10)
    )
    payment_register(client=client, amount=Decimal("483.87"), at=msk(2026, 12, 14, 11))
    billing_run(day=date(2027, 1, 13))

    owner_note, reseller_note = Notification.objects.filter(
        kind=NotificationKind.RENEWAL_FAILED
    ).order_by("id")
    assert (owner_note.recipient_id, reseller_note.recipient_id) == (client.owner_id, None)
    assert reseller_note.email_to == plan.reseller.email
    assert (
        owner_note.subject
        == "Подписка приостановлена: недостаточно средств (ESET PROTECT Advanced)"
    )
    assert owner_note.body == (
        "Здравствуйте!\n\n"
        "Подписку «ESET PROTECT Advanced» клиента «Клиент» не удалось продлить: на балансе "
        "недостаточно средств.\n"
        "Подписка приостановлена с 13.01.2027, лицензия ESET приостановлена.\n"
        "Для возобновления пополните баланс на 502,88 ₽ (стоимость нового периода 502,88 ₽).\n"
        "Если оплата не поступит до 12.02.2027, подписка будет отменена."
    )
    assert owner_note.payload == {
        "subscription_id": sub.pk,
        "product": "ESET PROTECT Advanced",
        "client": "Клиент",
        "seats": 5,
        "expires_on": "2027-01-13",
        "suspended_on": "2027-01-13",
        "amount": "502.88",
        "amount_due": "502.88",
        "cancel_on": "2027-02-12",
    }
    assert reseller_note.body == owner_note.body

    # Paid later: resumed, with the new period in the text.
    payment_register(client=client, amount=Decimal("514.98"), at=msk(2027, 1, 20, 10))
    resumed = Notification.objects.get(kind=NotificationKind.RESUMED)
    assert resumed.subject == "Подписка возобновлена: ESET PROTECT Advanced"
    assert resumed.body == (
        "Здравствуйте!\n\n"
        "Подписка «ESET PROTECT Advanced» оплачена и возобновлена с 20.01.2027. Новый "
        "сервисный период — по 18.02.2027 включительно.\n"
        "Рабочих мест: 5. Сумма периода: 514,98 ₽."
    )
    assert set(resumed.payload) == {
        "subscription_id",
        "product",
        "client",
        "seats",
        "expires_on",
        "starts_on",
        "last_day",
        "amount",
    }
    assert resumed.payload["expires_on"] == "2027-02-19"
    assert_invariants(day=date(2027, 1, 20))


def test_activation_data_template_carries_the_licence():
    subject, body = render(
        kind=NotificationKind.ACTIVATION_DATA,
        payload={
            "product": "ESET PROTECT Entry",
            "public_license_id": "3AB-C4D-E5F",
            "license_key": "AB12-CD34-EF56-GH78-IJ90",
            "seats": 5,
            "expires_on": "2027-01-13",
        },
    )
    assert subject == "Подписка ESET активирована: ESET PROTECT Entry"
    assert "Публичный ID лицензии: 3AB-C4D-E5F" in body
    assert "Ключ активации: AB12-CD34-EF56-GH78-IJ90" in body
    assert "Рабочих мест: 5" in body
    assert "Оплачено по: 12.01.2027 включительно" in body


def test_seats_changed_template_reminds_to_reactivate():
    subject, body = render(
        kind=NotificationKind.SEATS_CHANGED,
        payload={
            "product": "ESET PROTECT Entry",
            "public_license_id": "3AB-C4D-E5F",
            "license_key": "ZZ12-CD34-EF56-GH78-IJ90",
            "seats": 8,
            "previous_seats": 5,
            "effective_on": "2026-12-21",
        },
    )
    assert subject == "Изменено число рабочих мест: ESET PROTECT Entry"
    assert "изменено с 5 на 8 на сервере ESET с 21.12.2026." in body
    assert "Ключ активации: ZZ12-CD34-EF56-GH78-IJ90" in body
    assert "повторно активируйте рабочие станции" in body


def test_rendered_in_russian_whatever_the_active_language():
    payload = {"client": "К", "amount": "5.00", "reference": "", "balance": "5.00"}
    with translation.override("en"):
        english_request = render(kind=NotificationKind.PAYMENT_RECEIVED, payload=payload)
    assert english_request == (
        "Платёж получен: 5,00 ₽",
        "Здравствуйте!\n\nНа баланс клиента «К» зачислен платёж 5,00 ₽.\nБаланс: 5,00 ₽.",
    )


def test_plain_text_is_not_html_escaped():
    # Russian company names are quoted: ООО "Рога & Копыта".
    client = ClientFactory(name='ООО "Рога & Копыта"')
    payment_register(client=client, amount=Decimal("10.00"), at=msk(2027, 1, 10))
    n = Notification.objects.get(kind=NotificationKind.PAYMENT_RECEIVED)
    # Regression (fixed in 2a79986): Django's default autoescape turned the plain-text
    # body into «ООО &quot;Рога &amp; Копыта&quot;».
    assert 'На баланс клиента «ООО "Рога & Копыта"» зачислен' in n.body


@pytest.mark.parametrize("kind", NotificationKind.values)
def test_no_template_html_escapes(kind):
    tricky = 'ООО "Рога & Копыта" <1>'
    payload = {
        key: tricky
        for key in (
            "product",
            "client",
            "reason",
            "command",
            "error",
            "reference",
            "license_key",
            "public_license_id",
        )
    } | {
        "amount": "1.00",
        "amount_due": "1.00",
        "balance": "1.00",
        "seats": 2,
        "previous_seats": 1,
        "subscription_id": 7,
    }
    subject, body = render(kind=kind, payload=payload)
    text = subject + "\n" + body
    assert subject
    assert tricky in text
    for entity in ("&quot;", "&amp;", "&lt;", "&gt;", "&#x27;"):
        assert entity not in text


# --------------------------------------------------------------------------- journal


def test_notify_is_idempotent_by_key():
    s = spec(key="payment_received:payment:999")
    assert notify(specs=[s], at=msk(2027, 1, 10)) == 1
    assert notify(specs=[s], at=msk(2027, 1, 11)) == 0
    other = spec(key="payment_received:payment:1000")
    assert notify(specs=[s, other], at=msk(2027, 1, 12)) == 1
    assert list(Notification.objects.order_by("id").values_list("key", "created_at")) == [
        ("payment_received:payment:999", msk(2027, 1, 10)),
        ("payment_received:payment:1000", msk(2027, 1, 12)),
    ]
    assert notify(specs=[], at=msk(2027, 1, 12)) == 0


def test_billing_run_twice_notifies_once():
    plan = ResellerPlanFactory()
    client = ClientFactory(reseller=plan.reseller)
    order_confirm(
        order=order_create(client=client, reseller_plan=plan, seats=5), at=msk(2026, 12, 14, 10)
    )
    payment_register(client=client, amount=Decimal("483.87"), at=msk(2026, 12, 14, 11))
    billing_run(day=date(2027, 1, 13))
    billing_run(day=date(2027, 1, 13))
    billing_run(day=date(2027, 1, 14))
    assert Notification.objects.filter(kind=NotificationKind.RENEWAL_FAILED).count() == 2


def test_mark_read_once():
    notify(specs=[spec()], at=msk(2027, 1, 10))
    n = Notification.objects.get()
    notification_mark_read(notification=n, at=msk(2027, 1, 11))
    notification_mark_read(notification=n, at=msk(2027, 1, 12))
    n.refresh_from_db()
    assert n.read_at == msk(2027, 1, 11)


# --------------------------------------------------------------------------- e-mail


def test_email_drain_sends_and_records():
    client = ClientFactory(name="Клиент")
    payment_register(client=client, amount=Decimal("10.00"), at=msk(2027, 1, 10))
    assert mail.outbox == []  # nothing is sent inside the transaction
    at = msk(2027, 1, 10, 12, 1)
    result = email_drain(at=at)
    assert (result.sent, result.failed) == (1, 0)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert (message.subject, message.to) == ("Платёж получен: 10,00 ₽", [client.email])
    assert message.body.startswith("Здравствуйте!\n\nНа баланс клиента «Клиент»")
    n = Notification.objects.get()
    assert (n.email_status, n.emailed_at, n.email_attempts, n.email_error) == (
        EmailStatus.SENT,
        at,
        1,
        "",
    )


def test_email_drain_sends_each_notification_once():
    notify(specs=[spec(key="a"), spec(key="b")], at=msk(2027, 1, 10))
    result = email_drain(at=msk(2027, 1, 10, 0, 1))
    assert (result.sent, result.failed) == (2, 0)
    again = email_drain(at=msk(2027, 1, 10, 0, 2))
    assert (again.sent, again.failed) == (0, 0)
    assert len(mail.outbox) == 2


def test_notification_without_address_is_not_emailed():
    notify(specs=[spec(email_to="")], at=msk(2027, 1, 10))
    n = Notification.objects.get()
    assert n.email_status == EmailStatus.SKIPPED
    assert email_drain(at=msk(2027, 1, 10, 0, 1)).sent == 0
    assert mail.outbox == []


def test_failing_backend_records_the_error_and_retries(settings):
    notify(specs=[spec()], at=msk(2027, 1, 10))
    settings.EMAIL_BACKEND = FAILING
    result = email_drain(at=msk(2027, 1, 10, 0, 1))
    assert (result.sent, result.failed) == (0, 1)
    n = Notification.objects.get()
    assert (n.email_status, n.email_attempts, n.email_error, n.emailed_at) == (
        EmailStatus.PENDING,
        1,
        "SMTP down",
        None,
    )

    settings.EMAIL_BACKEND = LOCMEM
    at = msk(2027, 1, 10, 0, 2)
    result = email_drain(at=at)
    assert (result.sent, result.failed) == (1, 0)
    n.refresh_from_db()
    assert (n.email_status, n.email_attempts, n.email_error, n.emailed_at) == (
        EmailStatus.SENT,
        2,
        "",
        at,
    )
    assert len(mail.outbox) == 1


def test_email_gives_up_after_the_last_attempt(settings):
    notify(specs=[spec()], at=msk(2027, 1, 10))
    settings.EMAIL_BACKEND = FAILING
    at = msk(2027, 1, 10, 1)
    for attempt in range(1, MAX_EMAIL_ATTEMPTS + 1):
        assert email_drain(at=at).failed == 1
        at += email_retry_delay(attempt)  # each attempt when it falls due (backoff)
    n = Notification.objects.get()
    assert (n.email_status, n.email_attempts, n.email_error) == (
        EmailStatus.FAILED,
        MAX_EMAIL_ATTEMPTS,
        "SMTP down",
    )
    settings.EMAIL_BACKEND = LOCMEM
    assert email_drain(at=at + timedelta(days=1)).sent == 0
    assert mail.outbox == []


def test_notify_emails_after_commit(django_capture_on_commit_callbacks):
    client = ClientFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        payment_register(client=client, amount=Decimal("10.00"), at=msk(2027, 1, 10))
    assert len(callbacks) == 1
    assert [m.subject for m in mail.outbox] == ["Платёж получен: 10,00 ₽"]
    assert Notification.objects.get().email_status == EmailStatus.SENT
