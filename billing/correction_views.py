"""The reseller panel's corrections (DESIGN.md §4.8, §8): reverse a payment from its page,
refund or adjust from the client's page. Each form has a confirmation step that says what
will follow (the amount, the balance before → after) and a one-time token
(billing.submissions), so a double click or a reload corrects once. Only the roles the
table allows (accounts.permissions: accountants and admins) reach them."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.panel import PanelRequest, found_or_404, reseller_required
from accounts.permissions import Action, require
from accounts.selectors import client_get
from config.errors import ApplicationError, Forbidden
from config.formats import format_rub
from config.forms import apply_domain_error

from . import services
from .forms import AdjustmentForm, CorrectionForm, RefundForm, ReversalForm
from .models import BalanceEntry
from .selectors import client_available_balance, payment_get
from .submissions import REPLAYED, submit_once, token_issue, token_renew


def require_page(request, action: str) -> None:
    """The role table's refusal as the pages' 403 (nothing is shown or written)."""
    try:
        require(request.user, action)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from None


def _corrected(request, entry: BalanceEntry) -> None:
    messages.success(
        request,
        _("%(kind)s на %(amount)s проведено. Баланс клиента: %(balance)s.")
        % {
            "kind": entry.get_kind_display().capitalize(),
            "amount": format_rub(entry.amount),
            "balance": format_rub(entry.balance_after),
        },
    )


def _two_steps(
    request,
    form: CorrectionForm,
    *,
    quote: Callable[[dict], services.CorrectionQuote],
    write: Callable[[dict], BalanceEntry],
    done_url: str,
    template: str,
    context: dict,
) -> HttpResponse:
    """Fill in → confirm → write once. A refusal at either step lands beside its field."""
    preview = None
    if request.method == "POST" and form.is_valid() and form.cleaned_data["step"] != "edit":
        data = form.cleaned_data
        try:
            if form.confirmed:
                # The token first: a repeat is shown the first result, even though the
                # write itself would now be refused (a payment is reversed once).

                def work() -> str:
                    _corrected(request, write(data))
                    return done_url

                done = submit_once(user=request.user, token=data["form_token"], work=work)
                if done.replayed:
                    messages.info(request, REPLAYED)
                return redirect(done.url)
            preview = quote(data)
        except ApplicationError as exc:
            apply_domain_error(form, exc)
            preview = None
    token_renew(form)
    return render(
        request,
        template,
        {**context, "form": form, "preview": preview, "section": context.get("section")},
    )


def _initial() -> dict:
    return {"form_token": token_issue()}


@reseller_required
def payment_reverse(request: PanelRequest, payment_id: int) -> HttpResponse:
    require_page(request, Action.CORRECTIONS)
    payment = found_or_404(payment_get, reseller=request.reseller, payment_id=payment_id)
    form = ReversalForm(request.POST or None, initial=_initial())
    current, refusal = None, None
    if request.method != "POST":
        try:
            current = services.reversal_quote(payment=payment)
        except ApplicationError as exc:
            refusal = exc.message  # said at once, before the person picks a reason
    return _two_steps(
        request,
        form,
        quote=lambda d: services.reversal_quote(payment=payment, reason=d["reason"]),
        write=lambda d: services.payment_reverse(
            payment=payment, reason=d["reason"], at=timezone.now(), by=request.user
        ),
        done_url=reverse("payments:detail", args=[payment.pk]),
        template="panel/payments/reverse.html",
        context={
            "payment": payment,
            "current": current,
            "refusal": refusal,
            "section": "payments",
        },
    )


@reseller_required
def client_refund(request: PanelRequest, client_id: int) -> HttpResponse:
    require_page(request, Action.CORRECTIONS)
    client = found_or_404(client_get, reseller=request.reseller, client_id=client_id)
    form = RefundForm(request.POST or None, initial=_initial())
    return _two_steps(
        request,
        form,
        quote=lambda d: services.refund_quote(
            client=client, amount=d["amount"], reference=d["reference"]
        ),
        write=lambda d: services.refund_register(
            client=client,
            amount=d["amount"],
            reference=d["reference"],
            at=timezone.now(),
            by=request.user,
        ),
        done_url=reverse("accounts:client-detail", args=[client.pk]) + "#corrections",
        template="panel/clients/correction.html",
        context={
            "client": client,
            **_balances(client),
            "title": _("Возврат денег клиенту"),
            "intro": _(
                "Деньги, возвращённые клиенту (например, платёжным поручением), списываются "
                "с его баланса. Вернуть можно не больше доступного баланса: то, что "
                "зарезервировано за услугу, остаётся за ней."
            ),
            "submit_label": _("Оформить возврат"),
            "section": "clients",
        },
    )


@reseller_required
def client_adjust(request: PanelRequest, client_id: int) -> HttpResponse:
    require_page(request, Action.CORRECTIONS)
    client = found_or_404(client_get, reseller=request.reseller, client_id=client_id)
    form = AdjustmentForm(request.POST or None, initial=_initial())
    return _two_steps(
        request,
        form,
        quote=lambda d: services.adjustment_quote(
            client=client, amount=d["amount"], reason=d["reason"]
        ),
        write=lambda d: services.balance_adjust(
            client=client,
            amount=d["amount"],
            reason=d["reason"],
            at=timezone.now(),
            by=request.user,
        ),
        done_url=reverse("accounts:client-detail", args=[client.pk]) + "#corrections",
        template="panel/clients/correction.html",
        context={
            "client": client,
            **_balances(client),
            "title": _("Корректировка баланса"),
            "intro": _(
                "Корректировка со знаком и причиной: плюс зачисляет на баланс (компенсация, "
                "округление, решение дистрибьютора), минус списывает — не больше доступного "
                "баланса."
            ),
            "submit_label": _("Провести корректировку"),
            "section": "clients",
        },
    )


def _balances(client) -> dict[str, Decimal]:
    return {"available_balance": client_available_balance(client=client)}
