"""django-filter filter sets of the API's lists. They only narrow querysets that a
tenant-scoped selector already returned; an invalid value is a 400 naming the parameter."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

import django_filters as df
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from accounts.models import Client
from accounts.selectors import client_search
from billing.models import Charge, ChargeStatus, Payment, ServicePeriod
from notifications.models import Notification, NotificationKind
from orders.models import (
    Order,
    OrderStatus,
    SeatChange,
    SeatChangeStatus,
    Subscription,
    SubscriptionStatus,
)
from plans.models import ResellerPlan, VendorPlan

from .tenancy import request_tenant

# Years 1000-9999: the schema's pattern and the server's check are this one expression.
MONTH_PATTERN = r"^([1-9][0-9]{3})-(0[1-9]|1[0-2])$"
MONTH_RE = re.compile(MONTH_PATTERN)
MAX_ID = 2**63 - 1


class MonthField(forms.CharField):
    """`2026-12` → date(2026, 12, 1)."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        match = MONTH_RE.match(value)
        if not match:
            raise forms.ValidationError(_("Укажите месяц в виде ГГГГ-ММ, например 2026-12."))
        return date(int(match.group(1)), int(match.group(2)), 1)


@extend_schema_field({"type": "string", "pattern": MONTH_PATTERN, "example": "2026-12"})
class MonthFilter(df.Filter):
    field_class = MonthField


def month_end(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


class StrictBooleanField(forms.Field):
    """`true` or `false`, as the schema says; django-filter's own field also takes `null`,
    `1`, `yes`... and ignores anything else, which would hide a typo."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip().lower()
        if text in ("true", "false"):
            return text == "true"
        raise forms.ValidationError(_("Укажите true или false."))


class BooleanFilter(df.BooleanFilter):
    field_class = StrictBooleanField


class DateFilter(df.DateFilter):
    """ISO 8601 only (2026-12-31): the active language's formats (31.12.2026) would make
    the same URL mean different days to different callers."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 2**63 - 1})
class IdFilter(df.NumberFilter):
    """An id: a whole number within the database's range (a larger one matches nothing
    anywhere, so it is refused rather than sent to the database)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("decimal_places", 0)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return super().filter(qs, int(value) if value is not None else value)


class Ordering(df.OrderingFilter):
    """Strict ordering (an unknown field is a 400), with the id as the last key so that
    pages never overlap or skip rows that tie."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            last = self.get_ordering_value(value[-1])
            qs = qs.order_by(*qs.query.order_by, "-id" if last.startswith("-") else "id")
        return qs


def ordering(*fields: str | tuple[str, str]) -> Ordering:
    return Ordering(
        fields=fields,
        help_text=_("Поля сортировки через запятую; «-» перед полем — по убыванию."),
    )


class FilterSet(df.FilterSet):
    """Refuses a parameter sent empty (`?status=`), except a text one: django-filter would
    ignore it and list everything, hiding the caller's mistake."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, filter_ in self.filters.items():
            if isinstance(filter_, df.CharFilter) or name not in self.data:
                continue
            if all(value == "" for value in self.data.getlist(name)):
                self.form.add_error(
                    name, _("Пустое значение: укажите значение или уберите параметр.")
                )
                valid = False
        return valid


# --------------------------------------------------------------------------- plans


class CataloguePlanFilter(FilterSet):
    """The reseller's catalogue (annotated vendor plans, plans.selectors.plan_catalogue)."""

    status = df.ChoiceFilter(
        choices=ResellerPlan.Status.choices,
        method="filter_status",
        help_text=_("Статус плана у реселлера."),
    )
    is_published = BooleanFilter(field_name="rp_is_published")
    search = df.CharFilter(field_name="name", lookup_expr="icontains")
    ordering = ordering("name", "product_code", "purchase_price", "min_seats")

    class Meta:
        model = VendorPlan
        fields: list[str] = []

    def filter_status(self, queryset, name, value):
        # As plans.selectors.plan_catalogue: a plan never activated is inactive.
        if value == ResellerPlan.Status.ACTIVE:
            return queryset.filter(rp_status=ResellerPlan.Status.ACTIVE)
        return queryset.filter(
            Q(rp_status__isnull=True) | Q(rp_status=ResellerPlan.Status.INACTIVE)
        )


class PublishedPlanFilter(FilterSet):
    search = df.CharFilter(field_name="vendor_plan__name", lookup_expr="icontains")
    ordering = ordering(("vendor_plan__name", "name"), ("seat_price", "seat_price"), ("id", "id"))

    class Meta:
        model = ResellerPlan
        fields: list[str] = []


# --------------------------------------------------------------------------- clients


class ClientFilter(FilterSet):
    search = df.CharFilter(method="filter_search", help_text=_("Часть названия."))
    inn = df.CharFilter(field_name="inn")
    ordering = ordering("name", "created_at", "balance")

    class Meta:
        model = Client
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        # The panel's search (accounts.selectors.client_search), within this reseller.
        tenant = request_tenant(self.request)
        assert tenant is not None and tenant.reseller is not None
        found = client_search(reseller=tenant.reseller, query=value)
        return queryset.filter(pk__in=found.values("pk"))


class BalanceFilter(FilterSet):
    client = IdFilter(field_name="pk")
    ordering = ordering("name", "balance", "reserved", "available")

    class Meta:
        model = Client
        fields: list[str] = []


# --------------------------------------------------------------------------- orders


class OrderFilter(FilterSet):
    status = df.ChoiceFilter(choices=OrderStatus.choices)
    source = df.ChoiceFilter(choices=Order.Source.choices)
    client = IdFilter(field_name="client_id")
    reseller_plan = IdFilter(field_name="reseller_plan_id")
    created_from = DateFilter(
        field_name="created_at", lookup_expr="date__gte", help_text=_("Дата (МСК), включительно.")
    )
    created_to = DateFilter(
        field_name="created_at", lookup_expr="date__lte", help_text=_("Дата (МСК), включительно.")
    )
    ordering = ordering("created_at", "seats", "amount_due", "id")

    class Meta:
        model = Order
        fields: list[str] = []


class SubscriptionFilter(FilterSet):
    status = df.ChoiceFilter(choices=SubscriptionStatus.choices)
    client = IdFilter(field_name="client_id")
    reseller_plan = IdFilter(field_name="reseller_plan_id")
    auto_renew = BooleanFilter()
    expires_from = DateFilter(field_name="expires_on", lookup_expr="gte")
    expires_to = DateFilter(field_name="expires_on", lookup_expr="lte")
    ordering = ordering("created_at", "expires_on", "seats", "id")

    class Meta:
        model = Subscription
        fields: list[str] = []


class SeatChangeFilter(FilterSet):
    status = df.ChoiceFilter(choices=SeatChangeStatus.choices)
    ordering = ordering("requested_at", "effective_on", "id")

    class Meta:
        model = SeatChange
        fields: list[str] = []


# --------------------------------------------------------------------------- money


class PaymentFilter(FilterSet):
    client = IdFilter(field_name="client_id")
    order = IdFilter(field_name="order_id")
    method = df.ChoiceFilter(choices=Payment.Method.choices)
    day_from = DateFilter(
        field_name="day", lookup_expr="gte", help_text=_("Финансовый день (МСК), включительно.")
    )
    day_to = DateFilter(
        field_name="day", lookup_expr="lte", help_text=_("Финансовый день (МСК), включительно.")
    )
    ordering = ordering("paid_at", "amount", "day", "id")

    class Meta:
        model = Payment
        fields: list[str] = []


class ClientPaymentFilter(PaymentFilter):
    client = None  # type: ignore[assignment] # the client's own list: nothing to choose


class PeriodFilter(FilterSet):
    subscription = IdFilter(field_name="subscription_id")
    client = IdFilter(field_name="subscription__client_id")
    month = MonthFilter(method="filter_month", help_text=_("Периоды, задевающие месяц ГГГГ-ММ."))
    ordering = ordering("starts_on", "expires_on", "id")

    class Meta:
        model = ServicePeriod
        fields: list[str] = []

    def filter_month(self, queryset, name, value):
        # expires_on is exclusive: a period touches the month if it starts before the
        # month ends and ends after the month starts.
        return queryset.filter(starts_on__lte=month_end(value), expires_on__gt=value)


class ChargeFilter(FilterSet):
    subscription = IdFilter(field_name="subscription_id")
    client = IdFilter(field_name="client_id")
    status = df.ChoiceFilter(choices=ChargeStatus.choices)
    month = MonthFilter(
        method="filter_month", help_text=_("Месяц ГГГГ-ММ: у каждого списания он один.")
    )
    closes_from = DateFilter(field_name="closes_on", lookup_expr="gte")
    closes_to = DateFilter(field_name="closes_on", lookup_expr="lte")
    ordering = ordering("date_from", "closes_on", "amount", "id")

    class Meta:
        model = Charge
        fields: list[str] = []

    def filter_month(self, queryset, name, value):
        # A charge never crosses a calendar month (DESIGN.md §4.2): its first day decides.
        return queryset.filter(date_from__gte=value, date_from__lt=month_end(value) + timedelta(1))


class ClientChargeFilter(ChargeFilter):
    client = None  # type: ignore[assignment] # the client's own list: nothing to choose


# --------------------------------------------------------------------------- journal


class NotificationFilter(FilterSet):
    kind = df.ChoiceFilter(choices=NotificationKind.choices)
    is_read = BooleanFilter(field_name="read_at", lookup_expr="isnull", exclude=True)
    client = IdFilter(field_name="client_id")
    subscription = IdFilter(field_name="subscription_id")
    ordering = ordering("created_at", "id")

    class Meta:
        model = Notification
        fields: list[str] = []


class ClientOrderFilter(OrderFilter):
    client = None  # type: ignore[assignment] # the client's own orders


class ClientSubscriptionFilter(SubscriptionFilter):
    client = None  # type: ignore[assignment] # the client's own subscriptions


class ClientNotificationFilter(NotificationFilter):
    client = None  # type: ignore[assignment] # the client's own journal
