"""The reseller panel's order and subscription pages (S5-S7, S11). Views parse input and
delegate to orders.services and the tenant-scoped selectors (DESIGN.md §11)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
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
from accounts.permissions import Action, can
from accounts.selectors import client_get, client_list
from billing.cancel_views import cancel_page
from billing.services import period_quote
from config.errors import ApplicationError
from config.formats import format_moment
from config.forms import apply_domain_error, report_domain_error
from core.clock import financial_day, nightly_moment
from plans.models import ResellerPlan

from . import services
from .exports import ORDERS, SUBSCRIPTIONS
from .forms import OrderForm, OrderStatusFilterForm, SeatChangeForm, SubscriptionStatusFilterForm
from .models import Order, OrderStatus, SubscriptionStatus
from .selectors import (
    order_get,
    order_list,
    order_payment_status,
    orderable_plans,
    subscription_detail,
    subscription_get,
    subscription_list,
)

PAYMENT_URL_NAMES = ("payments:new", "payments:list")


def _payments_url(order: Order) -> str | None:
    """The Payments page (S8) when it is mounted; the order and client preselected."""
    for name in PAYMENT_URL_NAMES:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        return f"{url}?client={order.client_id}&order={order.pk}"
    return None


# --------------------------------------------------------------------------- orders


@reseller_required
def order_index(request: PanelRequest) -> HttpResponse:
    filters, chosen = list_filters(request, OrderStatusFilterForm)
    rows = order_list(reseller=request.reseller, status=chosen.get("status") or None)
    if exported := list_export(request, ORDERS, rows):
        return exported
    return list_page(
        request, "panel/orders/list.html", rows, section="orders", filters=filters, exports=True
    )


def _selected_plan(plans, raw: str | None) -> ResellerPlan | None:
    if raw and raw.isdigit():
        for plan in plans:
            if plan.pk == int(raw):
                return plan
    return plans[0] if plans else None


@reseller_required
@role_required(Action.ORDERS_MANAGE)
def order_new(request: PanelRequest) -> HttpResponse:
    clients = client_list(reseller=request.reseller)
    plans = orderable_plans(reseller=request.reseller)
    plan_list = list(plans)
    data = request.POST if request.method == "POST" else None
    plan = _selected_plan(
        plan_list, (data or request.GET).get("reseller_plan") or request.GET.get("plan")
    )
    initial: dict[str, object] = {}
    client_id = request.GET.get("client")
    if client_id:
        client = found_or_404(
            client_get,
            reseller=request.reseller,
            client_id=int(client_id) if client_id.isdigit() else 0,
        )
        initial["client"] = client.pk
    if plan is not None:
        initial["reseller_plan"] = plan.pk
        initial["seats"] = plan.vendor_plan.min_seats  # S6
    form = OrderForm(data, initial=initial, clients=clients, plans=plans, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            order = services.order_create(
                client=form.cleaned_data["client"],
                reseller_plan=form.cleaned_data["reseller_plan"],
                seats=form.cleaned_data["seats"],
                by=request.user,
            )
        except ApplicationError as exc:
            apply_domain_error(form, exc)
        else:
            return redirect("orders:detail", order_id=order.pk)
    return render(
        request,
        "panel/orders/new.html",
        {"form": form, "plans": plan_list, "section": "orders"},
    )


def order_page_context(order: Order, *, day: date) -> dict[str, object]:
    """The figures of an order page, the panel's and the portal's alike, for `day`: a draft's
    first period if confirmed today (S7), or what a pending order still takes to activate,
    from the one selector every face uses."""
    context: dict[str, object] = {"order": order, "section": "orders"}
    if order.status == OrderStatus.DRAFT:
        quote = period_quote(reseller_plan=order.reseller_plan, seats=order.seats, starts_on=day)
        context["quote"] = quote
        context["amount_due"] = quote.total
    subscription = getattr(order, "subscription", None)
    if subscription is not None:
        context["subscription"] = subscription
        context["payment_status"] = order_payment_status(order=order, day=day)
    return context


@reseller_required
def order_detail(request: PanelRequest, order_id: int) -> HttpResponse:
    order = found_or_404(order_get, reseller=request.reseller, order_id=order_id)
    context = order_page_context(order, day=financial_day(timezone.now()))
    if context.get("payment_status") is not None:
        context["payments_url"] = _payments_url(order)
    return render(request, "panel/orders/detail.html", context)


def order_confirm_submit(request, order) -> None:
    """S7 for the panel and the portal alike: confirm, then say where the subscription stands."""
    try:
        subscription = services.order_confirm(order=order, at=timezone.now(), by=request.user)
    except ApplicationError as exc:
        report_domain_error(request, exc)
    else:
        if subscription.status == SubscriptionStatus.ACTIVE:
            messages.success(request, _("Заказ подтверждён, подписка активна."))
        else:
            messages.success(request, _("Заказ подтверждён, подписка ожидает оплаты."))


def order_cancel_submit(request, order) -> None:
    try:
        services.order_cancel(order=order, at=timezone.now(), by=request.user)
    except ApplicationError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(request, _("Заказ отменён."))


@require_POST
@reseller_required
@role_required(Action.ORDERS_MANAGE)
def order_confirm(request: PanelRequest, order_id: int) -> HttpResponse:
    order = found_or_404(order_get, reseller=request.reseller, order_id=order_id)
    order_confirm_submit(request, order)
    return redirect("orders:detail", order_id=order.pk)


@require_POST
@reseller_required
@role_required(Action.ORDERS_MANAGE)
def order_cancel(request: PanelRequest, order_id: int) -> HttpResponse:
    order = found_or_404(order_get, reseller=request.reseller, order_id=order_id)
    order_cancel_submit(request, order)
    return redirect("orders:detail", order_id=order.pk)


# --------------------------------------------------------------------------- subscriptions


@reseller_required
def subscription_index(request: PanelRequest) -> HttpResponse:
    filters, chosen = list_filters(request, SubscriptionStatusFilterForm)
    rows = subscription_list(reseller=request.reseller, status=chosen.get("status") or None)
    if exported := list_export(request, SUBSCRIPTIONS, rows):
        return exported
    return list_page(
        request, "panel/subscriptions/list.html", rows, section="subscriptions", filters=filters
    )


def _subscription_page(
    request: PanelRequest, subscription_id: int, form: SeatChangeForm | None = None
) -> HttpResponse:
    detail = found_or_404(
        subscription_detail, reseller=request.reseller, subscription_id=subscription_id
    )
    if form is None:
        form = SeatChangeForm.for_subscription(detail.subscription)
    return render(
        request,
        "panel/subscriptions/detail.html",
        {
            "detail": detail,
            "subscription": detail.subscription,
            "form": form,
            "can_change_seats": detail.subscription.status == SubscriptionStatus.ACTIVE,
            "for_reseller": True,
            "urls": {
                "order": reverse("orders:detail", args=[detail.subscription.order_id]),
                "auto_renew": reverse("subscriptions:auto-renew", args=[subscription_id]),
                "seat_change_cancel": reverse(
                    "subscriptions:seat-change-cancel", args=[subscription_id]
                ),
                "seats": reverse("subscriptions:seats", args=[subscription_id]),
                "cancel": reverse("subscriptions:cancel", args=[subscription_id]),
            },
            "may_cancel": can(request.user, Action.SUBSCRIPTIONS_CANCEL),
            "section": "subscriptions",
        },
    )


@reseller_required
def subscription_page(request: PanelRequest, subscription_id: int) -> HttpResponse:
    return _subscription_page(request, subscription_id)


@reseller_required
def subscription_cancel(request: PanelRequest, subscription_id: int) -> HttpResponse:
    subscription = found_or_404(
        subscription_get, reseller=request.reseller, subscription_id=subscription_id
    )
    return cancel_page(
        request,
        subscription,
        template="panel/subscriptions/cancel.html",
        done_url=reverse("subscriptions:detail", args=[subscription_id]),
        context={
            "back_url": reverse("subscriptions:detail", args=[subscription_id]),
            "for_reseller": True,
            "section": "subscriptions",
        },
    )


# The panel and the portal act on a subscription the same way; only the tenant lookup and
# the page they return to differ. These take the subscription their caller found.


def seat_change_submit(request, subscription) -> tuple[SeatChangeForm, bool]:
    """S11: validates the form and requests the change; errors land beside the field."""
    form = SeatChangeForm.for_subscription(subscription, request.POST)
    if not form.is_valid():
        return form, False
    try:
        change = services.seat_change_request(
            subscription=subscription,
            seats=form.cleaned_data["seats"],
            at=timezone.now(),
            by=request.user,
        )
    except ApplicationError as exc:
        apply_domain_error(form, exc, aliases={"subscription": "seats"})
        return form, False
    messages.success(
        request,
        _("Изменение запрошено: %(seats)s рабочих мест с %(at)s.")
        % {"seats": change.seats, "at": format_moment(nightly_moment(change.effective_on))},
    )
    return form, True


def pending_change_cancel(request, pending_change) -> None:
    if pending_change is None:
        messages.error(request, _("Нет ожидающего изменения числа мест."))
        return
    try:
        services.seat_change_cancel(seat_change=pending_change, at=timezone.now(), by=request.user)
    except ApplicationError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(request, _("Изменение числа мест отменено."))


def auto_renew_submit(request, subscription) -> None:
    value = request.POST.get("auto_renew")
    if value not in ("on", "off"):
        messages.error(request, _("Укажите, включить или выключить автопродление."))
        return
    try:
        services.subscription_set_auto_renew(
            subscription=subscription, auto_renew=value == "on", by=request.user
        )
    except ApplicationError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(
            request,
            _("Автопродление включено.") if value == "on" else _("Автопродление выключено."),
        )


@require_POST
@reseller_required
@role_required(Action.SUBSCRIPTIONS_MANAGE)
def subscription_seats(request: PanelRequest, subscription_id: int) -> HttpResponse:
    subscription = found_or_404(
        subscription_get, reseller=request.reseller, subscription_id=subscription_id
    )
    form, done = seat_change_submit(request, subscription)
    if done:
        return redirect("subscriptions:detail", subscription_id=subscription.pk)
    return _subscription_page(request, subscription_id, form)


@require_POST
@reseller_required
@role_required(Action.SUBSCRIPTIONS_MANAGE)
def seat_change_cancel(request: PanelRequest, subscription_id: int) -> HttpResponse:
    detail = found_or_404(
        subscription_detail, reseller=request.reseller, subscription_id=subscription_id
    )
    pending_change_cancel(request, detail.pending_change)
    return redirect("subscriptions:detail", subscription_id=subscription_id)


@require_POST
@reseller_required
@role_required(Action.SUBSCRIPTIONS_MANAGE)
def subscription_auto_renew(request: PanelRequest, subscription_id: int) -> HttpResponse:
    subscription = found_or_404(
        subscription_get, reseller=request.reseller, subscription_id=subscription_id
    )
    auto_renew_submit(request, subscription)
    return redirect("subscriptions:detail", subscription_id=subscription_id)
