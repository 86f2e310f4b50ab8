from datetime import date

from django import template

from config.formats import (
    format_amount_input,
    format_day,
    format_moment,
    format_paid_through,
    format_rub,
    format_time,
)
from core.clock import nightly_moment

register = template.Library()
register.filter("rub", format_rub)
register.filter("day", format_day)
# `{{ sub.expires_on|paid_through }}`: the last paid day (expires_on is exclusive).
register.filter("paid_through", format_paid_through)
# `{{ at|hm }}` → `17:42 МСК`; `{{ at|moment }}` → `13.01.2027 17:42 МСК`.
register.filter("hm", format_time)
register.filter("moment", format_moment)
register.filter("amount_input", format_amount_input)


@register.filter
def sync_moment(day: date | None) -> str:
    """`{{ change.effective_on|sync_moment }}` → `02.12.2026 00:30 МСК`: the night's sync."""
    return format_moment(nightly_moment(day)) if day else "—"
