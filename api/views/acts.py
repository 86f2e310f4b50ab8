"""Acts and reconciliation statements in the API (DESIGN.md §13), both scopes: the list
(filtered by client and month), an act with its lines, its PDF, and a client's statement
for a period (JSON, or its PDF with `output=pdf`). A client's documents are for its owner,
admin and accountant (the role table's `documents`), as in the portal."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Client
from accounts.permissions import Action
from accounts.selectors import client_get
from config.errors import Conflict, ValidationError
from documents.act_pages import act_pdf_response
from documents.act_rendering import statement_pdf
from documents.act_selectors import act_get, act_list
from documents.models import Act
from documents.reconciliation import reconciliation_statement

from .. import act_serializers as s
from ..errors import DETAIL, error_responses
from ..filters import FilterSet, IdFilter, MonthFilter, ordering
from .base import ClientViewSet, ResellerViewSet
from .docs import detailed, listed


class ActFilter(FilterSet):
    client = IdFilter(field_name="client_id")
    month = MonthFilter(field_name="month", help_text="ГГГГ-ММ")
    ordering = ordering("month", "number", "total", "id")

    class Meta:
        model = Act
        fields: list[str] = []


class ClientActFilter(ActFilter):
    client = None  # type: ignore[assignment] # the client's own list


PDF: dict[Any, Any] = {
    (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF"),
    **error_responses(*DETAIL),
}
STATEMENT_PARAMETERS = [
    OpenApiParameter("date_from", OpenApiTypes.DATE, required=True),
    OpenApiParameter("date_to", OpenApiTypes.DATE, required=True),
    OpenApiParameter(
        "output",
        OpenApiTypes.STR,
        enum=["json", "pdf"],
        description="`pdf` for the statement's PDF",
    ),
]


class ActActions:
    """What both scopes do; the scope says whose acts (`scoped`)."""

    def scoped(self, **kwargs):
        raise NotImplementedError

    def list(self, request: Request) -> Response:
        acts = self.scoped().prefetch_related("lines")  # type: ignore[attr-defined]
        return self.list_response(acts, s.ActSerializer)  # type: ignore[attr-defined]

    def retrieve(self, request: Request, pk: str) -> Response:
        act = self.scoped_one()
        return self.respond(s.ActSerializer, act)  # type: ignore[attr-defined]

    def pdf(self, request: Request, pk: str) -> HttpResponse:
        return act_pdf_response(self.scoped_one())

    def scoped_one(self) -> Act:
        raise NotImplementedError


def statement_response(view, client: Client) -> HttpResponse | Response:
    query = view.request.query_params
    data = s.StatementQuerySerializer(data=query)
    data.is_valid(raise_exception=True)
    try:
        statement = reconciliation_statement(client=client, **data.validated_data)
    except ValidationError as exc:
        # Dates the schema allows but the rules refuse (a period backwards, longer than
        # five years): the schema cannot say it, so it is a 409 naming the field, not a
        # malformed request.
        raise Conflict(exc.message, field=exc.field) from None
    if query.get("output") == "pdf":
        return HttpResponse(statement_pdf(statement), content_type="application/pdf")
    return view.respond(s.StatementSerializer, statement)


# --------------------------------------------------------------------------- reseller


@extend_schema(tags=["reseller: documents"])
class ResellerActViewSet(ActActions, ResellerViewSet):
    queryset = Act.objects.none()
    serializer_class = s.ActSerializer
    filterset_class = ActFilter

    def scoped(self, **kwargs):
        return act_list(reseller=self.reseller)

    def scoped_one(self) -> Act:
        return act_get(reseller=self.reseller, act_id=self.object_id())

    @listed(s.ActSerializer, "The monthly acts of the reseller's clients")
    def list(self, request: Request) -> Response:
        return super().list(request)

    @detailed(s.ActSerializer, "An act with its lines")
    def retrieve(self, request: Request, pk: str) -> Response:
        return super().retrieve(request, pk)

    @extend_schema(summary="An act's PDF", responses=PDF)
    def pdf(self, request: Request, pk: str) -> HttpResponse:
        return super().pdf(request, pk)


@extend_schema(tags=["reseller: documents"])
class ResellerStatementViewSet(ResellerViewSet):
    """409 when the period is backwards or longer than five years."""

    serializer_class = s.StatementSerializer

    @extend_schema(
        summary="A client's reconciliation statement for a period",
        parameters=STATEMENT_PARAMETERS,
        responses={
            200: s.StatementSerializer,
            (200, "application/pdf"): OpenApiTypes.BINARY,
            **error_responses(400, 409, *DETAIL),
        },
    )
    def retrieve(self, request: Request, pk: str) -> HttpResponse | Response:
        return statement_response(
            self, client_get(reseller=self.reseller, client_id=self.object_id())
        )


# --------------------------------------------------------------------------- client


@extend_schema(tags=["client: documents"])
class ClientActViewSet(ActActions, ClientViewSet):
    queryset = Act.objects.none()
    serializer_class = s.ActSerializer
    filterset_class = ClientActFilter
    role_actions = dict.fromkeys(("list", "retrieve", "pdf"), Action.DOCUMENTS)

    def scoped(self, **kwargs):
        return act_list(client=self.client)

    def scoped_one(self) -> Act:
        return act_get(client=self.client, act_id=self.object_id())

    @listed(s.ActSerializer, "The client's monthly acts (owner, admin, accountant)")
    def list(self, request: Request) -> Response:
        return super().list(request)

    @detailed(s.ActSerializer, "An act with its lines")
    def retrieve(self, request: Request, pk: str) -> Response:
        return super().retrieve(request, pk)

    @extend_schema(summary="An act's PDF", responses=PDF)
    def pdf(self, request: Request, pk: str) -> HttpResponse:
        return super().pdf(request, pk)


@extend_schema(tags=["client: documents"])
class ClientStatementViewSet(ClientViewSet):
    serializer_class = s.StatementSerializer
    role_actions = {"retrieve": Action.DOCUMENTS}

    @extend_schema(
        summary="The client's reconciliation statement for a period (owner, admin, accountant)",
        parameters=STATEMENT_PARAMETERS,
        responses={
            200: s.StatementSerializer,
            (200, "application/pdf"): OpenApiTypes.BINARY,
            **error_responses(400, 401, 403, 409, 429),
        },
    )
    def retrieve(self, request: Request) -> HttpResponse | Response:
        return statement_response(self, self.client)


def act_urls(scope: str):
    from django.urls import path

    acts, statements = (
        (ResellerActViewSet, ResellerStatementViewSet)
        if scope == "reseller"
        else (ClientActViewSet, ClientStatementViewSet)
    )
    statement = statements.as_view({"get": "retrieve"})
    return [
        path("acts/", acts.as_view({"get": "list"}), name="acts-list"),
        path("acts/<api_id:pk>/", acts.as_view({"get": "retrieve"}), name="acts-detail"),
        path("acts/<api_id:pk>/pdf/", acts.as_view({"get": "pdf"}), name="acts-pdf"),
        path(
            "clients/<api_id:pk>/statement/" if scope == "reseller" else "statement/",
            statement,
            name="statement",
        ),
    ]
