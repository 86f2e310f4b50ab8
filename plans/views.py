"""The reseller panel's tariff plan pages (S1-S4). Views parse input and delegate to
plans.services and plans.selectors (DESIGN.md §11)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.panel import (
    PanelRequest,
    found_or_404,
    list_export,
    list_filters,
    list_page,
    reseller_required,
    role_required,
)
from accounts.permissions import Action
from config.errors import ApplicationError
from config.forms import apply_domain_error, report_domain_error

from . import services
from .exports import PLANS
from .forms import SeatPriceForm, StatusFilterForm
from .models import ResellerPlan
from .selectors import plan_catalogue, plan_get


@reseller_required
def plan_list(request: PanelRequest) -> HttpResponse:
    filters, chosen = list_filters(request, StatusFilterForm)
    status = chosen.get("status") or ""
    rows = plan_catalogue(reseller=request.reseller, status=status or None)
    if exported := list_export(request, PLANS, rows):
        return exported
    return list_page(
        request, "panel/plans/list.html", rows, section="plans", filters=filters, status=status
    )


@reseller_required
def plan_detail(request: PanelRequest, vendor_plan_id: int) -> HttpResponse:
    plan = found_or_404(plan_get, reseller=request.reseller, vendor_plan_id=vendor_plan_id)
    return render(
        request, "panel/plans/general.html", {"plan": plan, "tab": "general", "section": "plans"}
    )


@reseller_required
def plan_resources(request: PanelRequest, vendor_plan_id: int) -> HttpResponse:
    plan = found_or_404(plan_get, reseller=request.reseller, vendor_plan_id=vendor_plan_id)
    return render(
        request,
        "panel/plans/resources.html",
        {"plan": plan, "tab": "resources", "section": "plans"},
    )


@reseller_required
@role_required(Action.PLANS_MANAGE, methods=("POST",))
def plan_workplace(request: PanelRequest, vendor_plan_id: int) -> HttpResponse:
    plan = found_or_404(plan_get, reseller=request.reseller, vendor_plan_id=vendor_plan_id)
    initial = {"seat_price": plan.seat_price} if plan.seat_price is not None else {}
    form = SeatPriceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if plan.reseller_plan is None:
            form.add_error(None, _("Сначала активируйте тарифный план."))
        else:
            try:
                services.reseller_plan_set_seat_price(
                    reseller_plan=plan.reseller_plan,
                    seat_price=form.cleaned_data["seat_price"],
                    by=request.user,
                )
            except ApplicationError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Абонентская плата сохранена."))
                return redirect("plans:workplace", vendor_plan_id=plan.vendor_plan.pk)
    return render(
        request,
        "panel/plans/workplace.html",
        {"plan": plan, "form": form, "tab": "resources", "section": "plans"},
    )


def _plan_action(
    request: PanelRequest,
    vendor_plan_id: int,
    act: Callable[[ResellerPlan], object],
    done: str,
) -> HttpResponse:
    plan = found_or_404(plan_get, reseller=request.reseller, vendor_plan_id=vendor_plan_id)
    if plan.reseller_plan is None:
        raise Http404(_("Тарифный план не активирован."))
    try:
        act(plan.reseller_plan)
    except ApplicationError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(request, done)
    return redirect("plans:detail", vendor_plan_id=vendor_plan_id)


@require_POST
@reseller_required
@role_required(Action.PLANS_MANAGE)
def plan_activate(request: PanelRequest, vendor_plan_id: int) -> HttpResponse:
    plan = found_or_404(plan_get, reseller=request.reseller, vendor_plan_id=vendor_plan_id)
    try:
        services.reseller_plan_activate(
            reseller=request.reseller, vendor_plan=plan.vendor_plan, by=request.user
        )
    except ApplicationError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(request, _("Тарифный план активирован."))
    return redirect("plans:detail", vendor_plan_id=vendor_plan_id)


@require_POST
@reseller_required
@role_required(Action.PLANS_MANAGE)
def plan_deactivate(request: PanelRequest, vendor_plan_id: int) -> HttpResponse:
    return _plan_action(
        request,
        vendor_plan_id,
        lambda rp: services.reseller_plan_deactivate(reseller_plan=rp, by=request.user),
        _("Тарифный план деактивирован."),
    )


@require_POST
@reseller_required
@role_required(Action.PLANS_MANAGE)
def plan_publish(request: PanelRequest, vendor_plan_id: int) -> HttpResponse:
    return _plan_action(
        request,
        vendor_plan_id,
        lambda rp: services.reseller_plan_publish(reseller_plan=rp, by=request.user),
        _("Тарифный план опубликован в панели клиента."),
    )


@require_POST
@reseller_required
@role_required(Action.PLANS_MANAGE)
def plan_unpublish(request: PanelRequest, vendor_plan_id: int) -> HttpResponse:
    return _plan_action(
        request,
        vendor_plan_id,
        lambda rp: services.reseller_plan_unpublish(reseller_plan=rp, by=request.user),
        _("Тарифный план снят с публикации."),
    )
