"""Reads of documents, scoped to the tenant: a reseller sees its invoices, a client its
own; another tenant's invoice is not found."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import Client, Reseller
from config.errors import NotFound, ValidationError

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
