"""The client portal's door: who may use /portal/ and for which client (DESIGN.md §9).

A signed-in user whose membership names a client acts for that client; the views read it
from ``request.client`` and pass it to the client-scoped selectors. Anyone else (a
reseller's member, a staff user without a client) gets a 404: the portal does not exist
for them. The panel's helpers (found_or_404, paginate) serve the portal as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from .models import Client
from .panel import PAGE_SIZE
from .selectors import portal_client_for


class PortalRequest(HttpRequest):
    """An HttpRequest that went through `client_required`."""

    client: Client


def client_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        client = portal_client_for(user=request.user)
        if client is None:
            raise Http404("Нет доступа к порталу клиента.")
        request.client = client  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


def paginate_as(request: HttpRequest, rows: Any, *, param: str, per_page: int = PAGE_SIZE) -> Page:
    """One of several lists on a page, each turned by its own query parameter."""
    return Paginator(rows, per_page).get_page(request.GET.get(param))


def query_without(request: HttpRequest, param: str) -> str:
    params = request.GET.copy()
    params.pop(param, None)
    return params.urlencode()
