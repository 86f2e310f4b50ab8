"""Tenant scoping: who a signed-in user acts for."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from config.errors import NotFound

from .models import AuditEvent, Client, Membership, Reseller


def membership_for(*, user) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.select_related("reseller", "client").filter(user=user).first()


def client_list(*, reseller: Reseller) -> QuerySet[Client]:
    return Client.objects.filter(reseller=reseller).order_by("name", "id")


def client_get(*, reseller: Reseller, client_id: int) -> Client:
    """Another reseller's client is not found, never forbidden: its existence stays hidden."""
    client = Client.objects.filter(reseller=reseller, pk=client_id).first()
    if client is None:
        raise NotFound(_("Клиент не найден."), field="client")
    return client


def client_search(*, reseller: Reseller, query: str = "") -> QuerySet[Client]:
    """The reseller's clients whose name contains `query` (all of them when it is blank)."""
    clients = client_list(reseller=reseller)
    query = (query or "").strip()
    if query:
        # SQLite folds the case of ASCII letters only; the usual spellings of a Cyrillic
        # query (as typed, lower, upper, capitalised) are matched as well.
        variants = {query, query.lower(), query.upper(), query.capitalize()}
        match = Q()
        for variant in variants:
            match |= Q(name__icontains=variant)
        clients = clients.filter(match)
    return clients


# --------------------------------------------------------------------------- the portal


def portal_client_for(*, user) -> Client | None:
    """The client a signed-in portal user acts for, with its reseller; None for anyone else
    (a reseller's member, a staff user, a client whose reseller is switched off)."""
    if not getattr(user, "is_authenticated", False):
        return None
    membership = (
        Membership.objects.select_related("client__reseller")
        .filter(user=user, client__isnull=False)
        .first()
    )
    if membership is None or membership.client is None:
        return None
    if not membership.client.reseller.is_active:
        return None
    return membership.client


def audit_events(
    *,
    reseller: Reseller,
    action: str | None = None,
    actor_id: int | None = None,
    client_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """The reseller's audit trail, newest first; the dates are Moscow days of `at`."""
    events = AuditEvent.objects.filter(reseller=reseller).select_related("actor", "client")
    if action:
        events = events.filter(action=action)
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    if client_id is not None:
        events = events.filter(client_id=client_id)
    if date_from is not None:
        events = events.filter(at__date__gte=date_from)
    if date_to is not None:
        events = events.filter(at__date__lte=date_to)
    return events.order_by("-at", "-id")


def audit_actors(*, reseller: Reseller):
    """The people who appear in the reseller's trail (its staff and its clients' people)."""
    ids = AuditEvent.objects.filter(reseller=reseller, actor__isnull=False).values("actor_id")
    return get_user_model().objects.filter(pk__in=ids).order_by("username")
