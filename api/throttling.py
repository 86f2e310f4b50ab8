"""Throttling per token (issue 4): each token has its own budget, a session its user's.
The counters live in the shared cache (Redis when REDIS_URL is set), so that every web
process counts the same requests. The rate is REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
["api"], from the API_THROTTLE_RATE environment variable.

When the cache is down the throttle fails open: the request goes through and a warning is
logged. A brief outage of Redis then costs the rate limit, not the API (a 500 on every
request, as before)."""

from __future__ import annotations

import logging

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from config.proxies import client_address

from .models import ApiToken

logger = logging.getLogger(__name__)


class TokenRateThrottle(SimpleRateThrottle):
    scope = "api"

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:
            # Any cache backend's error (redis.ConnectionError, OSError, ...): fail open.
            logger.warning("API throttle skipped: the cache is unavailable", exc_info=True)
            return True

    def get_rate(self) -> str | None:
        # Read at request time (DRF reads it once at import), so that a settings override
        # in tests or a reloaded configuration applies.
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return str(rate) if rate is not None else None

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def get_ident(self, request) -> str:
        # DRF's own reads X-Forwarded-For from anyone when NUM_PROXIES is unset; the address
        # comes from TRUSTED_PROXIES' header only, as for sign-in (config.proxies).
        return client_address(request) or "-"
