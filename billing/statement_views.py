"""The distributor's statement (DESIGN.md §13): per reseller and month, the purchase cost of
the charges closed, the revenue and the margin. The operator reads every reseller's in the
admin (/admin/statement/) and exports it; each reseller reads its own in the panel
(/panel/statement/), with a chart of the last 12 months. Views parse input and delegate
to billing.selectors.distributor_statement."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, cast

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as FormValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import Reseller
from accounts.panel import PanelRequest, export_format, list_export, reseller_required
from config.errors import ApplicationError
from config.exports import export_response
from config.forms import apply_domain_error
from core.clock import financial_day

from .charts import bar_chart
from .exports import STATEMENT
from .selectors import (
    StatementRow,
    distributor_statement,
    month_first,
    month_shift,
    statement_months,
    statement_totals,
)

CHART_MONTHS = 12


class MonthField(forms.Field):
    """A month as `<input type="month">` sends it (`2026-12`) or as people write it
    (`12.2026`); its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    default_error_messages = {
        "invalid": gettext_lazy("Введите месяц в виде ММ.ГГГГ, например 12.2026."),
    }

    def to_python(self, value: Any) -> date | None:
        if value in (None, ""):
            return None
        if isinstance(value, date):
            return month_first(value)
        text = str(value).strip()
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", text) or re.fullmatch(
            r"(\d{1,2})\.(\d{4})", text
        )
        if match is None:
            raise FormValidationError(self.error_messages["invalid"], code="invalid")
        first, second = match.groups()
        year, month = (int(first), int(second)) if len(first) == 4 else (int(second), int(first))
        if not (1 <= month <= 12 and 2000 <= year <= 2100):
            raise FormValidationError(self.error_messages["invalid"], code="invalid")
        return date(year, month, 1)


class StatementFilterForm(forms.Form):
    month_from = MonthField(label=gettext_lazy("Первый месяц"), required=False)
    month_to = MonthField(label=gettext_lazy("Последний месяц"), required=False)


class OperatorStatementFilterForm(StatementFilterForm):
    reseller = forms.ModelChoiceField(
        label=gettext_lazy("Реселлер"),
        queryset=Reseller.objects.order_by("name", "id"),
        required=False,
        empty_label=gettext_lazy("Все"),
    )


def _statement(
    request: HttpRequest, form: StatementFilterForm, *, this_month: date, **scope: Any
) -> tuple[list[StatementRow], date, date]:
    """The rows the filter asks for; by default the last 12 months. A refused range shows
    beside its field and no rows."""
    values = form.cleaned_data if form.is_valid() else {}
    month_to = values.get("month_to") or this_month
    month_from = values.get("month_from") or month_shift(month_to, 1 - CHART_MONTHS)
    if form.is_valid():
        # The fields show the period the page shows, not an empty «--------- ----».
        shown = QueryDict(mutable=True)
        shown.update(form.data)
        for name, month in (("month_from", month_from), ("month_to", month_to)):
            if not shown.get(name):
                shown[name] = month.strftime("%Y-%m")
        form.data = shown
    try:
        rows = distributor_statement(month_from=month_from, month_to=month_to, **scope)
    except ApplicationError as exc:
        apply_domain_error(form, exc)
        rows = []
    return rows, month_from, month_to


def _this_month() -> date:
    return month_first(financial_day(timezone.now()))


# --------------------------------------------------------------------------- the operator


def admin_statement(request: HttpRequest) -> HttpResponse:
    """Mounted under admin.site.admin_view (config/urls.py): staff only; the charges'
    view permission decides, as for the charges' own admin list."""
    if not request.user.has_perm("billing.view_charge"):
        raise PermissionDenied
    form = OperatorStatementFilterForm(request.GET)
    reseller = form.cleaned_data.get("reseller") if form.is_valid() else None
    rows, month_from, month_to = _statement(
        request, form, this_month=_this_month(), reseller=reseller
    )
    fmt = export_format(request)
    if fmt is not None:
        # The operator has no tenant and no row in the role table: staff with the
        # permission export what they read.
        return cast(HttpResponse, export_response(STATEMENT, rows, fmt=fmt))
    from django.contrib import admin

    return render(
        request,
        "admin/billing/statement.html",
        {
            **admin.site.each_context(request),
            "title": "Ведомость дистрибьютора",
            "form": form,
            "rows": rows,
            "totals": statement_totals(rows),
            "month_from": month_from,
            "month_to": month_to,
        },
    )


# --------------------------------------------------------------------------- the panel


@reseller_required
def panel_statement(request: PanelRequest) -> HttpResponse:
    """The reseller's own statement; never another reseller's figures (the selector is
    scoped to request.reseller)."""
    form = StatementFilterForm(request.GET)
    this_month = _this_month()
    rows, month_from, month_to = _statement(
        request, form, this_month=this_month, reseller=request.reseller
    )
    if exported := list_export(request, STATEMENT, rows):
        return exported
    chart_from = month_shift(this_month, 1 - CHART_MONTHS)
    chart_rows = distributor_statement(
        month_from=chart_from, month_to=this_month, reseller=request.reseller
    )
    return render(
        request,
        "panel/statement.html",
        {
            "filters": form,
            # Months with closed charges only: a year of zero rows says nothing.
            "months": rows,
            "totals": statement_totals(rows),
            "month_from": month_from,
            "month_to": month_to,
            "chart": bar_chart(
                statement_months(chart_rows, month_from=chart_from, month_to=this_month)
            )
            if chart_rows
            else None,
            "section": "statement",
        },
    )
