"""Tenant scoping: who a signed-in user acts for."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from config.errors import NotFound

from .models import AuditEvent, Client, Invitation, Membership, Reseller

_MISSING = object()
# Where membership_remember keeps the request's person's membership, on request.user.
_CACHED = "_request_membership"


def membership_for(*, user) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, _CACHED, _MISSING)
    if cached is not _MISSING:
        return cached  # type: ignore[return-value]
    return Membership.objects.select_related("reseller", "client").filter(user=user).first()


def membership_remember(*, user) -> Membership | None:
    """The membership, read once for the request (accounts.middleware) and kept on its user
    object: the door, the role table and the language then ask no more queries."""
    membership = membership_for(user=user)
    if getattr(user, "is_authenticated", False):
        setattr(user, _CACHED, membership)
    return membership


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


# --------------------------------------------------------------------------- people


def staff_list(*, reseller: Reseller) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(reseller=reseller)
        .select_related("user")
        .order_by("user__username", "id")
    )


def staff_get(*, reseller: Reseller, membership_id: int) -> Membership:
    membership = staff_list(reseller=reseller).filter(pk=membership_id).first()
    if membership is None:
        raise NotFound(_("Сотрудник не найден."), field="membership")
    return membership


def client_people(*, client: Client) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(client=client)
        .select_related("user")
        .order_by("user__username", "id")
    )


def client_person_get(*, client: Client, membership_id: int) -> Membership:
    membership = client_people(client=client).filter(pk=membership_id).first()
    if membership is None:
        raise NotFound(_("Пользователь не найден."), field="membership")
    return membership


def people_with_invitations(memberships) -> list[Membership]:
    """The rows with `pending_invitation` (the open invitation or None), in two queries."""
    rows = list(memberships)
    pending = {
        inv.user_id: inv
        for inv in Invitation.objects.filter(
            user_id__in=[m.user_id for m in rows], used_at__isnull=True, revoked_at__isnull=True
        )
    }
    for row in rows:
        row.pending_invitation = pending.get(row.user_id)  # type: ignore[attr-defined]
    return rows
