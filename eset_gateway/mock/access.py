"""Who may reach the mock (DESIGN.md §5, §9).

The mock holds every tenant's activation keys and can suspend any licence or stall every
worker with a latency of minutes, so it is locked away three times over:

- it is served only while ``ESET_MOCK_ENABLED`` is on (the default only with ``DEBUG``):
  otherwise each of its URLs is a 404, whatever the URLconf was built with;
- its controls (``/_mock/``) need the ``X-Mock-Control-Token`` header equal to
  ``ESET_MOCK_CONTROL_TOKEN`` (compared in constant time); without a configured token
  nobody may use them;
- failed ``Token/Get`` calls are counted per client address: past
  ``ESET_MOCK_TOKEN_FAILURE_LIMIT`` within ``ESET_MOCK_TOKEN_FAILURE_WINDOW`` seconds,
  ``Token/Get`` answers 429 without looking at the credentials, so that the mock's
  password cannot be guessed at speed.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

CONTROL_TOKEN_HEADER = "X-Mock-Control-Token"
TOKEN_CALL = "Token/Get"

View = Callable[..., HttpResponse]


def mock_enabled(view: View) -> View:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not settings.ESET_MOCK_ENABLED:
            raise Http404("the ESET mock is not enabled")
        return view(request, *args, **kwargs)

    return wrapped


def control_token_valid(request: HttpRequest) -> bool:
    expected = settings.ESET_MOCK_CONTROL_TOKEN
    given = request.headers.get(CONTROL_TOKEN_HEADER, "")
    # An unset token opens nothing: the controls stay shut until the operator sets one.
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def control_token_required(view: View) -> View:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not control_token_valid(request):
            return JsonResponse(
                {"error": f"the mock's controls need the {CONTROL_TOKEN_HEADER} header"},
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapped


def _failure_key(request: HttpRequest) -> str:
    return f"eset-mock:token-fail:{request.META.get('REMOTE_ADDR') or '-'}"


def token_failures_throttled(view: View) -> View:
    """Wraps the API view: only ``Token/Get`` is counted and refused."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, call: str, *args: object, **kwargs: object) -> HttpResponse:
        if call != TOKEN_CALL:
            return view(request, call, *args, **kwargs)
        key = _failure_key(request)
        window = settings.ESET_MOCK_TOKEN_FAILURE_WINDOW
        if cache.get(key, 0) >= settings.ESET_MOCK_TOKEN_FAILURE_LIMIT:
            refused = JsonResponse(
                {"error": {"code": 3, "subCode": 0, "message": "too many failed sign-ins"}},
                status=429,
            )
            refused["Retry-After"] = str(window)
            return refused
        response = view(request, call, *args, **kwargs)
        if response.status_code == 401:
            # A fixed window from the first failure: add() starts it, incr() counts in it.
            cache.add(key, 0, timeout=window)
            try:
                cache.incr(key)
            except ValueError:  # expired between the two calls
                cache.set(key, 1, timeout=window)
        return response

    return wrapped
