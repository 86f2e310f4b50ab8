"""The financial day (DESIGN.md §4): the calendar date in Moscow. Functions here convert
moments the caller passes in; none of them reads the clock."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from config.errors import ValidationError

MOSCOW = ZoneInfo("Europe/Moscow")
SYNC_TIME = time(0, 30)  # the nightly ESET sync, Moscow time (S11)


def require_aware(at: datetime, *, field: str = "at") -> datetime:
    if not isinstance(at, datetime):
        raise ValidationError(_("Укажите момент времени (datetime)."), field=field)
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValidationError(_("Момент времени должен быть с часовым поясом."), field=field)
    return at


def financial_day(at: datetime) -> date:
    return require_aware(at).astimezone(MOSCOW).date()


def moscow_moment(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=MOSCOW)


def next_sync_day(at: datetime) -> date:
    """The day of the first 00:30 Moscow-time sync strictly after `at` (S11)."""
    local = require_aware(at).astimezone(MOSCOW)
    return local.date() if local.time() < SYNC_TIME else local.date() + timedelta(days=1)
