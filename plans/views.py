"""The reseller panel's tariff plan pages (S1-S4). Views parse input and delegate to
plans.services and plans.selectors (DESIGN.md §11)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

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
from config.formats import format_amount_input, format_rub
from config.forms import apply_domain_error, report_domain_error

from . import services
from .exports import PLANS
from .forms import SeatPriceForm, StatusFilterForm
from .models import ResellerPlan
from .selectors import (
    MarginQuote,
    PlanView,
    plan_active_subscriptions,
    plan_catalogue,
    plan_get,
    seat_price_margin,
)


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
    # «1099,50», as people type it back (the field takes a point as well).
    initial = {"seat_price": format_amount_input(plan.seat_price)}
    form = SeatPriceForm(request.POST or None, initial=initial)
    loss: MarginQuote | None = None
    if request.method == "POST" and form.is_valid():
        if plan.reseller_plan is None:
            form.add_error(None, _("Сначала активируйте тарифный план."))
        else:
            try:
                saved = services.reseller_plan_set_seat_price(
                    reseller_plan=plan.reseller_plan,
                    seat_price=form.cleaned_data["seat_price"],
                    by=request.user,
                    confirm_loss=form.cleaned_data["confirm_loss"],
                )
            except ApplicationError as exc:
                if exc.code == services.SEAT_PRICE_BELOW_COST:
                    # The second step: the warning with its numbers and the confirmation.
                    loss = seat_price_margin(
                        reseller=request.reseller,
                        reseller_plan=plan.reseller_plan,
                        seat_price=Decimal(form.cleaned_data["seat_price"]),
                    )
                else:
                    apply_domain_error(form, exc)
            else:
                _report_saved(request, saved)
                return redirect("plans:workplace", vendor_plan_id=plan.vendor_plan.pk)
    return render(
        request,
        "panel/plans/workplace.html",
        {
            "plan": plan,
            "form": form,
            "loss": loss,
            "margin": (
                seat_price_margin(
                    reseller=request.reseller,
                    reseller_plan=plan.reseller_plan,
                    seat_price=plan.effective_seat_price,
                )
                if plan.reseller_plan is not None
                else None
            ),
            "tab": "resources",
            "section": "plans",
        },
    )


def _report_saved(request: PanelRequest, plan: ResellerPlan) -> None:
    price = plan.effective_seat_price
    purchase = plan.vendor_plan.purchase_price
    if services.seat_price_is_loss(seat_price=price, purchase_price=purchase):
        # Confirmed, yet still not a success to celebrate in green.
        messages.warning(
            request,
            _(
                "Абонентская плата %(price)s сохранена ниже закупочной цены %(purchase)s: "
                "маржа %(margin)s за место в месяц."
            )
            % {
                "price": format_rub(price),
                "purchase": format_rub(purchase),
                "margin": format_rub(price - purchase),
            },
        )
    else:
        messages.success(request, _("Абонентская плата сохранена."))


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


def _confirmed(request: PanelRequest) -> bool:
    return request.POST.get("confirm") == "1"


def _confirm_page(
    request: PanelRequest, plan: PlanView, what: str, **extra: object
) -> HttpResponse:
    """The step before a consequential plan action (§8): what will follow, and one button
    that repeats the POST with `confirm=1`. Nothing has been written."""
    return render(
        request,
        "panel/plans/confirm.html",
        {"plan": plan, "what": what, "tab": "general", "section": "plans", **extra},
    )


@require_POST
@reseller_required
@role_required(Action.PLANS_MANAGE)
def plan_deactivate(request: PanelRequest, vendor_plan_id: int) -> HttpResponse:
    plan = found_or_404(plan_get, reseller=request.reseller, vendor_plan_id=vendor_plan_id)
    if plan.reseller_plan is None:
        raise Http404(_("Тарифный план не активирован."))
    running = plan_active_subscriptions(reseller=request.reseller, reseller_plan=plan.reseller_plan)
    if running and plan.is_active and not _confirmed(request):
        return _confirm_page(request, plan, "deactivate", running=running)
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
    plan = found_or_404(plan_get, reseller=request.reseller, vendor_plan_id=vendor_plan_id)
    if plan.reseller_plan is None:
        raise Http404(_("Тарифный план не активирован."))
    no_margin = plan.seat_price is None or plan.margin_per_seat <= 0
    if no_margin and plan.is_active and not plan.is_published and not _confirmed(request):
        margin = seat_price_margin(
            reseller=request.reseller,
            reseller_plan=plan.reseller_plan,
            seat_price=plan.effective_seat_price,
        )
        return _confirm_page(request, plan, "publish", margin=margin)
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
