"""The reseller panel's payment pages (S8) and its dashboard. Views parse input and delegate
to billing.services and the tenant-scoped selectors (DESIGN.md §11)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.panel import (
    PanelRequest,
    found_or_404,
    paginate,
    query_without_page,
    reseller_required,
    role_required,
)
from accounts.permissions import Action, can
from accounts.selectors import client_get, client_list
from config.errors import ApplicationError
from config.formats import format_rub
from config.forms import apply_domain_error
from core.clock import financial_day
from orders.models import Order
from orders.selectors import OrderPaymentStatus, order_payment_status

from .correction_views import REPLAYED
from .forms import ClientPickForm, PaymentFilterForm, PaymentForm
from .selectors import (
    MonthFigures,
    client_available_balance,
    client_order_exists,
    client_pending_orders,
    payment_get,
    payment_list,
    reseller_dashboard,
)
from .services import payment_register_outcome
from .submissions import submit_once, token_issue, token_renew


@reseller_required
def payment_index(request: PanelRequest) -> HttpResponse:
    filters = PaymentFilterForm(request.GET, clients=client_list(reseller=request.reseller))
    values = filters.cleaned_data if filters.is_valid() else {}
    client = values.get("client")
    page = paginate(
        request,
        payment_list(
            reseller=request.reseller,
            client_id=client.pk if client else None,
            date_from=values.get("date_from"),
            date_to=values.get("date_to"),
            method=values.get("method") or None,
        ),
    )
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
            _report_outcome(request, outcome.activated, outcome.resumed)
            return reverse("payments:detail", args=[outcome.payment.pk])

        try:
            # A double click or a reload sends the same token: one payment, and the
            # second submission is shown the first one's page.
            done = submit_once(user=request.user, token=data["form_token"], work=work)
        except ApplicationError as exc:
            apply_domain_error(form, exc)
        else:
            if done.replayed:
                messages.info(request, REPLAYED)
            return redirect(done.url)
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


def _report_outcome(request: PanelRequest, activated: tuple, resumed: tuple) -> None:
    messages.success(request, _("Платёж проведён."))
    if activated:
        messages.success(
            request,
            _("Подписка активирована: %(n)s. Активационные данные придут владельцу в уведомлении.")
            % {"n": len(activated)},
        )
    if resumed:
        messages.success(request, _("Подписка возобновлена: %(n)s.") % {"n": len(resumed)})
    if not activated and not resumed:
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
            "still_due": status.still_due if status is not None else None,
            "new_payment_url": (
                f"{reverse('payments:new')}?client={payment.client_id}"
                + (f"&order={order.pk}" if order is not None else "")
            ),
            "section": "payments",
        },
    )


# --------------------------------------------------------------------------- dashboard

CHART_WIDTH = 720
CHART_HEIGHT = 240
CHART_TOP = 16
CHART_BOTTOM = 36  # room for the month labels
CHART_LEFT = 8


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: Decimal
    kind: str  # revenue, cost or margin: the CSS class


@dataclass(frozen=True)
class ChartMonth:
    figures: MonthFigures
    label: str
    label_x: float
    bars: tuple[Bar, Bar, Bar]  # revenue, cost, margin


def _chart(months: list[MonthFigures]) -> list[ChartMonth]:
    """Geometry of a grouped bar chart (revenue, cost, margin per month), drawn as SVG by
    the template. A negative margin is drawn as an empty bar; the table gives the number."""
    peak = max([m.revenue for m in months] + [m.cost for m in months] + [Decimal("1")])
    plot = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    slot = (CHART_WIDTH - CHART_LEFT) / max(len(months), 1)
    bar = slot / 4
    baseline = CHART_HEIGHT - CHART_BOTTOM
    out = []
    for i, m in enumerate(months):
        x0 = CHART_LEFT + i * slot + bar / 2
        bars = []
        for j, (kind, value) in enumerate(
            (("revenue", m.revenue), ("cost", m.cost), ("margin", m.margin))
        ):
            height = float(max(value, Decimal(0)) / peak) * plot
            bars.append(
                Bar(
                    x=round(x0 + j * bar, 1),
                    y=round(baseline - height, 1),
                    width=round(bar - 1, 1),
                    height=round(height, 1),
                    value=value,
                    kind=kind,
                )
            )
        out.append(
            ChartMonth(
                figures=m,
                label=m.month.strftime("%m.%y"),
                label_x=round(CHART_LEFT + i * slot + slot / 2, 1),
                bars=(bars[0], bars[1], bars[2]),
            )
        )
    return out


@reseller_required
def dashboard(request: PanelRequest) -> HttpResponse:
    today = financial_day(timezone.now())
    figures = reseller_dashboard(reseller=request.reseller, today=today)
    return render(
        request,
        "panel/dashboard.html",
        {
            "figures": figures,
            "today": today,
            "chart": _chart(figures.months),
            "chart_width": CHART_WIDTH,
            "chart_height": CHART_HEIGHT,
            "chart_baseline": CHART_HEIGHT - CHART_BOTTOM,
            "chart_label_y": CHART_HEIGHT - CHART_BOTTOM + 18,
            "peak": format_rub(max([m.revenue for m in figures.months] + [Decimal(0)])),
            "section": "dashboard",
        },
    )
