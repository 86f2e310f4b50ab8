"""What the panel's and the portal's act and statement pages share: the act page and its
PDF, the statement's period form, its page and its PDF. The faces differ only in the
tenant, the templates and the links."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.models import Client
from config.errors import ApplicationError
from config.forms import apply_domain_error
from core.clock import financial_day

from .act_forms import StatementForm, statement_initial
from .act_rendering import act_pdf, act_view, statement_pdf, statement_view
from .models import Act
from .reconciliation import reconciliation_statement


def act_page(request: HttpRequest, act: Act, *, template: str, **context) -> HttpResponse:
    return render(request, template, {"act": act, "doc": act_view(act), **context})


def act_pdf_response(act: Act) -> HttpResponse:
    response = HttpResponse(act_pdf(act), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="act-{act.year}-{act.number}.pdf"'
    return response


def statement_page(
    request: HttpRequest, *, client: Client, template: str, **context
) -> HttpResponse:
    """The period form (GET, so the page is a link to keep); with a valid period, the
    statement below it, and `?output=pdf` for its PDF."""
    bound = "date_from" in request.GET or "date_to" in request.GET
    form = (
        StatementForm(request.GET)
        if bound
        else StatementForm(initial=statement_initial(financial_day(timezone.now())))
    )
    statement = None
    if bound and form.is_valid():
        try:
            statement = reconciliation_statement(
                client=client,
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
            )
        except ApplicationError as exc:
            apply_domain_error(form, exc)
    if statement is not None and request.GET.get("output") == "pdf":
        response = HttpResponse(statement_pdf(statement), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="statement-{client.pk}-{statement.date_from:%Y%m%d}-'
            f'{statement.date_to:%Y%m%d}.pdf"'
        )
        return response
    return render(
        request,
        template,
        {
            "client": client,
            "form": form,
            "statement": statement,
            "doc": statement_view(statement) if statement is not None else None,
            "query": request.GET.urlencode(),
            **context,
        },
    )
