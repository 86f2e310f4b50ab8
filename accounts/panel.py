"""The reseller panel's door: who may use /panel/ and for which reseller (DESIGN.md §9).

A signed-in user whose membership names a reseller acts for that reseller; the views read
it from ``request.reseller`` and pass it to the tenant-scoped selectors. Anyone else (a
client-portal user, a staff user without a reseller) gets a 404: the panel does not
exist for them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from config.errors import Forbidden, NotFound
from config.exports import FORMATS, Table, export_response

from .models import Reseller
from .permissions import Action, require
from .selectors import membership_for

PAGE_SIZE = 25

T = TypeVar("T")


class PanelRequest(HttpRequest):
    """An HttpRequest that went through `reseller_required`."""

    reseller: Reseller


def reseller_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("accounts:login"))
        membership = membership_for(user=request.user)
        if membership is None or membership.reseller is None or not membership.reseller.is_active:
            raise Http404("Нет доступа к панели реселлера.")
        request.reseller = membership.reseller  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


def role_required(
    action: str, *, methods: tuple[str, ...] | None = None
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """The role table (accounts.permissions) for a page of the panel or the portal: a role
    that may not do `action` gets a 403 and nothing is written. `methods` limits the check
    to the writing methods of a page that also shows what everyone may read. Put it under
    reseller_required / client_required."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if methods is None or request.method in methods:
                try:
                    require(request.user, action)
                except Forbidden as exc:
                    raise PermissionDenied(exc.message) from None
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def found_or_404(read: Callable[..., T], **kwargs: Any) -> T:
    """Call a tenant-scoped selector; its NotFound (another tenant's id too) is a 404."""
    try:
        return read(**kwargs)
    except NotFound as exc:
        raise Http404(exc.message) from None


def paginate(request: HttpRequest, rows: Any, *, per_page: int = PAGE_SIZE) -> Page:
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


def list_filters(request: HttpRequest, form_class: Any, **form_kwargs: Any) -> tuple[Any, dict]:
    """A list's filter form bound to the query string, and its valid values: a value the
    form refuses is ignored (the whole list shows), never an error page."""
    form = form_class(request.GET, **form_kwargs)
    return form, (form.cleaned_data if form.is_valid() else {})


def list_page(
    request: HttpRequest,
    template: str,
    rows: Any,
    *,
    section: str,
    filters: Any = None,
    **context: Any,
) -> HttpResponse:
    """A paginated list page of the panel or the portal, with its filters and the query
    string its pagination links keep."""
    return render(
        request,
        template,
        {
            "page": paginate(request, rows),
            "filters": filters,
            "query_string": query_without_page(request),
            "section": section,
            **context,
        },
    )


def query_without_page(request: HttpRequest) -> str:
    """The list's filters as a query string, for the pagination links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def export_format(request: HttpRequest, *, table: str | None = None) -> str | None:
    """`?export=csv|xlsx` asks for the list as a file; on a page of several lists `table`
    names the one asked for (`?export=csv&table=payments`)."""
    fmt = request.GET.get("export")
    if fmt not in FORMATS:
        return None
    if table is not None and request.GET.get("table") != table:
        return None
    return fmt


def list_export(
    request: HttpRequest, table: Table, rows: Any, *, name: str | None = None
) -> HttpResponse | None:
    """The list as CSV or XLSX when the query string asks for it (config.exports), else
    None and the view renders its page. `rows` are the page's own rows: the same
    tenant-scoped selector and filter form. A role without the export action gets a 403.
    `name`: which list of a page of several (export_format)."""
    fmt = export_format(request, table=name)
    if fmt is None:
        return None
    try:
        require(request.user, Action.EXPORTS)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from None
    # A streamed response: the views' decorators are typed for plain pages.
    return cast(HttpResponse, export_response(table, rows, fmt=fmt))
