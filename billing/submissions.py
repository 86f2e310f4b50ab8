"""One money form, one write (DESIGN.md §8): the form carries a token issued with it; the
token is consumed by inserting its row in the same transaction as the write, so a double
click or a reload that sends it again finds the row taken (the unique (user, token)
index) and is shown the first submission's result instead of writing a second time.

The row is inserted *first*: a concurrent second request blocks on the unique index until
the first commits, then replays it (as api.idempotency does for Idempotency-Key). A
submission the domain refuses rolls back with its token, which stays usable once the
input is fixed. Issuing a token writes nothing: it is random, and only its use is stored."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django import forms
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.errors import ApplicationError
from config.forms import apply_domain_error
from core.clock import require_aware

from .models import FormSubmission

TOKEN_BYTES = 24
FIELD = "form_token"
# How long a used token is remembered: a reload or a double click comes within seconds; a
# day covers a form left open and sent again from the browser's history.
TOKEN_MEMORY = timedelta(days=1)


def token_issue() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


class OnceField(forms.CharField):
    """The hidden token field of a money form."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("Форма устарела: проверьте данные и отправьте её ещё раз."),
                "max_length": _("Форма устарела: проверьте данные и отправьте её ещё раз."),
            },
        )
        super().__init__(**kwargs)


def token_renew(form: forms.BaseForm) -> None:
    """A form sent without a usable token (a page from before a deploy, a hand-made
    POST) is refused; the page it gets back carries a fresh one for the next try."""
    if form.is_bound and FIELD in form.errors:
        data = dict(form.data.items())
        data[FIELD] = token_issue()
        form.data = data


@dataclass(frozen=True)
class Submitted:
    url: str  # the result page
    replayed: bool  # True: the token was used before, nothing was written now


def submit_once(*, user, token: str, work: Callable[[], str]) -> Submitted:
    """Runs `work` (the write; it returns its result page's URL and raises on refusal)
    at most once per (user, token)."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = FormSubmission.objects.create(
                    user=user, token=token, created_at=timezone.now()
                )
        except IntegrityError:
            first = FormSubmission.objects.get(user=user, token=token)
            return Submitted(url=first.result_url, replayed=True)
        url = work()
        FormSubmission.objects.filter(pk=row.pk).update(result_url=url[:500])
        return Submitted(url=url, replayed=False)


@transaction.atomic
def form_submissions_purge(*, at: datetime) -> int:
    """Forgets the used one-time tokens older than TOKEN_MEMORY, in one statement (the
    created_at index). Idempotent. Returns how many were deleted."""
    require_aware(at)
    stale = FormSubmission.objects.filter(created_at__lt=at - TOKEN_MEMORY)
    return stale._raw_delete(stale.db)


REPLAYED = _(
    "Эта форма уже была отправлена: показан результат первой отправки, повторно ничего не записано."
)


def submit_form_once(
    request: HttpRequest, form: forms.BaseForm, *, token: str, work: Callable[[], str]
) -> HttpResponse | None:
    """The end of every money form of the panel and the portal: `work` (which writes and
    returns the result's URL) runs once per one-time token. A double click, a reload or a
    resent tab sends the same token and is shown the first submission's result. Returns the
    redirect to the result, or None when the domain refused: the refusal is then on the
    form, beside its field, and nothing was written."""
    try:
        done = submit_once(user=request.user, token=token, work=work)
    except ApplicationError as exc:
        apply_domain_error(form, exc)
        return None
    if done.replayed:
        messages.info(request, REPLAYED)
    return redirect(done.url)
