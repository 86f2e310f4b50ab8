"""The reseller panel's payment pages (S8) and its dashboard. Views parse input and delegate
to billing.services and the tenant-scoped selectors (DESIGN.md §11)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from accounts.models import Client
from accounts.panel import (
    PanelRequest,
    found_or_404,
    list_export,
    paginate,
    query_without_page,
    reseller_required,
    role_required,
)
from accounts.permissions import Action, can
from accounts.selectors import client_get, client_list
from core.clock import financial_day
from orders.models import Order
from orders.selectors import OrderPaymentStatus, order_payment_status

from .charts import bar_chart
from .exports import CHARGES, CLIENT_PAYMENTS, CORRECTIONS, PAYMENTS
from .forms import ClientPickForm, PaymentFilterForm, PaymentForm
from .models import Payment
from .selectors import (
    Served,
    client_available_balance,
    client_charges,
    client_corrections,
    client_order_exists,
    client_payments,
    client_pending_orders,
    payment_get,
    payment_list,
    payment_served,
    reseller_dashboard,
)
from .services import payment_register_outcome
from .submissions import submit_form_once, token_issue, token_renew


@reseller_required
def payment_index(request: PanelRequest) -> HttpResponse:
    filters = PaymentFilterForm(request.GET, clients=client_list(reseller=request.reseller))
    values = filters.cleaned_data if filters.is_valid() else {}
    client = values.get("client")
    rows = payment_list(
        reseller=request.reseller,
        client_id=client.pk if client else None,
        date_from=values.get("date_from"),
        date_to=values.get("date_to"),
        method=values.get("method") or None,
    )
    if exported := list_export(request, PAYMENTS, rows):
        return exported
    page = paginate(request, rows)
    return render(
        request,
        "panel/payments/list.html",
        {
            "page": page,
            "filters": filters,
            "query_string": query_without_page(request),
            "may_correct": can(request.user, Action.CORRECTIONS),
            "section": "payments",
        },
    )


def client_money_export(
    request: HttpRequest, client: Client, *, charge_status: str | None = None
) -> HttpResponse | None:
    """A client's charges, payments or corrections as a file (`?export=…&table=…`): the
    lists of the panel's client page and the portal's balance page."""
    lists = (
        ("charges", CHARGES, client_charges(client=client, status=charge_status)),
        ("payments", CLIENT_PAYMENTS, client_payments(client=client)),
        ("corrections", CORRECTIONS, client_corrections(client=client)),
    )
    for name, table, rows in lists:
        if exported := list_export(request, table, rows, name=name):
            return exported
    return None


def _client_id(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


@reseller_required
@role_required(Action.PAYMENTS_REGISTER)
def payment_new(request: PanelRequest) -> HttpResponse:
    client_id = _client_id(request.GET.get("client"))
    if client_id is None:
        # First pick the client: the form's pending orders are that client's. Submitted
        # without one (or with a bad one), the pick says so beside its field.
        pick = ClientPickForm(
            request.GET if "client" in request.GET else None,
            clients=client_list(reseller=request.reseller),
        )
        pick.is_valid()
        return render(request, "panel/payments/pick.html", {"pick": pick, "section": "payments"})
    client = found_or_404(client_get, reseller=request.reseller, client_id=client_id)
    orders = client_pending_orders(client=client)
    initial: dict[str, object] = {}
    order_id = _client_id(request.GET.get("order"))
    if order_id is not None:
        # Another client's order (another reseller's too) is not found; one of this client's
        # that no longer waits for payment is simply not offered.
        if not client_order_exists(client=client, order_id=order_id):
            raise Http404(_("Заказ не найден."))
        initial["order"] = order_id
    initial["form_token"] = token_issue()
    form = PaymentForm(request.POST or None, orders=orders, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def work() -> str:
            outcome = payment_register_outcome(
                client=client,
                amount=data["amount"],
                at=timezone.now(),
                order=data["order"],
                by=request.user,
                method=data["method"],
                reference=data["reference"],
            )
            _report_outcome(request, outcome.payment)
            return reverse("payments:detail", args=[outcome.payment.pk])

        if done := submit_form_once(request, form, token=data["form_token"], work=work):
            return done
    token_renew(form)
    # What the chosen order still takes, so the person can pay exactly that (S8).
    chosen = _chosen_order(orders, (request.POST or request.GET).get("order"))
    return render(
        request,
        "panel/payments/new.html",
        {
            "client": client,
            "form": form,
            "available_balance": client_available_balance(client=client),
            "order": chosen,
            "payment_status": _payment_status(chosen, financial_day(timezone.now())),
            "section": "payments",
        },
    )


def _chosen_order(orders: QuerySet[Order], raw: str | None) -> Order | None:
    order_id = _client_id(raw)
    return orders.filter(pk=order_id).first() if order_id is not None else None


def _payment_status(order: Order | None, day: date) -> OrderPaymentStatus | None:
    return order_payment_status(order=order, day=day) if order is not None else None


def _served_links(served: list[Served]) -> SafeString:
    """«№12 ESET PROTECT Entry (рабочих мест: 5)», each a link to its subscription."""
    return format_html_join(
        ", ",
        '<a href="{}">{}</a>',
        (
            (
                reverse("subscriptions:detail", args=[s.subscription.pk]),
                _("№%(id)s «%(plan)s» (рабочих мест: %(seats)s)")
                % {
                    "id": s.subscription.pk,
                    "plan": s.subscription.reseller_plan.vendor_plan.name,
                    "seats": s.subscription.seats,
                },
            )
            for s in served
        ),
    )


def _report_outcome(request: PanelRequest, payment: Payment) -> None:
    messages.success(request, _("Платёж проведён."))
    served = payment_served(reseller=request.reseller, payment=payment)
    activated = [s for s in served if not s.resumed]
    resumed = [s for s in served if s.resumed]
    # Names and links, never a bare count: «активирована: 1» read as "subscription No. 1".
    if activated:
        messages.success(
            request,
            format_html(
                "{} {}. {}",
                _("Подписка активирована:") if len(activated) == 1 else _("Подписки активированы:"),
                _served_links(activated),
                _("Активационные данные придут владельцу в уведомлении."),
            ),
        )
    if resumed:
        messages.success(
            request,
            format_html(
                "{} {}.",
                _("Подписка возобновлена:") if len(resumed) == 1 else _("Подписки возобновлены:"),
                _served_links(resumed),
            ),
        )
    if not served:
        messages.info(request, _("Ни одна подписка не активирована этим платежом."))


@reseller_required
def payment_detail(request: PanelRequest, payment_id: int) -> HttpResponse:
    payment = found_or_404(payment_get, reseller=request.reseller, payment_id=payment_id)
    order = payment.order
    status = _payment_status(order, financial_day(timezone.now()))
    return render(
        request,
        "panel/payments/detail.html",
        {
            "payment": payment,
            "order": order,
            "subscription": getattr(order, "subscription", None) if order else None,
            "served": payment_served(reseller=request.reseller, payment=payment),
            "still_due": status.still_due if status is not None else None,
            "new_payment_url": (
                f"{reverse('payments:new')}?client={payment.client_id}"
                + (f"&order={order.pk}" if order is not None else "")
            ),
            "section": "payments",
        },
    )


# --------------------------------------------------------------------------- dashboard


@reseller_required
def dashboard(request: PanelRequest) -> HttpResponse:
    today = financial_day(timezone.now())
    figures = reseller_dashboard(reseller=request.reseller, today=today)
    # Only the months that had charges: twelve rows of zeros say nothing.
    months = [m for m in figures.months if m.revenue or m.cost]
    return render(
        request,
        "panel/dashboard.html",
        {
            "figures": figures,
            "today": today,
            "months": months,
            "chart": bar_chart(months) if months else None,
            "section": "dashboard",
        },
    )
