"""The UI language (DESIGN.md §8): the person's stored choice (Membership.language), else
the choice made on this browser (Django's set_language cookie), else Russian. What the
browser sends as Accept-Language is not used for pages: the product is Russian until the
person chooses. The API (/api/) is for programs, which do ask by Accept-Language.

Replaces django.middleware.locale.LocaleMiddleware; stands after AuthenticationMiddleware."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

from .selectors import membership_remember

CODES = {code for code, _name in settings.LANGUAGES}


def stored_language(request) -> str:
    """The signed-in person's stored language ('' if none). Their membership is read here
    once for the whole request (accounts.selectors.membership_remember)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    membership = membership_remember(user=user)
    return membership.language if membership is not None else ""


def language_for(request) -> str:
    stored = stored_language(request)
    if stored in CODES:
        return stored
    if request.path.startswith("/api/"):
        return translation.get_language_from_request(request)
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return chosen if chosen in CODES else settings.LANGUAGE_CODE


class PersonLanguageMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        language = language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
