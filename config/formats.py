"""How money and days read to people (DESIGN.md §8): `1 234,50 ₽` and `13.01.2027`."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


def format_rub(amount: Decimal | str | None) -> str:
    """`1 234,50 ₽`: two places (half up), spaces between thousands, a decimal comma."""
    if amount is None or amount == "":
        return "—"
    try:
        value = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return str(amount)
    sign = "-" if value < 0 else ""
    whole, _, cents = f"{abs(value):.2f}".partition(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{' '.join(groups)},{cents} ₽"


def format_day(value: date | str | None) -> str:
    """`13.01.2027`, from a date or an ISO date string (as notification payloads keep them)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            return date.fromisoformat(value).strftime("%d.%m.%Y")
        except ValueError:
            return value
    return value.strftime("%d.%m.%Y")
