"""Sign-in throttling for the panel, the portal and the operator admin (DESIGN.md §9).

After LOGIN_FAILURE_LIMIT wrong passwords for one login within LOGIN_LOCKOUT_SECONDS, or
ADDRESS_FACTOR times as many from one address (an office behind one NAT address shares it),
sign-in is refused until that window ends, even with the right password: a guesser learns
nothing from the answer. The counters live in the shared cache (Redis, or
files under var/) so that every web process sees the same count.

The login is counted as Django authenticates it (the form strips it and NFKC-normalises it;
ModelBackend then looks it up), and case-folded on top: every spelling that signs in as one
person (`ｒeseller` for `reseller`) shares that person's counter. The address is the
client's behind TRUSTED_PROXIES (config.proxies).

When the cache is unreachable, sign-in fails open: it goes on unthrottled, with a warning
in the log for each attempt, rather than refusing everyone with a 500 (README, Production).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError

from config.proxies import client_address

ADDRESS_FACTOR = 4

logger = logging.getLogger(__name__)

# What the project's two cache backends raise when their store is unreachable: Redis, and
# the files under var/.
CACHE_ERRORS = (RedisError, OSError)

T = TypeVar("T")


@dataclass(frozen=True)
class Keys:
    login: str
    address: str

    def all(self) -> tuple[str, str]:
        return (self.login, self.address)

    def limits(self) -> tuple[tuple[str, int], ...]:
        limit = settings.LOGIN_FAILURE_LIMIT
        return ((self.login, limit), (self.address, limit * ADDRESS_FACTOR))


def login_key(username: str) -> str:
    """One key for every spelling of a login that Django would sign in as the same user.

    Django's UsernameField strips the value and NFKC-normalises it, and ModelBackend looks
    that up; case-folding as well keeps `RESELLER` on `reseller`'s counter even where the
    database compares without case. The last NFKC makes the result stable (NFKC_Casefold).
    """
    as_django = unicodedata.normalize("NFKC", username.strip())
    return unicodedata.normalize("NFKC", as_django.casefold())


def keys_for(*, username: str, request: HttpRequest | None) -> Keys:
    # Hashed: the cache should not hold people's logins in clear text.
    login = hashlib.sha256(login_key(username).encode()).hexdigest()[:32]
    address = (client_address(request) if request is not None else "") or "-"
    return Keys(login=f"login-fail:user:{login}", address=f"login-fail:ip:{address}")


def locked_for(keys: Keys, *, now: float) -> int:
    """Seconds until sign-in is allowed again for these keys (0: allowed now)."""
    wait = 0.0
    for key, limit in keys.limits():
        failures = cache.get(f"{key}:n", 0)
        if failures >= limit:
            wait = max(wait, cache.get(f"{key}:until", now) - now)
    return math.ceil(wait)


def failed(keys: Keys, *, now: float) -> None:
    window = settings.LOGIN_LOCKOUT_SECONDS
    for key in keys.all():
        # add() sets only when absent: the window starts at the first failure.
        cache.add(f"{key}:until", now + window, window)
        cache.add(f"{key}:n", 0, window)
        try:
            cache.incr(f"{key}:n")
        except ValueError:  # the window ended between add() and incr()
            cache.set(f"{key}:n", 1, window)


def succeeded(keys: Keys) -> None:
    # Only the login's counter: one good password from an address that tried many
    # logins must not clear that address.
    cache.delete_many([f"{keys.login}:n", f"{keys.login}:until"])


class ThrottledLoginMixin(AuthenticationForm):
    """Put first in a sign-in form's bases (the panel's, the portal's, the admin's): refuses
    while locked, counts wrong passwords."""

    throttle_message = _("Слишком много неудачных попыток входа. Повторите через %(minutes)s мин.")

    def clean(self) -> dict[str, Any]:
        keys = keys_for(username=str(self.data.get("username", "")), request=self.request)
        wait = _unless_cache_down(lambda: locked_for(keys, now=time.time()), default=0)
        if wait:
            raise forms.ValidationError(
                self.throttle_message, code="throttled", params={"minutes": math.ceil(wait / 60)}
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError as error:
            if getattr(error, "code", None) == "invalid_login":
                _unless_cache_down(lambda: failed(keys, now=time.time()), default=None)
            raise
        _unless_cache_down(lambda: succeeded(keys), default=None)
        return cleaned


def _unless_cache_down(step: Callable[[], T], *, default: T) -> T:
    # Failing open: with the cache down nobody could sign in at all, an outage of its own;
    # the warning tells the operator that sign-in is unthrottled until the cache is back.
    try:
        return step()
    except CACHE_ERRORS:
        logger.warning("Sign-in throttling skipped: the cache is unavailable", exc_info=True)
        return default
