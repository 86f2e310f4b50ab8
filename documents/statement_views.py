"""The panel's bank statement pages (DESIGN.md §13): the statements uploaded and their
lines, the upload (accountant, admin), and the queue of lines no client or invoice was
found for, each to assign or ignore after a confirmation. Views parse input and delegate."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.panel import (
    PanelRequest,
    found_or_404,
    list_export,
    list_page,
    reseller_required,
    role_required,
)
from accounts.permissions import Action
from accounts.selectors import client_list
from billing.submissions import submit_form_once, token_issue, token_renew

from .exports import STATEMENT_LINES, STATEMENTS
from .models import InvoiceStatus
from .selectors import invoice_list
from .statement_forms import StatementAssignForm, StatementIgnoreForm, StatementUploadForm
from .statement_selectors import (
    statement_get,
    statement_line_get,
    statement_lines,
    statement_list,
    statement_queue,
)
from .statements import statement_import, statement_line_assign, statement_line_ignore

SECTION = "statements"


def _detail(statement_id: int) -> str:
    return reverse("statements:detail", args=[statement_id])


@reseller_required
def statement_index(request: PanelRequest) -> HttpResponse:
    rows = statement_list(reseller=request.reseller)
    if exported := list_export(request, STATEMENTS, rows):
        return exported
    return list_page(
        request,
        "panel/statements/list.html",
        rows,
        section=SECTION,
        waiting=statement_queue(reseller=request.reseller).count(),
    )


@reseller_required
def statement_detail(request: PanelRequest, statement_id: int) -> HttpResponse:
    statement = found_or_404(statement_get, reseller=request.reseller, statement_id=statement_id)
    rows = statement_lines(reseller=request.reseller, statement=statement)
    if exported := list_export(request, STATEMENT_LINES, rows):
        return exported
    return list_page(
        request,
        "panel/statements/detail.html",
        rows,
        section=SECTION,
        statement=statement,
        exports=True,
    )


@require_http_methods(["GET", "POST"])
@reseller_required
@role_required(Action.STATEMENTS_IMPORT)
def statement_upload(request: PanelRequest) -> HttpResponse:
    form = StatementUploadForm(
        request.POST or None, request.FILES or None, initial={"form_token": token_issue()}
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]

        def work() -> str:
            result = statement_import(
                reseller=request.reseller,
                data=upload.read(),
                at=timezone.now(),
                by=request.user,
                filename=upload.name or "",
            )
            messages.success(
                request,
                _(
                    "Выписка загружена: новых поступлений %(new)s, сопоставлено %(matched)s, "
                    "ждут разбора %(unmatched)s, уже загруженных раньше %(dup)s."
                )
                % {
                    "new": result.new,
                    "matched": result.matched,
                    "unmatched": result.unmatched,
                    "dup": result.duplicates,
                },
            )
            return _detail(result.statement.pk)

        if done := submit_form_once(
            request, form, token=form.cleaned_data["form_token"], work=work
        ):
            return done
    token_renew(form)
    return render(request, "panel/statements/upload.html", {"form": form, "section": SECTION})


@reseller_required
def statement_queue_page(request: PanelRequest) -> HttpResponse:
    return list_page(
        request,
        "panel/statements/queue.html",
        statement_queue(reseller=request.reseller),
        section=SECTION,
    )


@require_http_methods(["GET", "POST"])
@reseller_required
@role_required(Action.STATEMENTS_IMPORT)
def statement_line_assign_page(request: PanelRequest, line_id: int) -> HttpResponse:
    """Whose money it is (and which invoice it pays, if any): the payment is registered on
    confirmation, once."""
    line = found_or_404(statement_line_get, reseller=request.reseller, line_id=line_id)
    form = StatementAssignForm(
        request.POST or None,
        initial={"form_token": token_issue()},
        clients=client_list(reseller=request.reseller),
        invoices=invoice_list(reseller=request.reseller).exclude(status=InvoiceStatus.CANCELLED),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def work() -> str:
            statement_line_assign(
                line=line,
                client=data["client"],
                invoice=data["invoice"],
                at=timezone.now(),
                by=request.user,
            )
            messages.success(
                request,
                _("Платёж %(ref)s зачислен клиенту «%(client)s».")
                % {"ref": line.reference, "client": data["client"].name},
            )
            return reverse("statements:queue")

        if done := submit_form_once(request, form, token=data["form_token"], work=work):
            return done
    token_renew(form)
    return render(
        request,
        "panel/statements/assign.html",
        {"line": line, "form": form, "section": SECTION},
    )


@require_http_methods(["GET", "POST"])
@reseller_required
@role_required(Action.STATEMENTS_IMPORT)
def statement_line_ignore_page(request: PanelRequest, line_id: int) -> HttpResponse:
    line = found_or_404(statement_line_get, reseller=request.reseller, line_id=line_id)
    form = StatementIgnoreForm(request.POST or None, initial={"form_token": token_issue()})
    if request.method == "POST" and form.is_valid():

        def work() -> str:
            statement_line_ignore(line=line, at=timezone.now(), by=request.user)
            messages.success(request, _("Платёж %(ref)s пропущен.") % {"ref": line.reference})
            return reverse("statements:queue")

        if done := submit_form_once(
            request, form, token=form.cleaned_data["form_token"], work=work
        ):
            return done
    token_renew(form)
    return render(
        request,
        "panel/statements/ignore.html",
        {"line": line, "form": form, "section": SECTION},
    )
