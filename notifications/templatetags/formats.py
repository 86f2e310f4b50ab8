from django import template

from config.formats import (
    format_amount_input,
    format_day,
    format_moment,
    format_paid_through,
    format_rub,
    format_time,
)

register = template.Library()
register.filter("rub", format_rub)
register.filter("day", format_day)
# `{{ sub.expires_on|paid_through }}`: the last paid day (expires_on is exclusive).
register.filter("paid_through", format_paid_through)
# `{{ at|hm }}` → `17:42 МСК`; `{{ at|moment }}` → `13.01.2027 17:42 МСК`.
register.filter("hm", format_time)
register.filter("moment", format_moment)
register.filter("amount_input", format_amount_input)
