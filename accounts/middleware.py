"""The UI language (DESIGN.md §8): the person's stored choice (Membership.language), else
the choice made on this browser (Django's set_language cookie), else Russian. What the
browser or an API client sends as Accept-Language is used nowhere: the product is Russian
until the person chooses. An API token's person is known only once DRF authenticates, so
api.authentication applies their stored language then (person_language_activate).

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
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return chosen if chosen in CODES else settings.LANGUAGE_CODE


def person_language_activate(request, user) -> None:
    """The language of a person authenticated after this middleware ran (an API token)."""
    membership = membership_remember(user=user)
    language = membership.language if membership is not None else ""
    if language in CODES:
        translation.activate(language)
        # DRF's Request wraps Django's: the middleware reads the code from the latter.
        getattr(request, "_request", request).LANGUAGE_CODE = language


class PersonLanguageMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        language = language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response
