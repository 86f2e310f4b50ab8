"""Reads of acts, scoped to the tenant: a reseller sees its clients' acts, a client its
own; another tenant's act is not found."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import Client, Reseller
from config.errors import NotFound

from .models import Act


def act_list(
    *,
    reseller: Reseller | None = None,
    client: Client | None = None,
    client_id: int | None = None,
    month: date | None = None,
) -> QuerySet[Act]:
    """The tenant's acts, newest month first. `client_id` narrows a reseller's list to
    one client, `month` (its first day) to one month."""
    if (reseller is None) == (client is None):
        raise ValueError("act_list takes exactly one tenant: reseller or client")
    qs = Act.objects.select_related("client")
    qs = qs.filter(reseller=reseller) if reseller is not None else qs.filter(client=client)
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    if month is not None:
        qs = qs.filter(month=month)
    return qs.order_by("-month", "-number", "-id")


def act_get(*, act_id: int, reseller: Reseller | None = None, client: Client | None = None) -> Act:
    act = act_list(reseller=reseller, client=client).filter(pk=act_id).first()
    if act is None:
        raise NotFound(_("Акт не найден."), field="act")
    return act
