"""What every API view shares: authentication, the tenant check, pagination, filtering,
throttling (config/settings.py REST_FRAMEWORK), and helpers for lists and money moments."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import QuerySet
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import viewsets
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.models import Client, Reseller
from accounts.permissions import require
from core.clock import financial_day

from ..pagination import ApiPagination
from ..tenancy import IsClientMember, IsResellerMember, Tenant, request_tenant

# Ids in paths are whole numbers that fit a bigint; anything else matches no route and
# gets the API's JSON 404 (api.views.common.NotFoundView).
ID_REGEX = "[0-9]{1,18}"
JSON = "application/json"


class IdConverter:
    regex = ID_REGEX

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


def now() -> datetime:
    """The moment a request acts at: views read the clock, domain functions never do."""
    return timezone.now()


def today() -> date:
    return financial_day(now())


class ApiViewSet(viewsets.GenericViewSet):
    pagination_class = ApiPagination
    filter_backends = [DjangoFilterBackend]
    lookup_value_converter = "api_id"
    # The view's writing actions → the role table's action (accounts.permissions): a role
    # that may not do it gets a 403 before anything is parsed or written. Reads are open
    # to every role of the tenant.
    role_actions: dict[str, str] = {}

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        needed = self.role_actions.get(self.action or "")
        if needed is not None:
            require(request.user, needed)
        # JSON only, even for an empty body: DRF reads an empty form body as a QueryDict,
        # in which a missing boolean is false (a PUT to auto-renew/ would turn it off).
        media_type = request.content_type.split(";")[0].strip().lower()
        if request.method in ("POST", "PUT", "PATCH") and media_type not in ("", JSON):
            raise UnsupportedMediaType(media_type)

    @property
    def tenant(self) -> Tenant:
        tenant = request_tenant(self.request)
        assert tenant is not None  # the permission classes let no one else in
        return tenant

    def object_id(self) -> int:
        return int(self.kwargs[self.lookup_url_kwarg or self.lookup_field])

    def list_response(self, queryset: QuerySet, serializer_class) -> Response:
        page = self.paginate_queryset(self.filter_queryset(queryset))
        data = serializer_class(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    def respond(self, serializer_class, instance, *, status: int = 200, **context) -> Response:
        ctx = {**self.get_serializer_context(), **context}
        return Response(serializer_class(instance, context=ctx).data, status=status)

    def parse(self, serializer_class, *, partial: bool = False) -> dict:
        """The body's values, typed; a type error is a 400 naming the field."""
        serializer = serializer_class(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class ResellerViewSet(ApiViewSet):
    permission_classes = [IsAuthenticated, IsResellerMember]

    @property
    def reseller(self) -> Reseller:
        reseller = self.tenant.reseller
        assert reseller is not None
        return reseller


class ClientViewSet(ApiViewSet):
    permission_classes = [IsAuthenticated, IsClientMember]

    @property
    def client(self) -> Client:
        client = self.tenant.client
        assert client is not None
        return client
