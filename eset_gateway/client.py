"""An HTTP client of ESET MSP Administrator 2's licensing API (DESIGN.md §5).

Only the base URL and the credentials differ between the real service and the mock. With
``ESET_API_URL`` empty the client reaches the mock in-process through httpx's WSGI
transport, so that a shell, a test or a management command needs no running server.

Results are frozen dataclasses. Errors are an ``EsetError``: ``EsetTerminalError`` when
ESET refused the request (4xx: retrying cannot help), ``EsetRetryableError`` when it may
work later (5xx, 429, timeouts, connection errors) after the in-call retries ran out.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

INPROCESS_BASE_URL = "http://eset-mock.local/eset-mock/api/"

# ESET's sub-codes of error code 8 (licensing) that the platform acts on.
SUB_INVALID_QUANTITY = 18
SUB_ALREADY_SUSPENDED = 21
SUB_NOT_SUSPENDED = 22
SUB_NOT_ACTIVE = 23
SUB_UNKNOWN_PRODUCT = 27
SUB_QUANTITY_OUT_OF_RANGE = 30
SUB_SAME_QUANTITY = 48


# --- results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


@dataclass(frozen=True)
class Company:
    company_id: str
    name: str
    reference: str


@dataclass(frozen=True)
class License:
    public_license_id: str
    license_key: str
    product_code: str
    quantity: int
    state: str
    reference: str
    company_id: str = ""


# --- errors ------------------------------------------------------------------------------


class EsetError(Exception):
    """Any failure of an ESET call."""


class EsetRetryableError(EsetError):
    """The call may succeed later. ``outcome_unknown``: the request may have been carried
    out (a timeout or a lost answer), so a non-idempotent call must be settled by a lookup,
    never by repeating it. ``retry_after``: seconds ESET asked us to wait. ``unreachable``:
    no answer came at all (connection refused, DNS, timeouts): ESET is down rather than
    this command wrong, which the drain's breaker counts."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        outcome_unknown: bool = False,
        status: int | None = None,
        unreachable: bool = False,
    ):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        self.outcome_unknown = outcome_unknown
        self.status = status
        self.unreachable = unreachable


class EsetAuthError(EsetRetryableError):
    """ESET refused the credentials: an operator must fix the settings, then it works."""


class EsetTerminalError(EsetError):
    """ESET refused the request itself (4xx): repeating it cannot succeed."""

    def __init__(self, code: int | None, sub_code: int | None, message: str, *, status: int = 400):
        super().__init__(message)
        self.code = code
        self.sub_code = sub_code
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return f"ESET error {self.code}/{self.sub_code}: {self.message}"


# --- in-process transport ----------------------------------------------------------------


class _InProcessApp:
    """Django's WSGI handler, minus the closing of database connections at request end.

    The in-process mock runs in the caller's thread and database connection (a test's
    transaction, a management command's session); Django's request signals would close
    that connection under the caller, so they are detached for the call, as Django's own
    test client does. Calls are therefore sequential: one thread at a time."""

    _handler: Any = None

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        from django.core.handlers.wsgi import WSGIHandler
        from django.core.signals import request_finished, request_started
        from django.db import close_old_connections
        from django.urls import get_urlconf, set_urlconf
        from django.utils import translation

        if _InProcessApp._handler is None:
            _InProcessApp._handler = WSGIHandler()
        # The caller may itself be serving a request (a drain run eagerly after commit):
        # keep its language and URLconf, which the nested request would reset.
        language = translation.get_language()
        urlconf = get_urlconf()
        started = request_started.disconnect(close_old_connections)
        finished = request_finished.disconnect(close_old_connections)
        try:
            response = _InProcessApp._handler(environ, start_response)
            body = b"".join(response)
            response.close()
            return [body]
        finally:
            if started:
                request_started.connect(close_old_connections)
            if finished:
                request_finished.connect(close_old_connections)
            set_urlconf(urlconf)
            if language:
                translation.activate(language)
            else:
                translation.deactivate_all()


# --- the client --------------------------------------------------------------------------


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _license(data: dict) -> License:
    return License(
        public_license_id=str(data["publicLicenseKey"]),
        license_key=str(data["licenseKey"]),
        product_code=str(data["productCode"]),
        quantity=int(data["quantity"]),
        state=str(data["state"]),
        reference=str(data.get("reference") or ""),
        company_id=str(data.get("companyId") or ""),
    )


def _company(data: dict) -> Company:
    return Company(
        company_id=str(data["companyId"]),
        name=str(data.get("name") or ""),
        reference=str(data.get("reference") or ""),
    )


class EsetClient:
    """One client may be shared by threads: the token is obtained and renewed under a lock,
    and httpx's connection pool is thread-safe (the in-process transport is not: use it
    from one thread)."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        username: str | None = None,
        password: str | None = None,
        timeout: float | None = None,
        attempts: int | None = None,
        backoff_base: float | None = None,
        backoff_cap: float = 8.0,
        max_retry_after: float = 30.0,
        max_connections: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ):
        base_url = base_url or settings.ESET_API_URL or None
        self.in_process = base_url is None
        if self.in_process:
            if not settings.ESET_MOCK_ENABLED:
                raise ImproperlyConfigured("ESET_API_URL is empty and the ESET mock is disabled")
            base_url = INPROCESS_BASE_URL
            transport = transport or httpx.WSGITransport(app=_InProcessApp())
        assert base_url is not None
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.username = username if username is not None else settings.ESET_USERNAME
        self.password = password if password is not None else settings.ESET_PASSWORD
        self.attempts = max(1, attempts if attempts is not None else settings.ESET_CALL_ATTEMPTS)
        self.backoff_base = (
            backoff_base if backoff_base is not None else settings.ESET_RETRY_BASE_SECONDS
        )
        self.backoff_cap = backoff_cap
        # A longer Retry-After is not slept through inside the call: the command backs off
        # in the outbox instead of holding a worker.
        self.max_retry_after = max_retry_after
        self._sleep = sleep
        connections = max_connections or settings.ESET_CONCURRENCY
        seconds = timeout if timeout is not None else settings.ESET_TIMEOUT_SECONDS
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(seconds),
            transport=transport,
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
            headers={"Accept": "application/json"},
        )
        self._lock = threading.Lock()
        self._token: TokenPair | None = None

    # --- lifecycle ---

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> EsetClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- tokens ---

    def get_token(self) -> TokenPair:
        """Token/Get: a new token pair (not stored; see ``authenticate``)."""
        data = self._call(
            "Token/Get",
            {"username": self.username, "password": self.password},
            idempotent=True,
            auth=False,
        )
        return self._token_pair(data)

    def renew_token(self, refresh_token: str) -> TokenPair:
        """Token/Renew: a new pair for a refresh token, which is spent by it."""
        data = self._call(
            "Token/Renew", {"refreshToken": refresh_token}, idempotent=False, auth=False
        )
        return self._token_pair(data)

    def authenticate(self) -> TokenPair:
        """Obtains and keeps a token now (otherwise the first call does it)."""
        with self._lock:
            self._token = self.get_token()
            return self._token

    def _token_pair(self, data: dict) -> TokenPair:
        try:
            return TokenPair(
                access_token=str(data["accessToken"]),
                refresh_token=str(data["refreshToken"]),
                expires_in=int(data["expiresIn"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise EsetRetryableError(f"Token: malformed answer ({exc})") from exc

    def _access_token(self) -> str:
        with self._lock:
            if self._token is None:
                self._token = self.get_token()
            return self._token.access_token

    def _reauthenticate(self, rejected_access_token: str) -> None:
        with self._lock:
            current = self._token
            if current is not None and current.access_token != rejected_access_token:
                return  # another thread renewed it meanwhile
            if current is not None:
                try:
                    self._token = self.renew_token(current.refresh_token)
                    return
                except EsetError:
                    pass  # an expired or spent refresh token: log in again
            self._token = None
            self._token = self.get_token()

    # --- calls ---

    def create_company(self, *, name: str, reference: str) -> Company:
        data = self._call(
            "Company/Create/customer", {"name": name, "reference": reference}, idempotent=False
        )
        return self._parse(_company, data)

    def search_companies(self, *, reference: str) -> list[Company]:
        data = self._call("Search/Companies", {"reference": reference}, idempotent=True)
        return [self._parse(_company, item) for item in data.get("companies", [])]

    def order_license(
        self, *, company_id: str, product_code: str, quantity: int, reference: str
    ) -> License:
        body = {
            "companyId": company_id,
            "productCode": product_code,
            "quantity": quantity,
            "reference": reference,
        }
        return self._parse(_license, self._call("License/Order", body, idempotent=False))

    def update_quantity(self, *, public_license_id: str, quantity: int) -> License:
        # Repeating it is harmless: a second call answers "same quantity" (48).
        body = {"publicLicenseKey": public_license_id, "quantity": quantity}
        return self._parse(_license, self._call("License/UpdateQuantity", body, idempotent=True))

    def suspend_license(self, *, public_license_id: str) -> License:
        body = {"publicLicenseKey": public_license_id}
        return self._parse(_license, self._call("License/Suspend", body, idempotent=True))

    def unsuspend_license(self, *, public_license_id: str) -> License:
        body = {"publicLicenseKey": public_license_id}
        return self._parse(_license, self._call("License/Unsuspend", body, idempotent=True))

    def license_detail(self, *, public_license_id: str) -> License:
        body = {"publicLicenseKey": public_license_id}
        return self._parse(_license, self._call("License/Detail", body, idempotent=True))

    def search_licenses(
        self,
        *,
        company_id: str | None = None,
        reference: str | None = None,
        skip: int | None = None,
        take: int | None = None,
    ) -> list[License]:
        """One page of Search/Licenses (ESET's default page when skip/take are not given)."""
        return self._search_licenses(
            company_id=company_id, reference=reference, skip=skip, take=take
        )[0]

    def _search_licenses(
        self,
        *,
        company_id: str | None = None,
        reference: str | None = None,
        skip: int | None = None,
        take: int | None = None,
    ) -> tuple[list[License], int | None]:
        body: dict[str, Any] = {}
        for name, value in (
            ("companyId", company_id),
            ("reference", reference),
            ("skip", skip),
            ("take", take),
        ):
            if value is not None:
                body[name] = value
        data = self._call("Search/Licenses", body, idempotent=True)
        total = data.get("totalCount")
        licenses = [self._parse(_license, item) for item in data.get("licenses", [])]
        return licenses, total if isinstance(total, int) else None

    def license_pages(self, *, page_size: int = 500) -> Iterator[list[License]]:
        """Every licence of the account, a page at a time (oldest first), until ESET's
        totalCount is reached (or, when it gives none, a page comes back short): a server
        that pages by less than `page_size` is still read to the end. A page that fails
        raises; none is skipped silently."""
        skip = 0
        while True:
            page, total = self._search_licenses(skip=skip, take=page_size)
            if page:
                yield page
            skip += len(page)
            if not page or (skip >= total if total is not None else len(page) < page_size):
                return

    # --- machinery ---

    @staticmethod
    def _parse(parser: Callable[[dict], Any], data: Any) -> Any:
        try:
            return parser(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise EsetRetryableError(
                f"malformed answer from ESET ({exc!r})", outcome_unknown=True
            ) from exc

    def _backoff(self, attempt: int) -> float:
        delay = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        # Jitter spreads the retries of many concurrent calls over time.
        return delay * (0.5 + random.random() / 2)

    def _call(self, path: str, body: dict, *, idempotent: bool, auth: bool = True) -> dict:
        """POSTs one call, retrying what may be retried; returns the JSON object."""
        attempt = 0
        reauthenticated = False
        while True:
            attempt += 1
            headers = {}
            token = ""
            if auth:
                token = self._access_token()
                headers["Authorization"] = f"Bearer {token}"
            error: EsetRetryableError
            try:
                response = self._http.post(path, json=body, headers=headers)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                # Nothing reached ESET: safe to repeat, whatever the call.
                error = EsetRetryableError(f"{path}: {type(exc).__name__}: {exc}", unreachable=True)
            except httpx.TransportError as exc:  # read timeouts, dropped connections
                error = EsetRetryableError(
                    f"{path}: {type(exc).__name__}: {exc}", outcome_unknown=True, unreachable=True
                )
            else:
                status = response.status_code
                if 200 <= status < 300:
                    try:
                        data = response.json()
                    except ValueError:
                        data = None
                    if isinstance(data, dict):
                        return data
                    error = EsetRetryableError(
                        f"{path}: answer is not a JSON object", outcome_unknown=True, status=status
                    )
                elif status == 401 and auth and not reauthenticated:
                    reauthenticated = True
                    self._reauthenticate(token)
                    attempt -= 1  # a renewed token is not a failed attempt
                    continue
                elif status == 401:
                    raise EsetAuthError(f"{path}: {self._message(response)}", status=status)
                elif status in (429, 503):
                    # Refused before any work (rate limit, overload): safe to repeat.
                    error = EsetRetryableError(
                        f"{path}: HTTP {status}", retry_after=_retry_after(response), status=status
                    )
                elif status >= 500:
                    error = EsetRetryableError(
                        f"{path}: HTTP {status}", outcome_unknown=True, status=status
                    )
                else:
                    raise self._terminal(path, response)
            if error.outcome_unknown and not idempotent:
                raise error
            if attempt >= self.attempts:
                raise error
            if error.retry_after is not None:
                if error.retry_after > self.max_retry_after:
                    raise error
                delay = error.retry_after
            else:
                delay = self._backoff(attempt)
            self._sleep(delay)

    @staticmethod
    def _message(response: httpx.Response) -> str:
        try:
            return str(response.json()["error"]["message"])
        except (ValueError, KeyError, TypeError):
            return f"HTTP {response.status_code}"

    @staticmethod
    def _terminal(path: str, response: httpx.Response) -> EsetTerminalError:
        code = sub_code = None
        message = f"HTTP {response.status_code}"
        try:
            error = response.json()["error"]
            code = error.get("code")
            sub_code = error.get("subCode")
            message = str(error.get("message") or message)
        except (ValueError, KeyError, TypeError, AttributeError):
            pass
        return EsetTerminalError(code, sub_code, f"{path}: {message}", status=response.status_code)
