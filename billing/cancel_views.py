"""Cancelling a subscription now (DESIGN.md §4.9, §8), the same in the panel and the portal:
a confirmation page says what will follow (the last billed day, what that day's charge
still takes, the reservation freed), then one POST with a one-time token cancels. The
faces differ only in how they find the subscription and where they return."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import Action
from config.formats import format_day
from core.clock import financial_day
from orders.models import Subscription

from . import services
from .correction_views import require_page
from .services.cancellation import CANCELLABLE
from .submissions import OnceField, submit_form_once, token_issue, token_renew


class CancelForm(forms.Form):
    form_token = OnceField()


def cancel_page(
    request, subscription: Subscription, *, template: str, done_url: str, context: dict
) -> HttpResponse:
    require_page(request, Action.SUBSCRIPTIONS_CANCEL)
    form = CancelForm(request.POST or None, initial={"form_token": token_issue()})
    if request.method == "POST" and form.is_valid():
        by = request.user

        def work() -> str:
            at = timezone.now()
            services.subscription_cancel(subscription=subscription, at=at, by=by)
            messages.success(
                request,
                _("Подписка №%(id)s отменена. Последний оплаченный день: %(day)s.")
                % {"id": subscription.pk, "day": format_day(financial_day(at))},
            )
            return done_url

        if done := submit_form_once(
            request, form, token=form.cleaned_data["form_token"], work=work
        ):
            return done
    token_renew(form)
    cancellable = subscription.status in CANCELLABLE
    quote = (
        services.cancel_quote(subscription=subscription, day=financial_day(timezone.now()))
        if cancellable
        else None
    )
    return render(
        request,
        template,
        {
            **context,
            "subscription": subscription,
            "form": form,
            "quote": quote,
            "billed": quote.cut[2] if quote and quote.cut else None,
            "cancellable": cancellable,
        },
    )
