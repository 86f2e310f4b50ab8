"""The client portal's invoices (DESIGN.md §13): the client's list, the invoice page and
its PDF, and issuing one (owner, admin, accountant) for an amount, an order's amount due
or a renewal's shortfall."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse

from accounts.panel import found_or_404, list_export, list_filters, list_page, role_required
from accounts.permissions import Action
from accounts.portal import PortalRequest, client_required

from .exports import CLIENT_INVOICES
from .forms import InvoiceFilterForm
from .models import Invoice
from .page_views import invoice_issue_page, invoice_page, invoice_pdf_response
from .selectors import invoice_get, invoice_list, invoice_paid_amount


def _detail(invoice: Invoice) -> str:
    return reverse("portal-invoices:detail", args=[invoice.pk])


@client_required
def invoice_index(request: PortalRequest) -> HttpResponse:
    filters, values = list_filters(request, InvoiceFilterForm)
    rows = invoice_list(client=request.client, status=values.get("status") or None)
    if exported := list_export(request, CLIENT_INVOICES, rows):
        return exported
    return list_page(
        request,
        "portal/invoices/list.html",
        rows,
        section="invoices",
        filters=filters,
        exports=True,
    )


@client_required
def invoice_detail(request: PortalRequest, invoice_id: int) -> HttpResponse:
    invoice = found_or_404(invoice_get, client=request.client, invoice_id=invoice_id)
    return invoice_page(
        request,
        invoice,
        template="portal/invoices/detail.html",
        paid=invoice_paid_amount(invoice=invoice),
        section="invoices",
    )


@client_required
def invoice_pdf(request: PortalRequest, invoice_id: int) -> HttpResponse:
    invoice = found_or_404(invoice_get, client=request.client, invoice_id=invoice_id)
    return invoice_pdf_response(invoice)


@client_required
@role_required(Action.DOCUMENTS)
def invoice_new(request: PortalRequest) -> HttpResponse:
    return invoice_issue_page(
        request,
        client=request.client,
        template="portal/invoices/new.html",
        detail_url=_detail,
        section="invoices",
    )
