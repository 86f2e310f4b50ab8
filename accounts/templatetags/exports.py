"""`{% export_url "csv" %}`: the link that downloads the list on the page with the filters the
page shows (config.exports); `{% export_url "xlsx" "payments" %}` on a page of several lists."""

from __future__ import annotations

from django import template

register = template.Library()

# Pagination of the list (and of the other lists of a page) does not limit an export.
DROPPED = ("page", "export", "table")


@register.simple_tag(takes_context=True)
def export_url(context: template.Context, fmt: str, table: str = "") -> str:
    params = context["request"].GET.copy()
    for key in DROPPED:
        params.pop(key, None)
    params["export"] = fmt
    if table:
        params["table"] = table
    return "?" + params.urlencode()
