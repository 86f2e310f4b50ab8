"""How money, days and moments read to people (DESIGN.md §8): `1 234,50 ₽`, `13.01.2027`,
`17:42 МСК` and `13.01.2027 17:42 МСК`. Templates reach them through the `formats` tags."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

# Times are Moscow time whatever the server's or the reader's zone (the financial day, §4).
MOSCOW = ZoneInfo("Europe/Moscow")


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


def format_paid_through(expires_on: date | str | None) -> str:
    """The last day paid for, inclusive: `expires_on` is exclusive (the next period starts
    that day), so people read the day before it (§8)."""
    if expires_on is None or expires_on == "":
        return "—"
    if isinstance(expires_on, str):
        try:
            day = date.fromisoformat(expires_on)
        except ValueError:
            return expires_on
    else:
        day = expires_on
    return format_day(day - timedelta(days=1))


def _moscow(value: datetime) -> datetime:
    return value.astimezone(MOSCOW) if value.tzinfo is not None else value


def format_time(value: datetime | None) -> str:
    """`17:42 МСК`: the one way a time of day is written."""
    if value is None or value == "":
        return "—"
    # Translators: the Moscow time zone after a time of day (17:42 МСК).
    return f"{_moscow(value):%H:%M} {_('МСК')}"


def format_moment(value: datetime | None) -> str:
    """`13.01.2027 17:42 МСК`: a date with its time, the time always last with its zone."""
    if value is None or value == "":
        return "—"
    return f"{_moscow(value):%d.%m.%Y} {format_time(value)}"


def format_amount_input(value: Decimal | None) -> str:
    """An amount as it is typed back into a field: `1099,50` (a decimal comma, no grouping,
    so the person edits what they see; the fields accept a point as well)."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value):.2f}".replace(".", ",")
