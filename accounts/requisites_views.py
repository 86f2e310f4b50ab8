"""Requisites pages (DESIGN.md §13): the reseller's own (its admin edits them), a
client's in the panel (the reseller's admins and managers) and in the portal (the
client's owner). Everyone of the tenant reads them."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from config.forms import apply_domain_error

from .models import Client, Requisites, Reseller
from .panel import PanelRequest, found_or_404, reseller_required, role_required
from .permissions import Action, can
from .portal import PortalRequest, client_required
from .requisites_forms import RequisitesForm
from .selectors import client_get
from .services import requisites_fields, requisites_save


def _initial(owner: Reseller | Client) -> dict[str, str]:
    requisites = (
        Requisites.objects.filter(reseller=owner).first()
        if isinstance(owner, Reseller)
        else Requisites.objects.filter(client=owner).first()
    )
    if requisites is None:
        return {"legal_name": owner.name, "inn": owner.inn}
    return {name: getattr(requisites, name) for name in requisites_fields(owner)}


def requisites_page(
    request: HttpRequest,
    *,
    owner: Reseller | Client,
    may_edit: bool,
    template: str,
    back: str,
    back_kwargs: dict | None = None,
    **context,
) -> HttpResponse:
    seller = isinstance(owner, Reseller)
    form = RequisitesForm(
        request.POST if request.method == "POST" else None, seller=seller, initial=_initial(owner)
    )
    if request.method == "POST" and may_edit and form.is_valid():
        try:
            requisites_save(owner=owner, data=form.cleaned_data, by=request.user, at=timezone.now())
        except ApplicationError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Реквизиты сохранены."))
            return redirect(back, **(back_kwargs or {}))
    return render(
        request,
        template,
        {"form": form, "owner": owner, "may_edit": may_edit, "seller": seller, **context},
    )


@reseller_required
@role_required(Action.REQUISITES_MANAGE, methods=("POST",))
def reseller_requisites(request: PanelRequest) -> HttpResponse:
    return requisites_page(
        request,
        owner=request.reseller,
        may_edit=can(request.user, Action.REQUISITES_MANAGE),
        template="panel/requisites.html",
        back="accounts:requisites",
        editors=_("администратор реселлера"),
        section="requisites",
    )


@reseller_required
@role_required(Action.CLIENTS_MANAGE, methods=("POST",))
def client_requisites(request: PanelRequest, client_id: int) -> HttpResponse:
    client = found_or_404(client_get, reseller=request.reseller, client_id=client_id)
    return requisites_page(
        request,
        owner=client,
        may_edit=can(request.user, Action.CLIENTS_MANAGE),
        template="panel/clients/requisites.html",
        back="accounts:client-requisites",
        back_kwargs={"client_id": client.pk},
        client=client,
        editors=_("администратор или менеджер реселлера"),
        section="clients",
    )


@client_required
@role_required(Action.REQUISITES_MANAGE, methods=("POST",))
def portal_requisites(request: PortalRequest) -> HttpResponse:
    return requisites_page(
        request,
        owner=request.client,
        may_edit=can(request.user, Action.REQUISITES_MANAGE),
        template="portal/requisites.html",
        back="portal:requisites",
        editors=_("владелец"),
        section="requisites",
    )
