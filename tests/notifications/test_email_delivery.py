"""E-mail delivery under faults (issue 9, item 8): an SMTP outage of an hour, a worker killed
while sending, a server that accepts and never answers; and "send again"."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.urls import reverse

from config.errors import Conflict
from notifications.models import EmailStatus, Notification
from notifications.services import (
    EMAIL_LEASE,
    MAX_EMAIL_ATTEMPTS,
    email_drain,
    email_retry_delay,
    notification_email_resend,
    notify,
)
from tests.factories import msk
from tests.notifications.test_notifications import FAILING, LOCMEM, spec

pytestmark = pytest.mark.django_db

T0 = msk(2027, 1, 10, 12)


def test_retry_delays_double_from_a_minute_up_to_two_hours():
    minutes = [email_retry_delay(n) / timedelta(minutes=1) for n in range(1, MAX_EMAIL_ATTEMPTS)]
    assert minutes == [1, 2, 4, 8, 16, 32, 64, 120, 120]
    # Given up about six hours after the first attempt, not within a minute.
    assert sum(minutes) == 367


class Smtp:
    """The simulated clock of the outage and the attempts the server saw."""

    now = T0
    down_until = T0
    attempts: Counter = Counter()


class OutageBackend(LocmemBackend):
    """Refuses every message while the simulated clock is before `down_until`."""

    def send_messages(self, messages):
        for message in messages:
            Smtp.attempts[message.to[0]] += 1
        if Smtp.now < Smtp.down_until:
            raise ConnectionRefusedError(111, "Connection refused")
        return super().send_messages(messages)


def test_an_hour_of_smtp_refusing_then_back_sends_each_email_once(settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_email_delivery.OutageBackend"
    Smtp.attempts = Counter()
    Smtp.down_until = T0 + timedelta(hours=1)
    notify(specs=[spec(key=f"k{i}", email_to=f"owner{i}@example.com") for i in range(3)], at=T0)

    # Beat's drain every minute for three hours of simulated time.
    sent_at = {}
    for minute in range(180):
        Smtp.now = T0 + timedelta(minutes=minute)
        result = email_drain(at=Smtp.now)
        if result.sent:
            sent_at[minute] = result.sent

    # Tried at 0, 1, 3, 7, 15, 31 minutes (refused), then at 63, after the outage: sent.
    assert sent_at == {63: 3}
    assert sorted(m.to[0] for m in mail.outbox) == [f"owner{i}@example.com" for i in range(3)]
    assert Smtp.attempts == {f"owner{i}@example.com": 7 for i in range(3)}
    rows = list(Notification.objects.values_list("email_status", "email_attempts", "emailed_at"))
    assert rows == [(EmailStatus.SENT, 7, T0 + timedelta(minutes=63))] * 3


def test_a_failed_attempt_waits_for_its_backoff(settings):
    notify(specs=[spec()], at=T0)
    settings.EMAIL_BACKEND = FAILING
    assert email_drain(at=T0).failed == 1
    n = Notification.objects.get()
    assert (n.email_status, n.email_attempts, n.email_next_attempt_at, n.email_locked_until) == (
        EmailStatus.PENDING,
        1,
        T0 + timedelta(minutes=1),
        None,
    )
    settings.EMAIL_BACKEND = LOCMEM
    # Not due yet: a drain a second early sends nothing.
    assert email_drain(at=T0 + timedelta(seconds=59)).sent == 0
    assert mail.outbox == []
    assert email_drain(at=T0 + timedelta(minutes=1)).sent == 1


class Killed(BaseException):
    """What the worker's death looks like from inside the drain: nothing after it runs."""


class KilledBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise Killed


def test_a_send_killed_midway_is_taken_back_after_its_lease_and_sent_once(settings):
    notify(specs=[spec()], at=T0)
    settings.EMAIL_BACKEND = "tests.notifications.test_email_delivery.KilledBackend"
    with pytest.raises(Killed):
        email_drain(at=T0)
    n = Notification.objects.get()
    assert (n.email_status, n.email_attempts, n.email_locked_until) == (
        EmailStatus.SENDING,
        1,
        T0 + EMAIL_LEASE,
    )

    settings.EMAIL_BACKEND = LOCMEM
    # While the lease runs, the row is another drain's: not sent, not touched.
    assert email_drain(at=T0 + EMAIL_LEASE - timedelta(seconds=1)).sent == 0
    n.refresh_from_db()
    assert (n.email_status, n.email_attempts) == (EmailStatus.SENDING, 1)
    assert mail.outbox == []

    after = T0 + EMAIL_LEASE
    assert email_drain(at=after).sent == 1
    assert email_drain(at=after + timedelta(hours=1)).sent == 0
    assert len(mail.outbox) == 1
    n.refresh_from_db()
    assert (n.email_status, n.email_attempts, n.emailed_at, n.email_locked_until) == (
        EmailStatus.SENT,
        2,
        after,
        None,
    )


class StalledSmtpServer:
    """A TCP server that accepts connections and never says a word (no SMTP greeting)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def stalled_smtp(settings):
    with StalledSmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_TIMEOUT = 0.5
        yield server


def test_a_stalled_smtp_server_costs_one_timeout_per_attempt(stalled_smtp):
    notify(specs=[spec()], at=T0)
    started = time.monotonic()
    result = email_drain(at=T0)
    elapsed = time.monotonic() - started
    assert (result.sent, result.failed) == (0, 1)
    assert 0.4 < elapsed < 5  # EMAIL_TIMEOUT, not for ever
    assert len(stalled_smtp.held) == 1  # it did reach the server
    n = Notification.objects.get()
    assert (n.email_status, n.email_attempts, n.email_next_attempt_at) == (
        EmailStatus.PENDING,
        1,
        T0 + timedelta(minutes=1),
    )
    assert "timed out" in n.email_error


def test_email_timeout_comes_from_the_environment_with_a_default():
    from django.conf import settings

    assert settings.EMAIL_TIMEOUT == 10.0


# --------------------------------------------------------------------------- send again


def given_up(settings) -> Notification:
    notify(specs=[spec()], at=T0)
    settings.EMAIL_BACKEND = FAILING
    at = T0
    for attempt in range(1, MAX_EMAIL_ATTEMPTS + 1):
        email_drain(at=at)
        at += email_retry_delay(attempt)
    settings.EMAIL_BACKEND = LOCMEM
    n = Notification.objects.get()
    assert (n.email_status, n.email_attempts) == (EmailStatus.FAILED, MAX_EMAIL_ATTEMPTS)
    return n


def test_resend_brings_a_failed_email_back_with_fresh_attempts(
    settings, django_capture_on_commit_callbacks
):
    n = given_up(settings)
    at = T0 + timedelta(days=1)
    with (
        time_machine.travel(at, tick=False),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        notification_email_resend(notification=n, at=at)
    # The drain is asked at once (eager in tests) and sends it.
    assert len(callbacks) == 1
    assert [m.to for m in mail.outbox] == [["owner@example.com"]]
    n.refresh_from_db()
    assert (n.email_status, n.email_attempts, n.email_error) == (EmailStatus.SENT, 1, "")


@pytest.mark.parametrize("status", [EmailStatus.PENDING, EmailStatus.SENT, EmailStatus.SKIPPED])
def test_resend_refuses_an_email_that_did_not_fail(status):
    notify(specs=[spec()], at=T0)
    Notification.objects.update(email_status=status, email_attempts=3)
    n = Notification.objects.get()
    with pytest.raises(Conflict) as refused:
        notification_email_resend(notification=n, at=T0)
    assert refused.value.field == "email_status"
    n.refresh_from_db()
    assert (n.email_status, n.email_attempts) == (status, 3)


def test_panel_journal_offers_send_again_for_a_failed_email(settings):
    from tests.panel.conftest import sign_in

    n = given_up(settings)
    panel = sign_in(n.reseller)
    page = panel.get(reverse("notifications:detail", args=[n.pk])).content.decode()
    resend = reverse("notifications:resend", args=[n.pk])
    assert f'action="{resend}"' in page
    assert "Отправить e-mail снова" in page

    response = panel.post(resend)
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:detail", args=[n.pk])
    n.refresh_from_db()
    # Pending again, due at once (the drain ran on commit only outside the test transaction).
    assert (n.email_status, n.email_attempts, n.email_error) == (EmailStatus.PENDING, 0, "")
    assert (
        "E-mail поставлен в очередь на отправку."
        in panel.get(response["Location"]).content.decode()
    )
    # Not offered again once it is pending; a second POST is refused with a message.
    assert f'action="{resend}"' not in panel.get(response["Location"]).content.decode()
    response = panel.post(resend, follow=True)
    assert "Отправить снова можно только e-mail, отправка которого не удалась." in (
        response.content.decode()
    )
    n.refresh_from_db()
    assert n.email_status == EmailStatus.PENDING


def test_panel_send_again_of_another_resellers_notification_is_a_404(settings):
    from tests.factories import ResellerFactory
    from tests.panel.conftest import sign_in

    n = given_up(settings)
    other = sign_in(ResellerFactory())
    assert other.post(reverse("notifications:resend", args=[n.pk])).status_code == 404
    n.refresh_from_db()
    assert n.email_status == EmailStatus.FAILED


def test_admin_action_sends_again_only_failed_emails(settings, admin_client):
    n = given_up(settings)
    notify(specs=[spec(key="sent-one")], at=T0)
    sent = Notification.objects.get(key="sent-one")
    Notification.objects.filter(pk=sent.pk).update(email_status=EmailStatus.SENT)
    response = admin_client.post(
        reverse("admin:notifications_notification_changelist"),
        {"action": "email_resend", "_selected_action": [n.pk, sent.pk]},
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Поставлено в очередь на отправку: 1" in html
    assert "Пропущено (не с ошибкой отправки): 1" in html
    n.refresh_from_db()
    sent.refresh_from_db()
    assert (n.email_status, n.email_attempts) == (EmailStatus.PENDING, 0)
    assert sent.email_status == EmailStatus.SENT


def test_the_drain_task_takes_its_limit_and_by_default_the_whole_batch(settings):
    """A task with a limit sends that many of the due e-mails, oldest first (several
    workers share a backlog so); without one it sends all that are due, as beat's does."""
    from notifications.tasks import email_drain_task

    notify(specs=[spec(key=f"t{i}", email_to=f"owner{i}@example.com") for i in range(5)], at=T0)
    email_drain_task.delay(limit=2)
    assert [m.to[0] for m in mail.outbox] == ["owner0@example.com", "owner1@example.com"]
    assert Notification.objects.filter(email_status=EmailStatus.SENT).count() == 2

    email_drain_task.delay()
    assert len(mail.outbox) == 5
    assert Notification.objects.exclude(email_status=EmailStatus.SENT).count() == 0
