"""Who an API request acts for (DESIGN.md §9): the reseller or the client of the user the
token (or the session) belongs to. Every view reads its rows through selectors scoped by
that tenant, so another tenant's id is a 404."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from accounts.models import Client, Reseller
from accounts.selectors import membership_for, portal_client_for


@dataclass(frozen=True)
class Tenant:
    reseller: Reseller | None = None
    client: Client | None = None


def tenant_for(user) -> Tenant | None:
    """The panel's and the portal's rules: an active reseller's member acts for it; a
    client's member acts for the client while its reseller is active; nobody else."""
    membership = membership_for(user=user)
    if membership is None:
        return None
    if membership.reseller is not None:
        return Tenant(reseller=membership.reseller) if membership.reseller.is_active else None
    client = portal_client_for(user=user)
    return Tenant(client=client) if client is not None else None


def request_tenant(request) -> Tenant | None:
    if not hasattr(request, "_api_tenant"):
        user = request.user
        request._api_tenant = tenant_for(user) if user and user.is_authenticated else None
    return request._api_tenant


class IsResellerMember(BasePermission):
    message = _(
        "Эти учётные данные действуют за клиента или ни за кого: раздел реселлера недоступен."
    )

    def has_permission(self, request, view) -> bool:
        tenant = request_tenant(request)
        return tenant is not None and tenant.reseller is not None


class IsClientMember(BasePermission):
    message = _(
        "Эти учётные данные действуют за реселлера или ни за кого: раздел клиента недоступен."
    )

    def has_permission(self, request, view) -> bool:
        tenant = request_tenant(request)
        return tenant is not None and tenant.client is not None


class IsTenantMember(BasePermission):
    message = _("Эти учётные данные не действуют ни за реселлера, ни за клиента.")

    def has_permission(self, request, view) -> bool:
        return request_tenant(request) is not None
