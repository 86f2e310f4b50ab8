"""The client portal's acts and reconciliation statement (DESIGN.md §13): documents are
for the owner, the admin and the accountant (the role table's `documents`); a viewer
does not see them."""

from __future__ import annotations

from django.http import HttpResponse

from accounts.panel import found_or_404, list_export, list_filters, list_page, role_required
from accounts.permissions import Action
from accounts.portal import PortalRequest, client_required

from .act_forms import ActFilterForm
from .act_pages import act_page, act_pdf_response, statement_page
from .act_selectors import act_get, act_list
from .exports import CLIENT_ACTS


@client_required
@role_required(Action.DOCUMENTS)
def act_index(request: PortalRequest) -> HttpResponse:
    filters, values = list_filters(request, ActFilterForm)
    month = values.get("month")
    rows = act_list(client=request.client, month=month.replace(day=1) if month else None)
    if exported := list_export(request, CLIENT_ACTS, rows):
        return exported
    return list_page(
        request, "portal/acts/list.html", rows, section="acts", filters=filters, exports=True
    )


@client_required
@role_required(Action.DOCUMENTS)
def act_detail(request: PortalRequest, act_id: int) -> HttpResponse:
    act = found_or_404(act_get, client=request.client, act_id=act_id)
    return act_page(request, act, template="portal/acts/detail.html", section="acts")


@client_required
@role_required(Action.DOCUMENTS)
def act_pdf(request: PortalRequest, act_id: int) -> HttpResponse:
    act = found_or_404(act_get, client=request.client, act_id=act_id)
    return act_pdf_response(act)


@client_required
@role_required(Action.DOCUMENTS)
def statement(request: PortalRequest) -> HttpResponse:
    return statement_page(
        request, client=request.client, template="portal/acts/statement.html", section="acts"
    )
