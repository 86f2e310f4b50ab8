"""Notifications in the reader's language: the stored subject and body are the Russian
record of what was sent; an English reader sees the same notification rendered from its
payload with templates/notifications/en/<kind>.txt."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from core.reasons import reason_text
from notifications.models import Notification, NotificationKind
from notifications.texts import notification_text

CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)
TEMPLATES = Path(settings.BASE_DIR) / "templates" / "notifications"

# Every key any template reads, with Latin values: whatever Cyrillic shows is untranslated.
PAYLOAD = {
    "product": "ESET PROTECT Entry",
    "client": "Romashka LLC",
    "license_key": "AAAA-BBBB-CCCC-DDDD-EEEE",
    "public_license_id": "3AB-7YC-K9D",
    "seats": 7,
    "previous_seats": 5,
    "expires_on": "2027-01-14",
    "effective_on": "2026-12-01",
    "starts_on": "2026-12-14",
    "last_day": "2027-01-13",
    "suspended_on": "2026-12-14",
    "cancel_on": "2026-12-28",
    "cancelled_on": "2026-12-28",
    "amount": "1234.50",
    "amount_due": "234.50",
    "balance": "5000.00",
    "reference": "INV-1",
    "command": "license_order",
    "subscription_id": 42,
    "error": "subcode 23",
    "reason": "insufficient_funds",
}


def _notification(kind: str, payload: dict | None = None) -> Notification:
    return Notification(
        kind=kind, subject="Тема", body="Текст", payload=dict(payload or PAYLOAD), key=kind
    )


@pytest.mark.parametrize("kind", NotificationKind.values)
def test_every_kind_has_an_english_template_with_no_russian_left(kind):
    assert (TEMPLATES / f"{kind}.txt").exists()
    assert (TEMPLATES / "en" / f"{kind}.txt").exists()
    text = notification_text(_notification(kind), "en")
    assert text.subject and text.body
    assert not CYRILLIC.search(text.subject + text.body), text


def test_the_activation_data_reads_in_english_with_the_key_in_full():
    text = notification_text(_notification(NotificationKind.ACTIVATION_DATA), "en")
    assert text.subject == "ESET subscription activated: ESET PROTECT Entry"
    assert "Activation key: AAAA-BBBB-CCCC-DDDD-EEEE" in text.body
    # expires_on is exclusive: the last day paid for is the day before it.
    assert "Paid through: 13.01.2027 inclusive" in text.body


def test_russian_readers_see_the_stored_record():
    notification = _notification(NotificationKind.RENEWED)
    assert notification_text(notification, "ru").subject == "Тема"
    with translation.override("ru"):
        assert notification_text(notification).body == "Текст"


def test_a_kind_without_a_template_in_the_language_shows_the_record():
    assert notification_text(_notification(NotificationKind.RENEWED), "de").subject == "Тема"


def test_reasons_written_by_the_engine_are_translated():
    # Payloads keep codes (§4.11); the reader's language renders them.
    with translation.override("en"):
        assert reason_text("insufficient_funds") == "insufficient funds on the balance"
        assert reason_text("auto_renew_off") == "auto-renewal is off"
        assert reason_text("grace_expired", {"days": 14}) == (
            "not paid within 14 days of suspension"
        )
        assert reason_text("") == ""
    with translation.override("ru"):
        assert reason_text("grace_expired", {"days": 14}) == (
            "не оплачена в течение 14 дней после приостановки"
        )


def test_a_payload_reason_renders_in_the_readers_language():
    note = _notification("cancelled", {**PAYLOAD, "reason": "auto_renew_off"})
    assert "Reason: auto-renewal is off" in notification_text(note, "en").body
