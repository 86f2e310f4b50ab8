"""The product's error pages (DESIGN.md §8): 404, 403 and 500 in the person's language, in
the product's look, with a link to the person's own home; never Django's debug pages for a
missing page or a refused one, DEBUG or not. The API keeps its JSON errors (api.errors)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template import loader

# Programs read these; they answer in JSON of their own.
NOT_HTML_PREFIXES = ("/api/", "/eset-mock/")


def home_url(request: HttpRequest | None) -> str:
    """The signed-in person's home (the panel for a reseller's people, the portal for a
    client's, the admin for the operator); else the face the address belongs to."""
    from accounts.selectors import membership_for  # the error pages stand above every app

    user = getattr(request, "user", None)
    membership = membership_for(user=user) if user is not None else None
    if membership is not None and membership.client_id is not None:
        return "/portal/"
    if membership is not None and membership.reseller_id is not None:
        return "/panel/"
    if user is not None and getattr(user, "is_staff", False):
        return "/admin/"
    path = request.path if request is not None else ""
    for prefix in ("/portal/", "/panel/", "/admin/"):
        if path.startswith(prefix):
            return prefix
    return "/"


def error_page(request: HttpRequest | None, status: int) -> HttpResponse:
    template = loader.get_template(f"{status}.html")
    # A 500 is drawn without the request: its context processors may be what failed.
    content = template.render(
        {"home_url": home_url(request) if status != 500 else "/"},
        request if status != 500 else None,
    )
    response = HttpResponse(content, status=status)
    response.product_page = True  # type: ignore[attr-defined]
    return response


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 403)


def server_error(request: HttpRequest) -> HttpResponse:
    return error_page(None, 500)


class ProductErrorPagesMiddleware:
    """With DEBUG on Django answers a 404 with its technical page (English, the URL list).
    This answers a 404 or 403 raised by a view with the product's page, DEBUG or not, and,
    with DEBUG on, an address that matches no URL too (with DEBUG off handler404 does). A
    view that renders its own 404 page (an expired invitation) keeps it."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and getattr(request, "resolver_match", None) is None
            and not getattr(response, "product_page", False)
            and _html(request)
        ):
            return error_page(request, 404)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not _html(request):
            return None
        if isinstance(exception, Http404):
            return error_page(request, 404)
        if isinstance(exception, PermissionDenied):
            return error_page(request, 403)
        return None


def _html(request: HttpRequest) -> bool:
    return not request.path.startswith(NOT_HTML_PREFIXES)
