"""What the panel's and the portal's invoice pages share: the issue form (for an amount,
an order or a renewal's shortfall, prefilled from the query string), the invoice page and
its PDF. The faces differ only in the tenant, the templates and the links."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Client
from accounts.panel import found_or_404
from billing.submissions import submit_form_once, token_issue, token_renew
from core.clock import financial_day
from orders.models import Order, Subscription
from orders.selectors import order_get, order_payment_status, subscription_get

from .forms import InvoiceIssueForm
from .models import Invoice
from .rendering import invoice_pdf, invoice_view
from .selectors import invoice_payments, renewal_shortfall
from .services import invoice_issue


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


def _decimal(raw: str | None) -> str:
    # The amount a link carries (a reminder's «?amount=400.00»), shown as people type it.
    return (raw or "").strip()[:32]


def _source(client: Client, params) -> tuple[Order | None, Subscription | None]:
    """The order or subscription the query names, the client's own only (404 otherwise)."""
    order_id, subscription_id = _int(params.get("order")), _int(params.get("subscription"))
    order = found_or_404(order_get, client=client, order_id=order_id) if order_id else None
    subscription = (
        found_or_404(subscription_get, client=client, subscription_id=subscription_id)
        if subscription_id is not None and order is None
        else None
    )
    return order, subscription


def invoice_issue_page(
    request: HttpRequest,
    *,
    client: Client,
    template: str,
    detail_url: Callable[[Invoice], str],
    **context,
) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    order, subscription = _source(client, params)
    day = financial_day(timezone.now())
    order_status = order_payment_status(order=order, day=day) if order is not None else None
    shortfall: Decimal | None = None
    if subscription is not None:
        shortfall = renewal_shortfall(subscription=subscription)
    initial = {
        "amount": _decimal(request.GET.get("amount")) or (shortfall if shortfall else ""),
        "order": order.pk if order else None,
        "subscription": subscription.pk if subscription else None,
        "form_token": token_issue(),
    }
    form = InvoiceIssueForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def work() -> str:
            invoice = invoice_issue(
                client=client,
                at=timezone.now(),
                amount=None if order is not None else data["amount"],
                order=order,
                subscription=subscription,
                by=request.user,
            )
            messages.success(
                request,
                _("Счёт № %(number)s выставлен; он отправлен владельцу и бухгалтерам клиента.")
                % {"number": invoice.number},
            )
            return detail_url(invoice)

        if done := submit_form_once(request, form, token=data["form_token"], work=work):
            return done
    token_renew(form)
    return render(
        request,
        template,
        {
            "client": client,
            "form": form,
            "order": order,
            "order_status": order_status,
            "subscription": subscription,
            "shortfall": shortfall,
            **context,
        },
    )


def invoice_page(
    request: HttpRequest, invoice: Invoice, *, template: str, **context
) -> HttpResponse:
    return render(
        request,
        template,
        {
            "invoice": invoice,
            "doc": invoice_view(invoice),
            "payments": invoice_payments(invoice=invoice),
            **context,
        },
    )


def invoice_pdf_response(invoice: Invoice) -> HttpResponse:
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="invoice-{invoice.year}-{invoice.number}.pdf"'
    )
    return response
