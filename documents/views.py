"""The reseller panel's invoices (DESIGN.md §13): the list, the invoice page and its PDF,
issuing one for a client (an amount, an order or a renewal's shortfall), registering a
payment that names it, and cancelling it. Views parse input and delegate."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.panel import (
    PanelRequest,
    found_or_404,
    list_export,
    list_filters,
    list_page,
    reseller_required,
    role_required,
)
from accounts.permissions import Action
from accounts.selectors import client_get, client_list
from billing.submissions import submit_form_once, token_issue, token_renew
from config.errors import ApplicationError
from config.forms import report_domain_error

from .exports import INVOICES
from .forms import InvoicePaymentForm, PanelInvoiceFilterForm
from .models import Invoice, InvoiceStatus
from .page_views import invoice_issue_page, invoice_page, invoice_pdf_response
from .selectors import invoice_get, invoice_list, invoice_paid_amount
from .services import invoice_cancel, invoice_payment_register


def _detail(invoice: Invoice) -> str:
    return reverse("invoices:detail", args=[invoice.pk])


@reseller_required
def invoice_index(request: PanelRequest) -> HttpResponse:
    filters, values = list_filters(
        request, PanelInvoiceFilterForm, clients=client_list(reseller=request.reseller)
    )
    client = values.get("client")
    rows = invoice_list(
        reseller=request.reseller,
        status=values.get("status") or None,
        client_id=client.pk if client else None,
    )
    if exported := list_export(request, INVOICES, rows):
        return exported
    return list_page(
        request,
        "panel/invoices/list.html",
        rows,
        section="invoices",
        filters=filters,
        exports=True,
    )


@reseller_required
def invoice_detail(request: PanelRequest, invoice_id: int) -> HttpResponse:
    invoice = found_or_404(invoice_get, reseller=request.reseller, invoice_id=invoice_id)
    return invoice_page(
        request,
        invoice,
        template="panel/invoices/detail.html",
        paid=invoice_paid_amount(invoice=invoice),
        section="invoices",
    )


@reseller_required
def invoice_pdf(request: PanelRequest, invoice_id: int) -> HttpResponse:
    invoice = found_or_404(invoice_get, reseller=request.reseller, invoice_id=invoice_id)
    return invoice_pdf_response(invoice)


@reseller_required
@role_required(Action.DOCUMENTS)
def client_invoice_new(request: PanelRequest, client_id: int) -> HttpResponse:
    client = found_or_404(client_get, reseller=request.reseller, client_id=client_id)
    return invoice_issue_page(
        request,
        client=client,
        template="panel/invoices/new.html",
        detail_url=_detail,
        section="invoices",
    )


@require_http_methods(["GET", "POST"])
@reseller_required
@role_required(Action.DOCUMENTS)
def invoice_cancel_view(request: PanelRequest, invoice_id: int) -> HttpResponse:
    """A confirmation page, then the cancel: a cancelled invoice cannot be issued again."""
    invoice = found_or_404(invoice_get, reseller=request.reseller, invoice_id=invoice_id)
    if request.method == "POST":
        try:
            invoice_cancel(invoice=invoice, at=timezone.now(), by=request.user)
        except ApplicationError as exc:
            report_domain_error(request, exc)
        else:
            messages.success(request, _("Счёт № %(n)s отменён.") % {"n": invoice.number})
        return redirect(_detail(invoice))
    return render(
        request, "panel/invoices/cancel.html", {"invoice": invoice, "section": "invoices"}
    )


@reseller_required
@role_required(Action.PAYMENTS_REGISTER)
def invoice_pay(request: PanelRequest, invoice_id: int) -> HttpResponse:
    """«Зарегистрировать оплату»: a payment that names the invoice (and its order)."""
    invoice = found_or_404(invoice_get, reseller=request.reseller, invoice_id=invoice_id)
    paid = invoice_paid_amount(invoice=invoice)
    rest = max(invoice.total - paid, 0)
    form = InvoicePaymentForm(
        request.POST or None,
        initial={
            "amount": rest or "",
            "reference": "",
            "form_token": token_issue(),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def work() -> str:
            invoice_payment_register(
                invoice=invoice,
                amount=data["amount"],
                at=timezone.now(),
                by=request.user,
                method=data["method"],
                reference=data["reference"],
            )
            messages.success(request, _("Оплата по счёту зарегистрирована."))
            return _detail(invoice)

        if done := submit_form_once(request, form, token=data["form_token"], work=work):
            return done
    token_renew(form)
    return render(
        request,
        "panel/invoices/pay.html",
        {
            "invoice": invoice,
            "form": form,
            "paid": paid,
            "rest": rest,
            "cancelled": invoice.status == InvoiceStatus.CANCELLED,
            "section": "invoices",
        },
    )
