"""The reseller panel's sign-in and its client pages. Views parse input and delegate to
accounts/billing/orders services and selectors (DESIGN.md §11)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from billing.selectors import (
    client_available_balance,
    client_charges,
    client_corrections,
    client_payments,
)
from config.errors import ApplicationError
from config.forms import apply_domain_error
from orders.selectors import client_subscriptions

from .forms import ClientForm, ClientSearchForm, PanelAuthenticationForm
from .panel import PanelRequest, found_or_404, paginate, query_without_page, reseller_required
from .permissions import Action, can
from .selectors import client_get, client_search
from .services import client_create

DETAIL_ROWS = 20


class PanelLoginView(auth_views.LoginView):
    template_name = "panel/login.html"
    authentication_form = PanelAuthenticationForm
    redirect_authenticated_user = False

    def get_default_redirect_url(self) -> str:
        return reverse("plans:list")


class PanelLogoutView(auth_views.LogoutView):
    next_page = "accounts:login"


@reseller_required
def panel_home(request: PanelRequest) -> HttpResponse:
    return redirect("dashboard:index")


@reseller_required
def client_list(request: PanelRequest) -> HttpResponse:
    search = ClientSearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    page = paginate(request, client_search(reseller=request.reseller, query=query))
    return render(
        request,
        "panel/clients/list.html",
        {
            "page": page,
            "search": search,
            "query_string": query_without_page(request),
            "section": "clients",
        },
    )


@reseller_required
def client_new(request: PanelRequest) -> HttpResponse:
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            client = client_create(reseller=request.reseller, by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Клиент «%(name)s» создан.") % {"name": client.name})
            return redirect("accounts:client-detail", client_id=client.pk)
    return render(request, "panel/clients/new.html", {"form": form, "section": "clients"})


@reseller_required
def client_detail(request: PanelRequest, client_id: int) -> HttpResponse:
    client = found_or_404(client_get, reseller=request.reseller, client_id=client_id)
    return render(
        request,
        "panel/clients/detail.html",
        {
            "client": client,
            "available_balance": client_available_balance(client=client),
            "subscriptions": client_subscriptions(client=client)[:DETAIL_ROWS],
            "payments": client_payments(client=client)[:DETAIL_ROWS],
            "corrections": client_corrections(client=client)[:DETAIL_ROWS],
            "may_correct": can(request.user, Action.CORRECTIONS),
            "charges": client_charges(client=client)[:DETAIL_ROWS],
            "section": "clients",
        },
    )
