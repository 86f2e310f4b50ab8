"""Views outside the two scopes: who a token acts for, and the JSON 404 for any path under
/api/ that matches no route (Django's own 404 page is HTML)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import serializers as s
from ..errors import READ, error_responses
from ..models import ApiToken
from ..tenancy import IsTenantMember, request_tenant


@extend_schema(
    tags=["common"],
    summary="Who these credentials act for",
    responses={200: s.MeSerializer, **error_responses(*READ)},
)
class MeView(GenericAPIView):
    permission_classes = [IsAuthenticated, IsTenantMember]
    serializer_class = s.MeSerializer
    pagination_class = None
    filter_backends: list = []

    def get(self, request: Request) -> Response:
        tenant = request_tenant(request)
        assert tenant is not None
        reseller = tenant.reseller or (tenant.client.reseller if tenant.client else None)
        data = {
            "username": request.user.get_username(),
            "scope": "reseller" if tenant.reseller is not None else "client",
            "reseller": {"id": reseller.pk, "name": reseller.name} if reseller else None,
            "client": (
                {"id": tenant.client.pk, "name": tenant.client.name} if tenant.client else None
            ),
            "auth": "token" if isinstance(request.auth, ApiToken) else "session",
        }
        return Response(s.MeSerializer(data).data)


class NotFoundView(APIView):
    """Any method on an unknown /api/ path: the API's 404, in its error shape."""

    permission_classes: list = []
    authentication_classes: list = []
    throttle_classes: list = []
    schema = None  # not an endpoint

    def get(self, request, *args, **kwargs):
        raise NotFound()

    post = put = patch = delete = head = options = http_method_not_allowed = get
