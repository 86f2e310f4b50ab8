"""Invoices in both scopes (DESIGN.md §13): /api/v1/reseller/invoices/ and
/api/v1/client/invoices/ — list, detail, issue (Idempotency-Key), the PDF, and for the
reseller cancel and a payment that names the invoice."""

from __future__ import annotations

import json

import django_filters as df
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Client
from accounts.permissions import Action
from accounts.selectors import client_get
from documents.models import Invoice, InvoiceStatus
from documents.rendering import invoice_pdf
from documents.selectors import invoice_get, invoice_list
from documents.services import invoice_cancel, invoice_issue, invoice_payment_register
from orders.selectors import order_get, subscription_get

from .. import document_serializers as ds
from .. import serializers as s
from ..errors import DETAIL, error_responses
from ..filters import DateFilter, FilterSet, IdFilter, ordering
from ..idempotency import IDEMPOTENCY_PARAMETER, idempotent
from .base import ApiViewSet, ClientViewSet, ResellerViewSet, now
from .docs import IDEMPOTENT, detailed, listed, written


class PdfRenderer(BaseRenderer):
    """`application/pdf` for the PDF action. The PDF itself is returned as it is; an
    error the action raises is still the one JSON error shape."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return json.dumps(data, ensure_ascii=False).encode()


class InvoiceFilter(FilterSet):
    client = IdFilter(field_name="client_id")
    status = df.ChoiceFilter(choices=InvoiceStatus.choices)
    date_from = DateFilter(field_name="date", lookup_expr="gte")
    date_to = DateFilter(field_name="date", lookup_expr="lte")
    ordering = ordering("date", "number", "total", "id")

    class Meta:
        model = Invoice
        fields: list[str] = []


class ClientInvoiceFilter(InvoiceFilter):
    client = None  # type: ignore[assignment] # the client's own list


ISSUE = (
    "Exactly one source: `order` (the amount is what the order still takes to activate "
    "today), `subscription` (the shortfall of its next renewal, or the `amount` given), or "
    "`amount` alone. Numbered per reseller and year without gaps; the VAT line follows the "
    "reseller's VAT mode and the rate in force on the invoice's date. 409 naming "
    "`requisites` while the reseller's requisites are incomplete. The client's owner and "
    "accountants are e-mailed. "
)
PDF = extend_schema(
    summary="The invoice as PDF",
    responses={
        (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="A4 PDF"),
        **error_responses(*DETAIL),
    },
)


class InvoiceActions(ApiViewSet):
    """What both scopes share: the tenant decides which invoices exist."""

    filterset_class = InvoiceFilter

    def tenant_kwargs(self) -> dict:
        raise NotImplementedError

    def list(self, request: Request) -> Response:
        rows = invoice_list(**self.tenant_kwargs())
        return self.list_response(rows, ds.InvoiceSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        invoice = invoice_get(invoice_id=self.object_id(), **self.tenant_kwargs())
        return self.respond(ds.InvoiceDetailSerializer, invoice)

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        # An error of the PDF action is the one JSON error shape, whatever was accepted.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PdfRenderer])
    def pdf(self, request: Request, pk: str) -> HttpResponse:
        invoice = invoice_get(invoice_id=self.object_id(), **self.tenant_kwargs())
        response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="invoice-{invoice.year}-{invoice.number}.pdf"'
        )
        return response

    def issue(self, request: Request, client: Client, data: dict) -> Response:
        order = (
            order_get(client=client, order_id=data["order"]) if data["order"] is not None else None
        )
        subscription = (
            subscription_get(client=client, subscription_id=data["subscription"])
            if data["subscription"] is not None
            else None
        )
        invoice = invoice_issue(
            client=client,
            at=now(),
            amount=data["amount"],
            order=order,
            subscription=subscription,
            by=request.user,
        )
        invoice = invoice_get(invoice_id=invoice.pk, **self.tenant_kwargs())
        return self.respond(ds.InvoiceDetailSerializer, invoice, status=201)


@extend_schema(tags=["reseller: invoices"])
@extend_schema_view(
    list=listed(ds.InvoiceSerializer, "Invoices for payment (§13)"),
    retrieve=detailed(ds.InvoiceDetailSerializer, "An invoice with its lines and parties"),
    create=written(
        ds.InvoiceDetailSerializer,
        "Issue an invoice for a client",
        request=ds.issue_schema(with_client=True),
        status=201,
        parameters=[IDEMPOTENCY_PARAMETER],
        description=ISSUE + IDEMPOTENT,
    ),
    cancel=written(
        ds.InvoiceDetailSerializer,
        "Cancel an issued invoice",
        description="409 when it is paid or cancelled, or a payment already names it.",
    ),
    payments=written(
        s.PaymentSerializer,
        "Register a payment that names the invoice",
        request=ds.InvoicePaymentCreateSerializer,
        status=201,
        parameters=[IDEMPOTENCY_PARAMETER],
        description="A payment as `POST payments/` registers it (with the invoice's order "
        "while that still awaits payment); the invoice becomes `paid` once the payments "
        "that name it cover its total. 409 for a cancelled invoice. " + IDEMPOTENT,
    ),
    pdf=PDF,
)
class InvoiceViewSet(InvoiceActions, ResellerViewSet):
    """The reseller's invoices for payment to its clients."""

    queryset = Invoice.objects.none()
    serializer_class = ds.InvoiceSerializer
    role_actions = {
        "create": Action.DOCUMENTS,
        "cancel": Action.DOCUMENTS,
        "payments": Action.PAYMENTS_REGISTER,
    }

    def tenant_kwargs(self) -> dict:
        return {"reseller": self.reseller}

    def create(self, request: Request) -> Response:
        def work() -> Response:
            data = self.parse(ds.InvoiceCreateSerializer)
            client = client_get(reseller=self.reseller, client_id=data["client"])
            return self.issue(request, client, data)

        return idempotent(request, work)

    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        invoice = invoice_get(invoice_id=self.object_id(), reseller=self.reseller)
        invoice_cancel(invoice=invoice, at=now(), by=request.user)
        invoice = invoice_get(invoice_id=invoice.pk, reseller=self.reseller)
        return self.respond(ds.InvoiceDetailSerializer, invoice)

    @action(detail=True, methods=["post"])
    def payments(self, request: Request, pk: str) -> Response:
        invoice = invoice_get(invoice_id=self.object_id(), reseller=self.reseller)

        def work() -> Response:
            data = self.parse(ds.InvoicePaymentCreateSerializer)
            payment = invoice_payment_register(
                invoice=invoice,
                amount=data["amount"],
                at=now(),
                by=request.user,
                method=data["method"],
                reference=data["reference"],
            )
            return self.respond(s.PaymentSerializer, payment, status=201)

        return idempotent(request, work)


@extend_schema(tags=["client: invoices"])
@extend_schema_view(
    list=listed(ds.InvoiceSerializer, "The client's invoices for payment (§13)"),
    retrieve=detailed(ds.InvoiceDetailSerializer, "An invoice with its lines and parties"),
    create=written(
        ds.InvoiceDetailSerializer,
        "Issue an invoice to pay by bank transfer",
        request=ds.issue_schema(with_client=False),
        status=201,
        parameters=[IDEMPOTENCY_PARAMETER],
        description=ISSUE + "Owner, admin and accountant (403 otherwise). " + IDEMPOTENT,
    ),
    pdf=PDF,
)
class ClientInvoiceViewSet(InvoiceActions, ClientViewSet):
    """The client's invoices: issued by the client here or by its reseller."""

    queryset = Invoice.objects.none()
    serializer_class = ds.InvoiceSerializer
    filterset_class = ClientInvoiceFilter
    role_actions = {"create": Action.DOCUMENTS}

    def tenant_kwargs(self) -> dict:
        return {"client": self.client}

    def create(self, request: Request) -> Response:
        def work() -> Response:
            data = self.parse(ds.ClientInvoiceCreateSerializer)
            return self.issue(request, self.client, data)

        return idempotent(request, work)
