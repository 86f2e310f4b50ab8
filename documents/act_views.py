"""The reseller panel's acts and reconciliation statements (DESIGN.md §13): the list,
the act page and its PDF (every staff role reads them), a client's statement for a
period. Views parse input and delegate."""

from __future__ import annotations

from django.http import HttpResponse

from accounts.panel import (
    PanelRequest,
    found_or_404,
    list_export,
    list_filters,
    list_page,
    reseller_required,
)
from accounts.selectors import client_get, client_list

from .act_forms import PanelActFilterForm
from .act_pages import act_page, act_pdf_response, statement_page
from .act_selectors import act_get, act_list
from .exports import ACTS


@reseller_required
def act_index(request: PanelRequest) -> HttpResponse:
    filters, values = list_filters(
        request, PanelActFilterForm, clients=client_list(reseller=request.reseller)
    )
    client = values.get("client")
    month = values.get("month")
    rows = act_list(
        reseller=request.reseller,
        client_id=client.pk if client else None,
        month=month.replace(day=1) if month else None,
    )
    if exported := list_export(request, ACTS, rows):
        return exported
    return list_page(
        request, "panel/acts/list.html", rows, section="acts", filters=filters, exports=True
    )


@reseller_required
def act_detail(request: PanelRequest, act_id: int) -> HttpResponse:
    act = found_or_404(act_get, reseller=request.reseller, act_id=act_id)
    return act_page(request, act, template="panel/acts/detail.html", section="acts")


@reseller_required
def act_pdf(request: PanelRequest, act_id: int) -> HttpResponse:
    act = found_or_404(act_get, reseller=request.reseller, act_id=act_id)
    return act_pdf_response(act)


@reseller_required
def client_statement(request: PanelRequest, client_id: int) -> HttpResponse:
    client = found_or_404(client_get, reseller=request.reseller, client_id=client_id)
    return statement_page(
        request, client=client, template="panel/acts/statement.html", section="clients"
    )
