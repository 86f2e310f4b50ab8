"""The migration that turned stored reason sentences into codes (§4.11)."""

import importlib

import pytest

from core.reasons import Reason

migration = importlib.import_module("orders.migrations.0002_reasons_as_codes")
notifications = importlib.import_module("notifications.migrations.0003_reasons_as_codes")


@pytest.mark.parametrize(
    ("sentence", "code", "params"),
    [
        ("заказ подтверждён", Reason.ORDER_CONFIRMED, {}),
        ("оплачено", Reason.PAID, {}),
        ("возобновлено", Reason.RESUMED, {}),
        ("автопродление выключено", Reason.AUTO_RENEW_OFF, {}),
        ("недостаточно средств для продления", Reason.RENEWAL_UNPAID, {}),
        ("не оплачена после приостановки", Reason.GRACE_EXPIRED, {}),
        ("не оплачена в течение 30 дней", Reason.GRACE_EXPIRED, {"days": 30}),
        ("заказ отменён", Reason.ORDER_CANCELLED, {}),
        ("заменено новым запросом", Reason.REPLACED, {}),
        ("отменено пользователем", Reason.CANCELLED_BY_USER, {}),
        ("подписка не активна", Reason.SUBSCRIPTION_NOT_ACTIVE, {}),
        ("недостаточно средств на балансе", Reason.INSUFFICIENT_FUNDS, {}),
        ("подписка отменена", Reason.SUBSCRIPTION_CANCELLED, {}),
        ("", "", {}),
    ],
)
def test_every_sentence_the_engine_wrote_becomes_its_code(sentence, code, params):
    assert migration.to_code(sentence) == (code, params)


def test_every_code_the_migration_writes_exists():
    assert set(migration.SENTENCES.values()) <= set(Reason.values)
    assert set(notifications.SENTENCES.values()) <= set(Reason.values)
