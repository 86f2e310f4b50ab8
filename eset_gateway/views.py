"""The reseller panel's page of seat-day differences with ESET (DESIGN.md §5, issue 10
item 7): what the monthly reconciliation found for the reseller's own clients."""

from __future__ import annotations

from django.http import HttpResponse

from accounts.panel import PanelRequest, list_export, list_page, reseller_required

from .exports import USAGE_DIFFERENCES
from .selectors import usage_difference_list


@reseller_required
def usage_difference_index(request: PanelRequest) -> HttpResponse:
    rows = usage_difference_list(reseller=request.reseller)
    if exported := list_export(request, USAGE_DIFFERENCES, rows):
        return exported
    return list_page(request, "panel/eset/usage_differences.html", rows, section="usage")
