"""Reasons are codes (DESIGN.md §4.11): every status change, rejection and correction
stores one of these codes with its parameters (JSON), never a sentence. Pages, e-mails and
the API render the code in the reader's language (`reason_text`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Reason(models.TextChoices):
    ORDER_CONFIRMED = "order_confirmed", _("заказ подтверждён")
    ORDER_CANCELLED = "order_cancelled", _("заказ отменён")
    PAID = "paid", _("оплачено")
    RESUMED = "resumed", _("возобновлено после оплаты")
    AUTO_RENEW_OFF = "auto_renew_off", _("автопродление выключено")
    RENEWAL_UNPAID = "renewal_unpaid", _("недостаточно средств для продления")
    # params: days (the plan's grace period)
    GRACE_EXPIRED = "grace_expired", _("не оплачена в течение %(days)s дней после приостановки")
    CANCELLED_NOW = "cancelled_now", _("отменена по запросу")
    SUBSCRIPTION_CANCELLED = "subscription_cancelled", _("подписка отменена")
    SUBSCRIPTION_NOT_ACTIVE = "subscription_not_active", _("подписка не активна")
    INSUFFICIENT_FUNDS = "insufficient_funds", _("недостаточно средств на балансе")
    REPLACED = "replaced", _("заменено новым запросом")
    CANCELLED_BY_USER = "cancelled_by_user", _("отменено пользователем")
    RECONCILE = "reconcile", _("сверка с ESET")
    # Corrections of the balance (§4.8).
    DUPLICATE_PAYMENT = "duplicate_payment", _("платёж внесён дважды")
    WRONG_CLIENT = "wrong_client", _("платёж другого клиента")
    WRONG_AMOUNT = "wrong_amount", _("неверная сумма платежа")
    MONEY_RETURNED = "money_returned", _("деньги возвращены клиенту")
    GOODWILL = "goodwill", _("компенсация клиенту")
    ROUNDING = "rounding", _("округление")
    DISTRIBUTOR_DECISION = "distributor_decision", _("решение дистрибьютора")
    OTHER = "other", _("другое")
    COMMAND_RAN_DURING_RECONCILE = (
        "command_ran_during_reconcile",
        _("команда выполнена во время сверки"),
    )


# The reasons a person may give for each correction (§4.8).
REVERSAL_REASONS = (
    Reason.DUPLICATE_PAYMENT,
    Reason.WRONG_CLIENT,
    Reason.WRONG_AMOUNT,
    Reason.OTHER,
)
REFUND_REASONS = (Reason.MONEY_RETURNED,)
ADJUSTMENT_REASONS = (Reason.GOODWILL, Reason.ROUNDING, Reason.DISTRIBUTOR_DECISION, Reason.OTHER)


def reason_text(code: str | None, params: Mapping[str, Any] | None = None) -> str:
    """The reason in the active language; an unknown code shows as itself (never blank)."""
    if not code:
        return ""
    try:
        label = Reason(code).label
    except ValueError:
        return str(code)
    text = str(label)  # a lazy translation: rendered in the active language
    try:
        return text % dict(params or {}) if "%(" in text else text
    except (KeyError, TypeError, ValueError):
        return text
