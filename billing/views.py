"""The reseller panel's payment pages (S8) and its dashboard. Views parse input and delegate
to billing.services and the tenant-scoped selectors (DESIGN.md §11)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
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
from config.errors import ApplicationError
from config.formats import format_rub
from config.forms import apply_domain_error
from core.clock import financial_day
from orders.models import Order
from orders.selectors import OrderPaymentStatus, order_payment_status

from .correction_views import REPLAYED
from .exports import CHARGES, CLIENT_PAYMENTS, CORRECTIONS, PAYMENTS
from .forms import ClientPickForm, PaymentFilterForm, PaymentForm
from .models import Payment
from .selectors import (
    MonthFigures,
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
from .submissions import submit_once, token_issue, token_renew


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

CHART_WIDTH = 740  # at most: the chart is drawn at its own size, never stretched
CHART_MIN_WIDTH = 300  # a phone's width: a chart of one or two months fits without scrolling
CHART_HEIGHT = 260
CHART_TOP = 16
CHART_BOTTOM = 36  # room for the month labels
CHART_LEFT = 84  # room for the amounts of the vertical axis
CHART_RIGHT = 8
CHART_SLOT_MAX = 90  # a month's group of bars is no wider than this, however few months
CHART_TICKS = 4  # about this many steps up the vertical axis


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


@dataclass(frozen=True)
class Tick:
    """A value on the vertical axis: its height and its label (whole roubles)."""

    y: float
    label: str


@dataclass(frozen=True)
class Chart:
    months: list[ChartMonth]
    ticks: list[Tick]
    width: float = CHART_WIDTH
    height: int = CHART_HEIGHT
    left: int = CHART_LEFT
    baseline: int = CHART_HEIGHT - CHART_BOTTOM
    label_y: int = CHART_HEIGHT - CHART_BOTTOM + 18


def _step(peak: Decimal) -> Decimal:
    """A round step (1, 2, 2.5 or 5 × 10ⁿ roubles) that climbs past `peak` in about
    CHART_TICKS steps."""
    rough = peak / CHART_TICKS
    power = Decimal(1)
    while power * 10 <= rough:
        power *= 10
    for factor in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        if power * factor >= rough:
            return power * factor
    return power * 10  # pragma: no cover - the loop above always returns


def _roubles(value: Decimal) -> str:
    """A tick's label: `12 500 ₽`, whole roubles when the step is (it is round)."""
    if value != value.to_integral_value():
        return format_rub(value)
    return format_rub(value).rsplit(",", 1)[0] + " ₽"


def _chart(months: list[MonthFigures]) -> Chart:
    """Geometry of a grouped bar chart (revenue, cost, margin per month) with the amounts
    on its vertical axis, drawn as SVG by the template. A negative margin is drawn as an
    empty bar; the table gives the number."""
    highest = max([m.revenue for m in months] + [m.cost for m in months] + [Decimal("1")])
    step = _step(highest)
    top = step * (highest / step).to_integral_value(rounding=ROUND_CEILING)  # at or above
    plot = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    baseline = CHART_HEIGHT - CHART_BOTTOM
    ticks = [
        Tick(y=round(baseline - float(step * i / top) * plot, 1), label=_roubles(step * i))
        for i in range(int(top / step) + 1)
    ]
    slot = min((CHART_WIDTH - CHART_RIGHT - CHART_LEFT) / max(len(months), 1), CHART_SLOT_MAX)
    bar = slot / 4
    out = []
    for i, m in enumerate(months):
        x0 = CHART_LEFT + i * slot + bar / 2
        bars = []
        for j, (kind, value) in enumerate(
            (("revenue", m.revenue), ("cost", m.cost), ("margin", m.margin))
        ):
            height = float(max(value, Decimal(0)) / top) * plot
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
    width = max(CHART_LEFT + len(months) * slot + CHART_RIGHT, CHART_MIN_WIDTH)
    return Chart(months=out, ticks=ticks, width=round(width, 1))


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
            "chart": _chart(months) if months else None,
            "section": "dashboard",
        },
    )
