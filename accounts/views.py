"""The reseller panel's sign-in and its client pages. Views parse input and delegate to
accounts/billing/orders services and selectors (DESIGN.md §11)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing.selectors import (
    client_available_balance,
    client_charges,
    client_corrections,
    client_payments,
)
from billing.views import client_money_export
from config.errors import ApplicationError
from config.forms import apply_domain_error, report_domain_error
from documents.selectors import invoice_list
from orders.selectors import client_subscriptions

from .exports import CLIENTS, STAFF
from .forms import ClientForm, ClientSearchForm, PanelAuthenticationForm, ReminderDaysForm
from .invitations import invitation_pending
from .panel import (
    PanelRequest,
    found_or_404,
    list_export,
    paginate,
    query_without_page,
    reseller_required,
    role_required,
)
from .permissions import Action, can
from .person_views import (
    invitation_resend_action,
    people_page,
    person_remove_action,
    profile_page,
)
from .selectors import (
    client_get,
    client_search,
    staff_get,
    staff_list,
)
from .services import (
    STAFF_ROLES,
    client_create,
    invitation_resend,
    reminder_days_text,
    reseller_set_reminder_days,
)

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
    rows = client_search(reseller=request.reseller, query=query)
    if exported := list_export(request, CLIENTS, rows):
        return exported
    page = paginate(request, rows)
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
@role_required(Action.CLIENTS_MANAGE)
def client_new(request: PanelRequest) -> HttpResponse:
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            client = client_create(
                reseller=request.reseller,
                **form.cleaned_data,
                by=request.user,
                at=timezone.now(),
            )
        except ApplicationError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Клиент «%(name)s» создан. Владельцу отправлено приглашение на %(email)s.")
                % {"name": client.name, "email": client.email},
            )
            return redirect("accounts:client-detail", client_id=client.pk)
    return render(request, "panel/clients/new.html", {"form": form, "section": "clients"})


@reseller_required
def client_detail(request: PanelRequest, client_id: int) -> HttpResponse:
    client = found_or_404(client_get, reseller=request.reseller, client_id=client_id)
    if exported := client_money_export(request, client):
        return exported
    return render(
        request,
        "panel/clients/detail.html",
        {
            "client": client,
            "available_balance": client_available_balance(client=client),
            "subscriptions": client_subscriptions(client=client)[:DETAIL_ROWS],
            "payments": client_payments(client=client)[:DETAIL_ROWS],
            "invoices": invoice_list(reseller=request.reseller, client_id=client.pk)[:DETAIL_ROWS],
            "corrections": client_corrections(client=client)[:DETAIL_ROWS],
            "may_correct": can(request.user, Action.CORRECTIONS),
            "charges": client_charges(client=client)[:DETAIL_ROWS],
            "owner_invitation": invitation_pending(user=client.owner),
            "owner_has_password": client.owner.has_usable_password(),
            "section": "clients",
        },
    )


@require_POST
@reseller_required
@role_required(Action.CLIENTS_MANAGE)
def client_invitation_resend(request: PanelRequest, client_id: int) -> HttpResponse:
    """The owner's invitation again: the previous link stops working."""
    client = found_or_404(client_get, reseller=request.reseller, client_id=client_id)
    try:
        invitation_resend(membership=client.owner.membership, at=timezone.now(), by=request.user)
    except ApplicationError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(
            request,
            _("Приглашение отправлено повторно на %(email)s; прежняя ссылка больше не действует.")
            % {"email": client.owner.email},
        )
    return redirect("accounts:client-detail", client_id=client.pk)


# --------------------------------------------------------------------------- staff


@reseller_required
@role_required(Action.STAFF_MANAGE, methods=("POST",))
def staff(request: PanelRequest) -> HttpResponse:
    """«Сотрудники»: everyone reads the list; the reseller's admins invite."""
    if exported := list_export(request, STAFF, staff_list(reseller=request.reseller)):
        return exported
    return people_page(
        request,
        tenant={"reseller": request.reseller},
        roles=STAFF_ROLES,
        people=staff_list(reseller=request.reseller),
        template="panel/staff.html",
        section="staff",
        back="accounts:staff",
    )


@require_POST
@reseller_required
@role_required(Action.STAFF_MANAGE)
def staff_remove(request: PanelRequest, membership_id: int) -> HttpResponse:
    membership = found_or_404(staff_get, reseller=request.reseller, membership_id=membership_id)
    return person_remove_action(
        request, membership, back="accounts:staff", done=_("Сотрудник %(email)s удалён.")
    )


@require_POST
@reseller_required
@role_required(Action.STAFF_MANAGE)
def staff_resend(request: PanelRequest, membership_id: int) -> HttpResponse:
    membership = found_or_404(staff_get, reseller=request.reseller, membership_id=membership_id)
    return invitation_resend_action(request, membership, back="accounts:staff")


@reseller_required
def profile(request: PanelRequest) -> HttpResponse:
    return profile_page(request, template="panel/profile.html")


# --------------------------------------------------------------------------- settings


@reseller_required
@role_required(Action.SETTINGS_MANAGE, methods=("POST",))
def reminder_settings(request: PanelRequest) -> HttpResponse:
    """«Напоминания о продлении» (DESIGN.md §4.10): every staff member reads them, the
    reseller's admins change them."""
    reseller = request.reseller
    form = ReminderDaysForm(
        request.POST or None,
        initial={"reminder_days": reminder_days_text(reseller.reminder_days or [])},
    )
    if request.method == "POST" and form.is_valid():
        try:
            reseller_set_reminder_days(
                reseller=reseller,
                days=form.cleaned_data["reminder_days"],
                at=timezone.now(),
                by=request.user,
            )
        except ApplicationError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Сроки напоминаний сохранены."))
            return redirect("accounts:reminder-settings")
    return render(
        request,
        "panel/reminder_settings.html",
        {"form": form, "reseller": reseller, "section": "reminders"},
    )
