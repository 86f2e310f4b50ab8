"""Money (DESIGN.md §4): Decimal roubles with two places, rounded half up once per charge;
amounts from outside are parsed here and never as floats."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from config.errors import ValidationError

from .bounds import CENT, MAX_AMOUNT, amount_range_text, kopecks_text

__all__ = ["CENT", "MAX_AMOUNT", "MAX_BALANCE", "ZERO", "money", "money_clean"]

ZERO = Decimal("0.00")
# The largest balance its column (14 digits, 2 places) holds.
MAX_BALANCE = Decimal("999999999999.99")


def money(value: Decimal | None) -> Decimal:
    """An exact kopeck amount (SQLite sums decimals as floats with many places)."""
    return (value or ZERO).quantize(CENT, ROUND_HALF_UP)


def money_clean(value, *, field: str, allow_zero: bool = False, signed: bool = False) -> Decimal:
    """A money amount from outside: a Decimal (or a decimal string/int), two places at most.
    Floats are refused: they cannot carry an exact kopeck. Every refusal states the range;
    `signed` only words it for a caller that takes either sign and passes the magnitude."""
    if isinstance(value, float | bool):
        raise ValidationError(_("Сумма должна быть десятичным числом, не float."), field=field)
    refused = amount_range_text(allow_zero=allow_zero, signed=signed)
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError(refused, field=field) from None
    if not amount.is_finite() or amount > MAX_AMOUNT:
        raise ValidationError(refused, field=field)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError(refused, field=field)
    if amount != amount.quantize(CENT):
        raise ValidationError(kopecks_text(allow_zero=allow_zero, signed=signed), field=field)
    return amount.quantize(CENT)
