"""«API-токены» pages of the reseller panel (/panel/tokens/) and the client portal
(/portal/tokens/): a user lists, creates and revokes their own tokens. The raw token is
shown once, in the response to its creation, and never stored (only its SHA-256)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.panel import found_or_404, paginate, reseller_required
from accounts.portal import client_required
from config.errors import ApplicationError
from config.forms import apply_domain_error, report_domain_error

from .forms import TokenForm
from .selectors import token_get, token_list
from .services import token_create, token_revoke


def _page(request: HttpRequest, *, base: str, namespace: str) -> HttpResponse:
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = token_create(
                user=request.user, name=form.cleaned_data["name"], at=timezone.now()
            )
        except ApplicationError as exc:
            apply_domain_error(form, exc)
        else:
            form = TokenForm()
    # never_cache (below) keeps the page, which may carry a raw token, out of every cache.
    return render(
        request,
        "api/tokens.html",
        {
            "base": base,
            "form": form,
            "created": created,
            "page": paginate(request, token_list(user=request.user)),
            "action": reverse(f"{namespace}:list"),
            "revoke_name": f"{namespace}:revoke",
            "docs_url": reverse("api:docs"),
            "section": "tokens",
        },
    )


def _revoke(request: HttpRequest, token_id: int, *, namespace: str) -> HttpResponse:
    token = found_or_404(token_get, user=request.user, token_id=token_id)
    try:
        token_revoke(token=token, at=timezone.now())
    except ApplicationError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(request, _("Токен «%(name)s» отозван.") % {"name": token.name})
    return redirect(f"{namespace}:list")


def _face(required: Callable, *, base: str, namespace: str):
    @never_cache
    @required
    def tokens(request: HttpRequest) -> HttpResponse:
        return _page(request, base=base, namespace=namespace)

    @require_POST
    @required
    def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
        return _revoke(request, token_id, namespace=namespace)

    return tokens, revoke


panel_tokens, panel_revoke = _face(
    reseller_required, base="panel/base.html", namespace="panel-tokens"
)
portal_tokens, portal_revoke = _face(
    client_required, base="portal/base.html", namespace="portal-tokens"
)
