"""API token authentication: `Authorization: Bearer <token>` (issue 4).

The token is looked up by its SHA-256 (only the hash is stored) and acts for its user;
which reseller or client that user acts for is decided per request (tenancy.py), so a
membership change applies at once."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from accounts.middleware import person_language_activate

from .selectors import token_for_key
from .services import token_hash, token_touch

KEYWORD = "Bearer"


class BearerTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None  # another scheme, or none: the session may still authenticate
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Неверный заголовок Authorization: ожидается «Bearer <токен>».")
            )
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Неизвестный или отозванный токен.")) from None
        token = token_for_key(key_hash=token_hash(raw))
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Неизвестный или отозванный токен."))
        token_touch(token=token, at=timezone.now())
        # The token's person answers in their stored language, never Accept-Language's.
        person_language_activate(request, token.user)
        return (token.user, token)

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return f'{KEYWORD} realm="api"'
