"""Reads of documents, scoped to the tenant: a reseller sees its invoices, a client its
own; another tenant's invoice is not found."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from accounts.models import Client, Reseller
from billing.models import Payment
from billing.selectors import client_available_balance
from billing.services import period_quote
from config.errors import NotFound, ValidationError
from core.money import ZERO, money
from orders.models import Subscription

from .models import Invoice, InvoiceStatus


def invoice_list(
    *,
    reseller: Reseller | None = None,
    client: Client | None = None,
    status: str | None = None,
    client_id: int | None = None,
) -> QuerySet[Invoice]:
    """The tenant's invoices, newest first. `client_id` narrows a reseller's list to one
    of its clients; `status` to one status."""
    if (reseller is None) == (client is None):
        raise ValueError("invoice_list takes exactly one tenant: reseller or client")
    qs = Invoice.objects.select_related("client", "reseller")
    qs = qs.filter(reseller=reseller) if reseller is not None else qs.filter(client=client)
    if status:
        if status not in InvoiceStatus.values:
            raise ValidationError(_("Неизвестный статус счёта."), field="status")
        qs = qs.filter(status=status)
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    return qs.order_by("-date", "-number", "-id")


def invoice_get(
    *, invoice_id: int, reseller: Reseller | None = None, client: Client | None = None
) -> Invoice:
    qs = invoice_list(reseller=reseller, client=client).prefetch_related("lines")
    invoice = qs.filter(pk=invoice_id).first()
    if invoice is None:
        raise NotFound(_("Счёт не найден."), field="invoice")
    return invoice


def renewal_shortfall(*, subscription: Subscription) -> Decimal:
    """What the client's available balance lacks for the next period of `subscription` at
    today's seats and price, as the renewal quotes it (billing's period_quote from the
    period's end, on the subscription's anchor day); 0 when it is covered."""
    if subscription.expires_on is None:
        return ZERO
    quote = period_quote(
        reseller_plan=subscription.reseller_plan,
        seats=subscription.seats,
        starts_on=subscription.expires_on,
        anchor_day=subscription.anchor_day,
    )
    available = client_available_balance(client=subscription.client)
    return max(money(quote.total - available), ZERO)


def invoice_payments(*, invoice: Invoice) -> QuerySet[Payment]:
    """The payments that name the invoice, oldest first (the invoice is its tenant)."""
    return (
        Payment.objects.filter(invoice_link__invoice=invoice)
        .select_related("reversal_entry")
        .order_by("paid_at", "id")
    )


def invoice_paid_amount(*, invoice: Invoice) -> Decimal:
    """Σ of the payments that name the invoice and are not reversed."""
    total = Payment.objects.filter(
        invoice_link__invoice=invoice, reversal_entry__isnull=True
    ).aggregate(total=Sum("amount"))["total"]
    return money(total)
