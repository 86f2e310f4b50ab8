"""The client portal (/portal/): published plans and ordering them (S5-S7), the client's
subscriptions with seat changes (S11) and auto-renew, its balance and its notification
journal (S9). A face over several apps: each view parses input and delegates to their
services and client-scoped selectors (DESIGN.md §11)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing.cancel_views import cancel_page
from billing.forms import ChargeStatusFilterForm
from billing.selectors import (
    client_available_balance,
    client_charges,
    client_corrections,
    client_payments,
)
from billing.views import client_money_export
from config.errors import ApplicationError
from config.forms import apply_domain_error
from core.clock import financial_day
from notifications.exports import CLIENT_NOTIFICATIONS
from notifications.forms import JournalFilterForm
from notifications.selectors import (
    client_notification_get,
    client_notification_list,
    client_notification_unread_count,
)
from notifications.services import notification_mark_read
from notifications.views import PAYLOAD_FIELDS
from orders import services as order_services
from orders.exports import CLIENT_ORDERS, CLIENT_SUBSCRIPTIONS
from orders.forms import OrderStatusFilterForm, SeatChangeForm, SubscriptionStatusFilterForm
from orders.models import SubscriptionStatus
from orders.selectors import (
    client_order_get,
    client_subscription_detail,
    client_subscription_get,
    client_subscriptions,
    order_list,
    portal_plan_get,
    portal_plans,
)
from orders.views import (
    auto_renew_submit,
    order_cancel_submit,
    order_confirm_submit,
    order_page_context,
    pending_change_cancel,
    seat_change_submit,
)
from plans.exports import PORTAL_PLANS

from .exports import PEOPLE
from .forms import PlanSearchForm
from .panel import found_or_404, list_export, list_filters, list_page, role_required
from .permissions import Action, can
from .person_views import (
    invitation_resend_action,
    people_page,
    person_remove_action,
    profile_page,
)
from .portal import PortalRequest, client_required, paginate_as, query_without
from .portal_forms import PortalAuthenticationForm, PortalOrderForm
from .selectors import client_people, client_person_get
from .services import CLIENT_ROLES

HOME_ROWS = 10


class PortalLoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = PortalAuthenticationForm
    redirect_authenticated_user = False

    def get_default_redirect_url(self) -> str:
        return reverse("portal:home")


class PortalLogoutView(auth_views.LogoutView):
    next_page = "portal:login"


@client_required
def home(request: PortalRequest) -> HttpResponse:
    client = request.client
    return render(
        request,
        "portal/home.html",
        {
            "available_balance": client_available_balance(client=client),
            "subscriptions": client_subscriptions(client=client)[:HOME_ROWS],
            "unread": client_notification_unread_count(client=client),
            "section": "home",
        },
    )


# --------------------------------------------------------------------------- plans, orders


@client_required
def plan_list(request: PortalRequest) -> HttpResponse:
    filters, chosen = list_filters(request, PlanSearchForm)
    rows = portal_plans(client=request.client, q=chosen.get("q"))
    if exported := list_export(request, PORTAL_PLANS, rows):
        return exported
    return list_page(
        request, "portal/plans/list.html", rows, section="plans", filters=filters, exports=True
    )


@client_required
@role_required(Action.ORDERS_MANAGE)
def plan_order(request: PortalRequest, plan_id: int) -> HttpResponse:
    plan = found_or_404(portal_plan_get, client=request.client, plan_id=plan_id)
    vendor = plan.vendor_plan
    form = PortalOrderForm(
        request.POST or None,
        initial={"seats": vendor.min_seats},  # S6
        min_seats=vendor.min_seats,
        max_seats=vendor.max_seats,
    )
    if request.method == "POST" and form.is_valid():
        try:
            order = order_services.order_create(
                client=request.client,
                reseller_plan=plan,
                seats=form.cleaned_data["seats"],
                by=request.user,
            )
        except ApplicationError as exc:
            apply_domain_error(form, exc)
        else:
            return redirect("portal:order", order_id=order.pk)
    return render(
        request, "portal/plans/order.html", {"plan": plan, "form": form, "section": "plans"}
    )


@client_required
def orders(request: PortalRequest) -> HttpResponse:
    filters, chosen = list_filters(request, OrderStatusFilterForm)
    rows = order_list(client=request.client, status=chosen.get("status") or None)
    if exported := list_export(request, CLIENT_ORDERS, rows):
        return exported
    return list_page(
        request, "portal/orders/list.html", rows, section="orders", filters=filters, exports=True
    )


@client_required
def order_detail(request: PortalRequest, order_id: int) -> HttpResponse:
    order = found_or_404(client_order_get, client=request.client, order_id=order_id)
    context = order_page_context(order, day=financial_day(timezone.now()))
    return render(request, "portal/orders/detail.html", context)


@require_POST
@client_required
@role_required(Action.ORDERS_MANAGE)
def order_confirm(request: PortalRequest, order_id: int) -> HttpResponse:
    order = found_or_404(client_order_get, client=request.client, order_id=order_id)
    order_confirm_submit(request, order)
    return redirect("portal:order", order_id=order.pk)


@require_POST
@client_required
@role_required(Action.ORDERS_MANAGE)
def order_cancel(request: PortalRequest, order_id: int) -> HttpResponse:
    order = found_or_404(client_order_get, client=request.client, order_id=order_id)
    order_cancel_submit(request, order)
    return redirect("portal:order", order_id=order.pk)


# --------------------------------------------------------------------------- subscriptions


@client_required
def subscription_list(request: PortalRequest) -> HttpResponse:
    filters, chosen = list_filters(request, SubscriptionStatusFilterForm)
    rows = client_subscriptions(client=request.client, status=chosen.get("status") or None)
    if exported := list_export(request, CLIENT_SUBSCRIPTIONS, rows):
        return exported
    return list_page(
        request,
        "portal/subscriptions/list.html",
        rows,
        section="subscriptions",
        filters=filters,
        exports=True,
    )


def _subscription_page(
    request: PortalRequest, subscription_id: int, form: SeatChangeForm | None = None
) -> HttpResponse:
    detail = found_or_404(
        client_subscription_detail, client=request.client, subscription_id=subscription_id
    )
    if form is None:
        form = SeatChangeForm.for_subscription(detail.subscription)
    return render(
        request,
        "portal/subscriptions/detail.html",
        {
            "detail": detail,
            "subscription": detail.subscription,
            "form": form,
            "can_change_seats": detail.subscription.status == SubscriptionStatus.ACTIVE,
            "for_reseller": False,
            "urls": {
                "order": reverse("portal:order", args=[detail.subscription.order_id]),
                "auto_renew": reverse("portal:auto-renew", args=[subscription_id]),
                "seat_change_cancel": reverse("portal:seat-change-cancel", args=[subscription_id]),
                "seats": reverse("portal:seats", args=[subscription_id]),
                "cancel": reverse("portal:subscription-cancel", args=[subscription_id]),
            },
            "may_cancel": can(request.user, Action.SUBSCRIPTIONS_CANCEL),
            "section": "subscriptions",
        },
    )


@client_required
def subscription_detail(request: PortalRequest, subscription_id: int) -> HttpResponse:
    return _subscription_page(request, subscription_id)


@client_required
def subscription_cancel(request: PortalRequest, subscription_id: int) -> HttpResponse:
    subscription = found_or_404(
        client_subscription_get, client=request.client, subscription_id=subscription_id
    )
    return cancel_page(
        request,
        subscription,
        template="portal/subscriptions/cancel.html",
        done_url=reverse("portal:subscription", args=[subscription_id]),
        context={
            "back_url": reverse("portal:subscription", args=[subscription_id]),
            "for_reseller": False,
            "section": "subscriptions",
        },
    )


@require_POST
@client_required
@role_required(Action.SUBSCRIPTIONS_MANAGE)
def subscription_seats(request: PortalRequest, subscription_id: int) -> HttpResponse:
    subscription = found_or_404(
        client_subscription_get, client=request.client, subscription_id=subscription_id
    )
    form, done = seat_change_submit(request, subscription)
    if done:
        return redirect("portal:subscription", subscription_id=subscription.pk)
    return _subscription_page(request, subscription_id, form)


@require_POST
@client_required
@role_required(Action.SUBSCRIPTIONS_MANAGE)
def seat_change_cancel(request: PortalRequest, subscription_id: int) -> HttpResponse:
    detail = found_or_404(
        client_subscription_detail, client=request.client, subscription_id=subscription_id
    )
    pending_change_cancel(request, detail.pending_change)
    return redirect("portal:subscription", subscription_id=subscription_id)


@require_POST
@client_required
@role_required(Action.SUBSCRIPTIONS_MANAGE)
def subscription_auto_renew(request: PortalRequest, subscription_id: int) -> HttpResponse:
    subscription = found_or_404(
        client_subscription_get, client=request.client, subscription_id=subscription_id
    )
    auto_renew_submit(request, subscription)
    return redirect("portal:subscription", subscription_id=subscription_id)


# --------------------------------------------------------------------------- balance


@client_required
def balance(request: PortalRequest) -> HttpResponse:
    client = request.client
    filters, chosen = list_filters(request, ChargeStatusFilterForm)
    status = chosen.get("status") or None
    if exported := client_money_export(request, client, charge_status=status):
        return exported
    charges = client_charges(client=client, status=status)
    return render(
        request,
        "portal/balance.html",
        {
            "available_balance": client_available_balance(client=client),
            "filters": filters,
            "charges": paginate_as(request, charges, param="charges"),
            "charges_query": query_without(request, "charges"),
            "payments": paginate_as(request, client_payments(client=client), param="payments"),
            "payments_query": query_without(request, "payments"),
            "corrections": paginate_as(
                request, client_corrections(client=client), param="corrections"
            ),
            "corrections_query": query_without(request, "corrections"),
            "section": "balance",
        },
    )


# --------------------------------------------------------------------------- journal


@client_required
def notification_list(request: PortalRequest) -> HttpResponse:
    filters, chosen = list_filters(request, JournalFilterForm, clients=None)
    rows = client_notification_list(
        client=request.client, kind=chosen.get("kind") or None, read=chosen.get("read") or None
    )
    if exported := list_export(request, CLIENT_NOTIFICATIONS, rows):
        return exported
    return list_page(
        request,
        "portal/notifications/list.html",
        rows,
        section="notifications",
        filters=filters,
        exports=True,
        unread=client_notification_unread_count(client=request.client),
    )


@client_required
def notification_detail(request: PortalRequest, notification_id: int) -> HttpResponse:
    notification = found_or_404(
        client_notification_get, client=request.client, notification_id=notification_id
    )
    payload = notification.payload or {}
    activation = [(label, key, payload[key]) for key, label in PAYLOAD_FIELDS if payload.get(key)]
    return render(
        request,
        "portal/notifications/detail.html",
        {"notification": notification, "activation": activation, "section": "notifications"},
    )


@require_POST
@client_required
def notification_read(request: PortalRequest, notification_id: int) -> HttpResponse:
    notification = found_or_404(
        client_notification_get, client=request.client, notification_id=notification_id
    )
    notification_mark_read(notification=notification, at=timezone.now())
    messages.success(request, _("Уведомление отмечено как прочитанное."))
    return redirect("portal:notification", notification_id=notification.pk)


# --------------------------------------------------------------------------- people


@client_required
@role_required(Action.PEOPLE_MANAGE, methods=("POST",))
def people(request: PortalRequest) -> HttpResponse:
    """«Пользователи»: everyone reads the list; the owner and the client's admins invite."""
    if exported := list_export(request, PEOPLE, client_people(client=request.client)):
        return exported
    return people_page(
        request,
        tenant={"client": request.client},
        roles=CLIENT_ROLES,
        people=client_people(client=request.client),
        template="portal/people.html",
        section="people",
        back="portal:people",
    )


@require_POST
@client_required
@role_required(Action.PEOPLE_MANAGE)
def person_remove_view(request: PortalRequest, membership_id: int) -> HttpResponse:
    membership = found_or_404(client_person_get, client=request.client, membership_id=membership_id)
    return person_remove_action(
        request, membership, back="portal:people", done=_("Пользователь %(email)s удалён.")
    )


@require_POST
@client_required
@role_required(Action.PEOPLE_MANAGE)
def person_resend(request: PortalRequest, membership_id: int) -> HttpResponse:
    membership = found_or_404(client_person_get, client=request.client, membership_id=membership_id)
    return invitation_resend_action(request, membership, back="portal:people")


@client_required
def profile(request: PortalRequest) -> HttpResponse:
    return profile_page(request, template="portal/profile.html")
