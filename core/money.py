"""Money (DESIGN.md §4): Decimal roubles with two places, rounded half up once per charge;
amounts from outside are parsed here and never as floats."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from config.errors import ValidationError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# The largest single amount accepted from outside (a price, a payment).
MAX_AMOUNT = Decimal("9999999999.99")
# The largest balance its column (14 digits, 2 places) holds.
MAX_BALANCE = Decimal("999999999999.99")


def money(value: Decimal | None) -> Decimal:
    """An exact kopeck amount (SQLite sums decimals as floats with many places)."""
    return (value or ZERO).quantize(CENT, ROUND_HALF_UP)


def money_clean(value, *, field: str, allow_zero: bool = False) -> Decimal:
    """A money amount from outside: a Decimal (or a decimal string/int), two places at most.
    Floats are refused: they cannot carry an exact kopeck."""
    if isinstance(value, float | bool):
        raise ValidationError(_("Сумма должна быть десятичным числом, не float."), field=field)
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError(_("Укажите сумму числом."), field=field) from None
    if not amount.is_finite():
        raise ValidationError(_("Укажите сумму числом."), field=field)
    if amount > MAX_AMOUNT:
        raise ValidationError(_("Слишком большая сумма."), field=field)
    if amount != amount.quantize(CENT):
        raise ValidationError(_("Не больше двух знаков после запятой."), field=field)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError(
            _("Сумма должна быть больше нуля.")
            if not allow_zero
            else _("Сумма не может быть отрицательной."),
            field=field,
        )
    return amount.quantize(CENT)
