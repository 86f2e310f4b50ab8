"""Reads of money, scoped by the tenant the caller passes in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from accounts.models import Client, Reseller
from config.errors import NotFound, ValidationError
from core.reasons import Reason
from orders.models import Order, OrderStatus, Subscription, SubscriptionEvent, SubscriptionStatus

from .models import BalanceEntry, Charge, ChargeStatus, Payment
from .services import ZERO, money


def client_reserved(*, client: Client) -> Decimal:
    """Σ open charges: what the balance already has to cover (§4.3)."""
    total = Charge.objects.filter(client=client, status=ChargeStatus.OPEN).aggregate(
        total=Sum("amount")
    )["total"]
    return money(total)


def client_available_balance(*, client: Client) -> Decimal:
    """balance − Σ open charges (§4.3), as of the client row the caller holds."""
    return client.balance - client_reserved(client=client)


def client_payments(*, client: Client) -> QuerySet[Payment]:
    return (
        Payment.objects.filter(client=client)
        .select_related("reversal_entry")
        .order_by("-paid_at", "-id")
    )


CORRECTION_KINDS = (
    BalanceEntry.Kind.REVERSAL,
    BalanceEntry.Kind.REFUND,
    BalanceEntry.Kind.ADJUSTMENT,
)


def client_corrections(*, client: Client) -> QuerySet[BalanceEntry]:
    """The client's reversals, refunds and adjustments (§4.8), newest first: its statement
    shows them beside the payments, each with its reason."""
    return (
        BalanceEntry.objects.filter(client=client, kind__in=CORRECTION_KINDS)
        .select_related("created_by", "reversed_payment")
        .order_by("-id")
    )


def client_charges(*, client: Client, status: str | None = None) -> QuerySet[Charge]:
    charges = Charge.objects.filter(client=client)
    if status in ChargeStatus.values:
        charges = charges.filter(status=status)
    return charges.select_related("subscription__reseller_plan__vendor_plan").order_by(
        "-date_from", "-id"
    )


# --------------------------------------------------------------------------- the panel


def payment_list(
    *,
    reseller: Reseller,
    client_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    method: str | None = None,
) -> QuerySet[Payment]:
    """The reseller's payments, newest first; the dates are Moscow financial days."""
    payments = Payment.objects.filter(client__reseller=reseller).select_related(
        "client", "order__reseller_plan__vendor_plan", "reversal_entry"
    )
    if client_id is not None:
        payments = payments.filter(client_id=client_id)
    if date_from is not None:
        payments = payments.filter(day__gte=date_from)
    if date_to is not None:
        payments = payments.filter(day__lte=date_to)
    if method in Payment.Method.values:
        payments = payments.filter(method=method)
    return payments.order_by("-paid_at", "-id")


def payment_get(*, reseller: Reseller, payment_id: int) -> Payment:
    """Another reseller's payment is not found: its existence stays hidden."""
    payment = (
        payment_list(reseller=reseller)
        .filter(pk=payment_id)
        .select_related("registered_by", "order__subscription", "reversal_entry__created_by")
    ).first()
    if payment is None:
        raise NotFound(_("Платёж не найден."), field="payment")
    return payment


@dataclass(frozen=True)
class Served:
    """A subscription a payment activated (pending → active) or resumed (suspended → active)."""

    subscription: Subscription
    resumed: bool


def payment_served(*, reseller: Reseller, payment: Payment) -> list[Served]:
    """What this payment activated or resumed, in the order it served them (one query)."""
    events = (
        SubscriptionEvent.objects.filter(
            subscription__client__reseller=reseller,
            subscription__client_id=payment.client_id,
            reason__in=[Reason.PAID, Reason.RESUMED],
            reason_params__payment=payment.pk,
        )
        .select_related("subscription__reseller_plan__vendor_plan")
        .order_by("id")
    )
    return [Served(subscription=e.subscription, resumed=e.reason == Reason.RESUMED) for e in events]


def client_pending_orders(*, client: Client) -> QuerySet[Order]:
    """S8: the client's confirmed orders whose subscription still waits for the money."""
    return (
        Order.objects.filter(
            client=client,
            status=OrderStatus.CONFIRMED,
            subscription__status=SubscriptionStatus.PENDING_PAYMENT,
        )
        .select_related("reseller_plan__vendor_plan")
        .order_by("created_at", "id")
    )


def client_order_exists(*, client: Client, order_id: int) -> bool:
    """Whether the order is the client's (in whatever status): a payment link may name it."""
    return Order.objects.filter(client=client, pk=order_id).exists()


@dataclass(frozen=True)
class MonthFigures:
    month: date  # the first day of the month
    revenue: Decimal
    cost: Decimal

    @property
    def margin(self) -> Decimal:
        return self.revenue - self.cost


@dataclass(frozen=True)
class ChargeFigures:
    count: int
    amount: Decimal


@dataclass(frozen=True)
class Dashboard:
    clients: int
    balance: Decimal
    available_balance: Decimal
    subscriptions: dict[str, int]  # every SubscriptionStatus, zero when none
    month_open: ChargeFigures
    month_closed: ChargeFigures
    months: list[MonthFigures]  # the last DASHBOARD_MONTHS months, oldest first


DASHBOARD_MONTHS = 12


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def reseller_dashboard(*, reseller: Reseller, today: date) -> Dashboard:
    """The reseller's figures in four aggregate queries whatever the number of rows: balances,
    subscriptions by status, and open/closed charges by month of date_from (Moscow days)."""
    clients = Client.objects.filter(reseller=reseller).aggregate(
        count=Count("id"), balance=Sum("balance")
    )
    reserved = Charge.objects.filter(client__reseller=reseller, status=ChargeStatus.OPEN).aggregate(
        total=Sum("amount")
    )["total"]
    by_status = dict(
        Subscription.objects.filter(client__reseller=reseller)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    first = _month_start(today, DASHBOARD_MONTHS - 1)
    rows = (
        Charge.objects.filter(
            client__reseller=reseller,
            status__in=[ChargeStatus.OPEN, ChargeStatus.CLOSED],
            date_from__gte=first,
            date_from__lt=_month_start(today, -1),
        )
        .annotate(month=TruncMonth("date_from"))
        .values("month", "status")
        .annotate(n=Count("id"), amount=Sum("amount"), cost=Sum("cost"))
        .order_by()
    )
    revenue: dict[date, Decimal] = {}
    cost: dict[date, Decimal] = {}
    this_month = {
        ChargeStatus.OPEN: ChargeFigures(0, ZERO),
        ChargeStatus.CLOSED: ChargeFigures(0, ZERO),
    }
    current = _month_start(today)
    for row in rows:
        month = row["month"]
        month = date(month.year, month.month, 1)
        revenue[month] = revenue.get(month, ZERO) + money(row["amount"])
        cost[month] = cost.get(month, ZERO) + money(row["cost"])
        if month == current:
            this_month[row["status"]] = ChargeFigures(row["n"], money(row["amount"]))
    balance = money(clients["balance"])
    return Dashboard(
        clients=clients["count"],
        balance=balance,
        available_balance=balance - money(reserved),
        subscriptions={s: by_status.get(s, 0) for s in SubscriptionStatus.values},
        month_open=this_month[ChargeStatus.OPEN],
        month_closed=this_month[ChargeStatus.CLOSED],
        months=[
            MonthFigures(month=m, revenue=revenue.get(m, ZERO), cost=cost.get(m, ZERO))
            for m in (_month_start(today, back) for back in range(DASHBOARD_MONTHS - 1, -1, -1))
        ],
    )


# --------------------------------------------------------------------------- the distributor


@dataclass(frozen=True)
class StatementRow:
    """One reseller's month of the distributor's statement (DESIGN.md §13): the charges
    closed in that month (by closed_on), at the purchase price (what the distributor bills
    the reseller) and at the client price (the reseller's revenue)."""

    reseller_id: int
    reseller_name: str
    reseller_inn: str
    month: date  # the first day of the month
    charges: int
    cost: Decimal
    revenue: Decimal

    @property
    def margin(self) -> Decimal:
        return self.revenue - self.cost


STATEMENT_MAX_MONTHS = 120  # ten years on one page is already more than anyone reads


def month_first(day: date) -> date:
    return day.replace(day=1)


def month_shift(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def distributor_statement(
    *, month_from: date, month_to: date, reseller: Reseller | None = None
) -> list[StatementRow]:
    """Per reseller and month from `month_from` to `month_to` (their months, inclusive):
    Σ cost and Σ amount of the closed charges, in one aggregate query whatever the number
    of charges. `reseller`: that reseller's rows only (the panel); None: every reseller
    (the operator). Months without closed charges have no row (statement_months fills
    them for a chart). Ordered by reseller name, then month."""
    first, last = month_first(month_from), month_first(month_to)
    if last < first:
        raise ValidationError(
            _("Конечный месяц раньше начального: выберите месяц не раньше %(month)s.")
            % {"month": first.strftime("%m.%Y")},
            field="month_to",
        )
    if (last.year - first.year) * 12 + last.month - first.month >= STATEMENT_MAX_MONTHS:
        raise ValidationError(
            _("Период ведомости — не больше %(n)s месяцев.") % {"n": STATEMENT_MAX_MONTHS},
            field="month_from",
        )
    charges = Charge.objects.filter(
        status=ChargeStatus.CLOSED,
        closed_on__gte=first,
        closed_on__lt=month_shift(last, 1),
    )
    if reseller is not None:
        charges = charges.filter(client__reseller=reseller)
    rows = (
        charges.annotate(month=TruncMonth("closed_on"))
        .values("client__reseller_id", "client__reseller__name", "client__reseller__inn", "month")
        .annotate(n=Count("id"), cost=Sum("cost"), revenue=Sum("amount"))
        .order_by("client__reseller__name", "client__reseller_id", "month")
    )
    return [
        StatementRow(
            reseller_id=row["client__reseller_id"],
            reseller_name=row["client__reseller__name"],
            reseller_inn=row["client__reseller__inn"],
            month=month_first(row["month"]),
            charges=row["n"],
            cost=money(row["cost"]),
            revenue=money(row["revenue"]),
        )
        for row in rows
    ]


def statement_months(
    rows: list[StatementRow], *, month_from: date, month_to: date
) -> list[MonthFigures]:
    """One reseller's rows as every month of the range, oldest first, zeros where nothing
    closed (the panel's table and chart)."""
    by_month = {row.month: row for row in rows}
    out = []
    month, last = month_first(month_from), month_first(month_to)
    while month <= last:
        row = by_month.get(month)
        out.append(
            MonthFigures(
                month=month,
                revenue=row.revenue if row else ZERO,
                cost=row.cost if row else ZERO,
            )
        )
        month = month_shift(month, 1)
    return out


@dataclass(frozen=True)
class StatementTotals:
    charges: int
    cost: Decimal
    revenue: Decimal

    @property
    def margin(self) -> Decimal:
        return self.revenue - self.cost


def statement_totals(rows: list[StatementRow]) -> StatementTotals:
    return StatementTotals(
        charges=sum(row.charges for row in rows),
        cost=sum((row.cost for row in rows), ZERO),
        revenue=sum((row.revenue for row in rows), ZERO),
    )
