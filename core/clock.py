"""The financial clock (DESIGN.md §4): the financial day is the calendar date in Moscow,
and the nightly run stands for one moment, 00:30 Moscow time. Functions here convert
moments and days the caller passes in; none of them reads the clock."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from config.errors import ValidationError

MOSCOW = ZoneInfo("Europe/Moscow")
# The nightly ESET sync and the billing run chained to it, Moscow time (S11, §6).
SYNC_TIME = time(0, 30)


def require_aware(at: datetime, *, field: str = "at") -> datetime:
    if not isinstance(at, datetime):
        raise ValidationError(_("Укажите момент времени (datetime)."), field=field)
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValidationError(_("Момент времени должен быть с часовым поясом."), field=field)
    return at


def require_day(day: date, *, field: str = "day") -> date:
    if not isinstance(day, date) or isinstance(day, datetime):
        raise ValidationError(_("Укажите дату."), field=field)
    return day


def financial_day(at: datetime) -> date:
    return require_aware(at).astimezone(MOSCOW).date()


def moscow_moment(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=MOSCOW)


def nightly_moment(day: date) -> datetime:
    """00:30 Moscow time on `day`: the moment the night's sync and billing run stand for."""
    return moscow_moment(day, SYNC_TIME.hour, SYNC_TIME.minute)


def next_sync_day(at: datetime) -> date:
    """The day of the first 00:30 Moscow-time sync strictly after `at` (S11)."""
    local = require_aware(at).astimezone(MOSCOW)
    return local.date() if local.time() < SYNC_TIME else local.date() + timedelta(days=1)
