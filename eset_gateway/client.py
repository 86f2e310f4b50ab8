"""An HTTP client of ESET MSP Administrator 2's API, as ESET documents it (DESIGN.md §5;
the call-by-call contract is ../shared/eset-ema2-contract.md).

Only the base URL and the credentials differ between the real service and the mock. With
``ESET_API_URL`` empty the client reaches the mock in-process through httpx's WSGI
transport, so that a shell, a test or a management command needs no running server.

Results are frozen dataclasses. Errors are an ``EsetError``: ``EsetTerminalError`` when
ESET refused the request (4xx: retrying cannot help), ``EsetRetryableError`` when it may
work later (5xx, 429, maintenance, timeouts, connection errors) after the in-call retries
ran out. ESET's "already so" answers (already suspended, already unsuspended, not
suspended, same quantity) are successes: the licence is as asked.

Tokens: ``Token/Get`` answers a pair without a lifetime; the access token lives one minute
and a session at most 30 minutes. The client renews the access token (``Token/Renew``, the
current access token as authorization) before its minute ends, and logs in again with
``Token/Get`` before the session ends; a 401 makes it log in again once.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from email.utils import parsedate_to_datetime
from enum import IntEnum
from typing import Any

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

INPROCESS_BASE_URL = "http://eset-mock.local/eset-mock/api/"

# Lifetimes documented by ESET [token, renew]: plan for the shorter figure.
ACCESS_TOKEN_SECONDS = 60.0
SESSION_SECONDS = 30 * 60.0
# Renewed (or re-obtained) this long before it would expire: a call started just before
# the minute ends must still arrive with a valid token.
TOKEN_MARGIN_SECONDS = 15.0

# ESET's paging: `take` is 1..100 on every search and report [search_licenses, ...].
PAGE_MAX = 100

# The error family of ESET's licensing calls [error_codes]: code 8 and these sub-codes.
CODE_LICENSE = 8
SUB_INVALID_LICENSE_TYPE = 17
SUB_INVALID_QUANTITY = 18
SUB_ALREADY_ORDERED = 20
SUB_ALREADY_SUSPENDED = 21
SUB_ALREADY_UNSUSPENDED = 22
SUB_NOT_ACTIVE = 23
SUB_PRODUCT_NOT_AVAILABLE = 27
SUB_QUANTITY_OUT_OF_RANGE = 30
SUB_TRIAL_NOT_ALLOWED = 32
SUB_STATE_UPDATE_ERROR = 33
SUB_NOT_SUSPENDED = 36
SUB_EXPIRED = 37
SUB_TERMS_NOT_ACCEPTED = 40
SUB_SAME_QUANTITY = 48
# Server errors [how_api_works]: 403 99/1 page not found, 503 99/2 maintenance.
CODE_SERVER = 99
SUB_PAGE_NOT_FOUND = 1
SUB_MAINTENANCE = 2
# How long to wait before calling again during ESET's maintenance (it names no time).
MAINTENANCE_PAUSE_SECONDS = 60.0

LICENSE_TYPE_FULL = 1
LICENSE_TYPE_TRIAL = 4

# Entity types [entitytypes].
ENTITY_ESET_HQ = 1001
ENTITY_DISTRIBUTOR = 1002
ENTITY_DIVISION = 1003
ENTITY_MSP_MANAGER = 1004
ENTITY_MSP = 1005
ENTITY_MANAGED_MSP = 1006
ENTITY_MSP_CUSTOMER = 1007

# Columns of Search/Companies [search_companies].
COLUMN_NAME = 0
COLUMN_COMPANY_ID = 1
COLUMN_CREATED_ON = 2
COLUMN_MODIFIED_ON = 3
COLUMN_CUSTOM_IDENTIFIER = 5
COLUMN_COMPANY_TYPE = 6


class Outcome(IntEnum):
    """What an ESET sub-code means for the platform."""

    TERMINAL = 0  # the request itself is refused: repeating it cannot help
    RETRYABLE = 1  # ESET failed to carry it out this time
    DONE = 2  # the licence is already as asked: success


# Every documented sub-code of the calls the platform makes, per call [error_codes].
SUB_CODES: dict[str, dict[int, Outcome]] = {
    "License/Order": {
        SUB_INVALID_LICENSE_TYPE: Outcome.TERMINAL,
        SUB_INVALID_QUANTITY: Outcome.TERMINAL,
        # Terminal for the client; the create handler settles it by a lookup.
        SUB_ALREADY_ORDERED: Outcome.TERMINAL,
        SUB_PRODUCT_NOT_AVAILABLE: Outcome.TERMINAL,
        SUB_QUANTITY_OUT_OF_RANGE: Outcome.TERMINAL,
        SUB_TRIAL_NOT_ALLOWED: Outcome.TERMINAL,
        SUB_TERMS_NOT_ACCEPTED: Outcome.TERMINAL,
    },
    "License/UpdateQuantity": {
        SUB_INVALID_QUANTITY: Outcome.TERMINAL,
        SUB_NOT_ACTIVE: Outcome.TERMINAL,
        SUB_QUANTITY_OUT_OF_RANGE: Outcome.TERMINAL,
        SUB_EXPIRED: Outcome.TERMINAL,
        SUB_SAME_QUANTITY: Outcome.DONE,
    },
    "License/Suspend": {
        SUB_ALREADY_SUSPENDED: Outcome.DONE,
        SUB_NOT_ACTIVE: Outcome.TERMINAL,
    },
    "License/Unsuspend": {
        SUB_ALREADY_UNSUSPENDED: Outcome.DONE,
        # A failure to write the new state at ESET: the same call may succeed later.
        SUB_STATE_UPDATE_ERROR: Outcome.RETRYABLE,
        SUB_NOT_SUSPENDED: Outcome.DONE,
    },
}


class LicenseState(IntEnum):
    """Licence states [enum_licensestates]."""

    ERROR = 0
    NORMAL = 1
    OBSOLETE = 2
    SUSPENDED = 3
    WARNING = 4


# ESET's state as the platform's EsetLicense.State. Error (more devices activated than
# seats) and warning (close to it) are licences in service; obsolete was replaced.
PLATFORM_STATES = {
    LicenseState.ERROR: "active",
    LicenseState.NORMAL: "active",
    LicenseState.OBSOLETE: "obsolete",
    LicenseState.SUSPENDED: "suspended",
    LicenseState.WARNING: "active",
}


def platform_state(state: int) -> str:
    try:
        return PLATFORM_STATES[LicenseState(state)]
    except ValueError as exc:
        raise ValueError(f"unknown licence state {state!r}") from exc


# --- results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str


@dataclass(frozen=True)
class Address:
    state: str
    city: str
    street_address: str
    zip_code: str

    def as_json(self) -> dict[str, str]:
        return {
            "state": self.state,
            "city": self.city,
            "streetAddress": self.street_address,
            "zipCode": self.zip_code,
        }


@dataclass(frozen=True)
class Company:
    company_id: str
    name: str
    custom_identifier: str
    company_type: int | None


@dataclass(frozen=True)
class Product:
    code: int
    name: str


@dataclass(frozen=True)
class License:
    """License/Detail's answer (and one row of Search/Licenses)."""

    public_license_id: str
    customer_id: str
    product_code: int
    product_name: str
    quantity: int
    usage: int
    eset_state: int
    trial: bool
    last_update: str
    # The activation key when the service provides one (the guide documents none): "".
    license_key: str = ""

    @property
    def state(self) -> str:
        """The platform's state (EsetLicense.State) for ESET's integer state."""
        return platform_state(self.eset_state)


@dataclass(frozen=True)
class HistoryEntry:
    change_type: str
    description: str
    at: str


@dataclass(frozen=True)
class UsageRow:
    """Seat-days of one company's product over a report's period [usagereport]."""

    company_id: str
    company_name: str
    product_code: int
    product_name: str
    license_type: int
    seat_days: int
    seats: int  # ordered on the period's last day (0 when suspended then)
    daily: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Changed:
    """The answer of UpdateQuantity, Suspend and Unsuspend (an empty body at ESET)."""

    already: bool = False  # ESET said the licence was already so


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
        code: int | None = None,
        sub_code: int | None = None,
        unreachable: bool = False,
    ):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        self.outcome_unknown = outcome_unknown
        self.status = status
        self.code = code
        self.sub_code = sub_code
        self.unreachable = unreachable


class EsetAuthError(EsetRetryableError):
    """ESET refused the credentials: an operator must fix the settings, then it works."""


class EsetMaintenanceError(EsetRetryableError):
    """503 with code 99 / subCode 2: ESET is down for maintenance; try after a pause."""


class EsetTerminalError(EsetError):
    """ESET refused the request itself (4xx): repeating it cannot succeed. ``field``: the
    request field a model-state answer named (``{"quantity": ["The input was not
    valid."]}``)."""

    def __init__(
        self,
        code: int | None,
        sub_code: int | None,
        message: str,
        *,
        status: int = 400,
        field: str | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.sub_code = sub_code
        self.message = message
        self.status = status
        self.field = field

    def __str__(self) -> str:
        if self.field:
            return f"ESET refused {self.field}: {self.message}"
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


# --- parsing -----------------------------------------------------------------------------


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


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{value!r} is not an integer")
    return int(value)


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _license(data: Any) -> License:
    if not isinstance(data, dict):
        raise TypeError("a licence is a JSON object")
    return License(
        public_license_id=str(data["publicLicenseKey"]),
        customer_id=_str(data.get("customerId")),
        product_code=_int(data["productCode"]),
        product_name=_str(data.get("productName")),
        quantity=_int(data["quantity"]),
        usage=_int(data.get("usage") or 0),
        eset_state=_int(LicenseState(_int(data["state"]))),
        trial=bool(data.get("trial") or False),
        last_update=_str(data.get("lastUpdate")),
        license_key=_str(data.get("licenseKey")),
    )


def _company(data: Any) -> Company:
    if not isinstance(data, dict):
        raise TypeError("a company is a JSON object")
    company_id = data.get("publicId") or data.get("companyId") or data.get("id")
    if not company_id:
        raise KeyError("publicId")
    kind = data.get("type", data.get("companyTypeId"))
    return Company(
        company_id=str(company_id),
        name=_str(data.get("name")),
        custom_identifier=_str(data.get("customIdentifier")),
        company_type=None if kind is None else _int(kind),
    )


def _public_id(data: Any, *names: str) -> str:
    """An answer that is an identifier only: a JSON string, or an object holding it (the
    guide says what is answered, not how it is wrapped)."""
    if isinstance(data, str) and data:
        return data
    if isinstance(data, dict):
        for name in names:
            value = data.get(name)
            if isinstance(value, str) and value:
                return value
    raise KeyError(names[0])


def _items(data: Any, *names: str) -> tuple[list[Any], int | None]:
    """The rows of a search answer and its totalCount when given: a JSON list, or an
    object holding the list under one of `names`."""
    if isinstance(data, list):
        return data, None
    if not isinstance(data, dict):
        raise TypeError("a search answer is a JSON list or object")
    total = data.get("totalCount")
    for name in names:
        rows = data.get(name)
        if isinstance(rows, list):
            return rows, total if isinstance(total, int) and not isinstance(total, bool) else None
    if total == 0 or not data:
        return [], 0
    raise KeyError(names[0])


def _products(data: Any) -> list[Product]:
    rows, _ = _items(data, "products")
    return [Product(code=_int(row["code"]), name=_str(row.get("name"))) for row in rows]


def _history(data: Any) -> list[HistoryEntry]:
    rows, _ = _items(data, "history", "items")
    return [
        HistoryEntry(
            change_type=_str(row.get("type")),
            description=_str(row.get("description")),
            at=_str(row.get("date")),
        )
        for row in rows
    ]


def _usage(data: Any) -> tuple[list[UsageRow], int | None]:
    companies, total = _items(data, "companies")
    rows: list[UsageRow] = []
    for company in companies:
        for product in company.get("products") or []:
            rows.append(
                UsageRow(
                    company_id=str(company["companyId"]),
                    company_name=_str(company.get("companyName")),
                    product_code=_int(product["code"]),
                    product_name=_str(product.get("name")),
                    license_type=_int(product.get("licenseType") or LICENSE_TYPE_FULL),
                    seat_days=_int(product["seatDays"]),
                    seats=_int(product.get("seats") or 0),
                    daily=tuple(
                        (str(day["date"]), _int(day["usage"]))
                        for day in product.get("usagePerDays") or []
                    ),
                )
            )
    return rows, total


def _check_take(take: int) -> int:
    if not 1 <= take <= PAGE_MAX:
        raise ValueError(f"take must be from 1 to {PAGE_MAX}, not {take}")
    return take


# --- the client --------------------------------------------------------------------------


class EsetClient:
    """One client may be shared by threads: the token is obtained and renewed under a lock
    (one Token/Get or Token/Renew at a time, shared by every call), and httpx's connection
    pool is thread-safe (the in-process transport is not: use it from one thread)."""

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
        clock: Callable[[], float] = time.monotonic,
        access_token_seconds: float = ACCESS_TOKEN_SECONDS,
        session_seconds: float = SESSION_SECONDS,
        token_margin_seconds: float = TOKEN_MARGIN_SECONDS,
        maintenance_pause: float = MAINTENANCE_PAUSE_SECONDS,
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
        self.maintenance_pause = maintenance_pause
        self._sleep = sleep
        self._clock = clock
        self.access_token_seconds = access_token_seconds
        self.session_seconds = session_seconds
        self.token_margin_seconds = token_margin_seconds
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
        self._token_at = 0.0  # when the access token was issued (clock)
        self._session_at = 0.0  # when the session began (the last Token/Get)

    # --- lifecycle ---

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> EsetClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- tokens ---

    def get_token(self) -> TokenPair:
        """Token/Get: a new session's pair (not stored; see ``authenticate``)."""
        data = self._call(
            "Token/Get",
            {"username": self.username, "password": self.password},
            idempotent=True,
            auth=False,
        )
        return self._token_pair(data)

    def renew_token(self, *, access_token: str, refresh_token: str) -> TokenPair:
        """Token/Renew: a new pair in the same session; the current access token is the
        authorization, the refresh token is spent by it."""
        data = self._call(
            "Token/Renew",
            {"refreshToken": refresh_token},
            idempotent=False,
            auth=False,
            bearer=access_token,
        )
        return self._token_pair(data)

    def authenticate(self) -> TokenPair:
        """Obtains and keeps a token now (otherwise the first call does it)."""
        with self._lock:
            self._login()
            assert self._token is not None
            return self._token

    def _token_pair(self, data: Any) -> TokenPair:
        try:
            return TokenPair(
                access_token=str(data["accessToken"]), refresh_token=str(data["refreshToken"])
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise EsetRetryableError(f"Token: malformed answer ({exc!r})") from exc

    def _login(self) -> None:
        """Under the lock: a new session."""
        self._token = None
        token = self.get_token()
        self._token = token
        self._token_at = self._session_at = self._clock()

    def _access_token(self) -> str:
        """The access token to send now: renewed before its minute ends, re-obtained before
        the session's 30 minutes end (ESET would refuse the renewal then)."""
        with self._lock:
            now = self._clock()
            margin = self.token_margin_seconds
            if self._token is None or now - self._session_at >= self.session_seconds - margin:
                self._login()
            elif now - self._token_at >= self.access_token_seconds - margin:
                current = self._token
                try:
                    self._token = self.renew_token(
                        access_token=current.access_token, refresh_token=current.refresh_token
                    )
                    self._token_at = self._clock()
                except EsetError:
                    self._login()  # the session ended early, or the refresh was refused
            assert self._token is not None
            return self._token.access_token

    def _reauthenticate(self, rejected_access_token: str) -> None:
        with self._lock:
            current = self._token
            if current is not None and current.access_token != rejected_access_token:
                return  # another thread obtained a new one meanwhile
            # A rejected access token cannot authorize its own renewal: a new session.
            self._login()

    # --- companies ---

    def create_customer(
        self,
        *,
        name: str,
        address: Address,
        parent_company_id: str,
        custom_identifier: str,
        email: str = "",
        vat_id: str = "",
    ) -> str:
        """Company/Create/customer: an MSP Customer under `parent_company_id`; answers its
        company id."""
        body: dict[str, Any] = {
            "name": name,
            "address": address.as_json(),
            "parentCompanyId": parent_company_id,
            "customIdentifier": custom_identifier,
        }
        if email:
            body["email"] = email
        if vat_id:
            body["vatId"] = vat_id
        data = self._call("Company/Create/customer", body, idempotent=False)
        return self._parse(lambda d: _public_id(d, "publicId", "companyId", "id"), data)

    def create_msp(
        self, *, name: str, email: str, custom_identifier: str, address: Address | None = None
    ) -> str:
        """Company/Create/msp: an MSP under the signed-in distributor; answers its id."""
        body: dict[str, Any] = {"name": name, "email": email, "customIdentifier": custom_identifier}
        if address is not None:
            body["address"] = address.as_json()
        data = self._call("Company/Create/msp", body, idempotent=False)
        return self._parse(lambda d: _public_id(d, "publicId", "companyId", "id"), data)

    def search_companies(
        self, *, keyword: str, columns: Iterable[int], skip: int = 0, take: int = PAGE_MAX
    ) -> list[Company]:
        """Search/Companies: one page of the companies whose `columns` match `keyword`."""
        body = {"search": {keyword: list(columns)}, "skip": skip, "take": _check_take(take)}
        data = self._call("Search/Companies", body, idempotent=True)
        rows, _ = self._parse(lambda d: _items(d, "companies", "search"), data)
        return [self._parse(_company, row) for row in rows]

    def companies_by_identifier(self, custom_identifier: str) -> list[Company]:
        """The companies whose custom identifier is exactly `custom_identifier` (the search
        matches parts of a keyword too), every page read."""
        found: list[Company] = []
        skip = 0
        while True:
            page = self.search_companies(
                keyword=custom_identifier, columns=[COLUMN_CUSTOM_IDENTIFIER], skip=skip
            )
            found += [c for c in page if c.custom_identifier == custom_identifier]
            skip += len(page)
            if len(page) < PAGE_MAX:
                return found

    # --- products ---

    def available_products(self) -> list[Product]:
        """AvailableProducts: ESET's product catalogue with its numeric codes."""
        data = self._call("Product/AvailableProducts", {}, idempotent=True)
        return self._parse(_products, data)

    # --- licences ---

    def order_license(
        self,
        *,
        customer_id: str,
        product_code: int,
        quantity: int,
        license_type: int = LICENSE_TYPE_FULL,
    ) -> str:
        """License/Order: answers the new licence's public key only (License/Detail has
        the rest). Never repeated by the client: a lost answer is settled by a lookup."""
        body = {
            "customerId": customer_id,
            "productCode": int(product_code),
            "quantity": quantity,
            "licenseType": license_type,
        }
        data = self._call("License/Order", body, idempotent=False)
        return self._parse(lambda d: _public_id(d, "publicLicenseKey", "publicKey"), data)

    def update_quantity(self, *, public_license_id: str, quantity: int) -> Changed:
        # Repeating it is harmless: a second call answers "same quantity" (48), a success.
        body = {"publicLicenseKey": public_license_id, "quantity": quantity}
        return self._change("License/UpdateQuantity", body)

    def suspend_license(self, *, public_license_id: str) -> Changed:
        return self._change("License/Suspend", {"publicLicenseKey": public_license_id})

    def unsuspend_license(self, *, public_license_id: str) -> Changed:
        return self._change("License/Unsuspend", {"publicLicenseKey": public_license_id})

    def _change(self, path: str, body: dict) -> Changed:
        try:
            self._call(path, body, idempotent=True, empty=True)
        except EsetTerminalError as error:
            if SUB_CODES[path].get(error.sub_code or -1) is Outcome.DONE:
                return Changed(already=True)
            raise
        return Changed()

    def license_detail(self, *, public_license_id: str) -> License:
        body = {"publicLicenseKey": public_license_id}
        return self._parse(_license, self._call("License/Detail", body, idempotent=True))

    def license_history(self, *, public_license_id: str) -> list[HistoryEntry]:
        body = {"publicLicenseKey": public_license_id}
        return self._parse(_history, self._call("License/GetHistory", body, idempotent=True))

    def search_licenses(
        self,
        *,
        keyword: str = "",
        customer_id: str | None = None,
        skip: int = 0,
        take: int = PAGE_MAX,
    ) -> list[License]:
        """One page of Search/Licenses."""
        return self._search_licenses(
            keyword=keyword, customer_id=customer_id, skip=skip, take=take
        )[0]

    def _search_licenses(
        self, *, keyword: str, customer_id: str | None, skip: int, take: int
    ) -> tuple[list[License], int | None]:
        body: dict[str, Any] = {"keyword": keyword, "skip": skip, "take": _check_take(take)}
        if customer_id:
            body["customerId"] = customer_id
        data = self._call("Search/Licenses", body, idempotent=True)
        rows, total = self._parse(lambda d: _items(d, "licenses", "search"), data)
        return [self._parse(_license, row) for row in rows], total

    def license_pages(
        self, *, customer_id: str | None = None, keyword: str = "", page_size: int = PAGE_MAX
    ) -> Iterator[list[License]]:
        """Every licence (of the account, or of one customer), a page at a time, until
        ESET's totalCount is reached (or, when it gives none, a page comes back short): a
        server that pages by less than `page_size` is still read to the end. A page that
        fails raises; none is skipped silently."""
        _check_take(page_size)
        skip = 0
        while True:
            page, total = self._search_licenses(
                keyword=keyword, customer_id=customer_id, skip=skip, take=page_size
            )
            if page:
                yield page
            skip += len(page)
            if not page or (skip >= total if total is not None else len(page) < page_size):
                return

    def customer_licenses(self, *, customer_id: str) -> list[License]:
        return [lic for page in self.license_pages(customer_id=customer_id) for lic in page]

    # --- usage ---

    def usage_report(
        self, *, date_from: date, date_to: date, skip: int = 0, take: int = PAGE_MAX
    ) -> tuple[list[UsageRow], int | None]:
        """UsageReport/AllCompanies/products: seat-days per company and product, for the
        days from `date_from` to `date_to` (inclusive); one page of companies."""
        body = {
            "from": date_from.isoformat(),
            "to": date_to.isoformat(),
            "skip": skip,
            "take": _check_take(take),
        }
        data = self._call("UsageReport/AllCompanies/products", body, idempotent=True)
        return self._parse(_usage, data)

    def usage_rows(self, *, date_from: date, date_to: date) -> list[UsageRow]:
        """Every page of the usage report."""
        rows: list[UsageRow] = []
        skip = 0
        while True:
            page, total = self.usage_report(date_from=date_from, date_to=date_to, skip=skip)
            companies = len({row.company_id for row in page})
            rows += page
            skip += companies
            if companies == 0 or (skip >= total if total is not None else companies < PAGE_MAX):
                return rows

    # --- machinery ---

    @staticmethod
    def _parse(parser: Callable[[Any], Any], data: Any) -> Any:
        try:
            return parser(data)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise EsetRetryableError(
                f"malformed answer from ESET ({exc!r})", outcome_unknown=True
            ) from exc

    def _backoff(self, attempt: int) -> float:
        delay = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        # Jitter spreads the retries of many concurrent calls over time.
        return delay * (0.5 + random.random() / 2)

    def _call(
        self,
        path: str,
        body: dict,
        *,
        idempotent: bool,
        auth: bool = True,
        bearer: str | None = None,
        empty: bool = False,
    ) -> Any:
        """POSTs one call, retrying what may be retried; returns the decoded JSON (None
        for an empty answer, which `empty` calls give on success)."""
        attempt = 0
        reauthenticated = False
        while True:
            attempt += 1
            headers = {}
            token = ""
            if auth:
                token = self._access_token()
                headers["Authorization"] = f"Bearer {token}"
            elif bearer:
                headers["Authorization"] = f"Bearer {bearer}"
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
                    content = response.content.strip()
                    if not content:
                        if empty:
                            return None
                        error = EsetRetryableError(
                            f"{path}: empty answer", outcome_unknown=True, status=status
                        )
                    else:
                        try:
                            return response.json()
                        except ValueError:
                            error = EsetRetryableError(
                                f"{path}: answer is not JSON", outcome_unknown=True, status=status
                            )
                elif status == 401 and auth and not reauthenticated:
                    reauthenticated = True
                    self._reauthenticate(token)
                    attempt -= 1  # a new token is not a failed attempt
                    continue
                elif status == 401:
                    raise EsetAuthError(f"{path}: {self._message(response)}", status=status)
                elif status == 503 and self._codes(response) == (CODE_SERVER, SUB_MAINTENANCE):
                    # Maintenance: refused before any work; the outbox retries after a pause.
                    raise EsetMaintenanceError(
                        f"{path}: ESET is under maintenance",
                        retry_after=_retry_after(response) or self.maintenance_pause,
                        status=status,
                        code=CODE_SERVER,
                        sub_code=SUB_MAINTENANCE,
                    )
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
                    terminal = self._terminal(path, response)
                    outcome = SUB_CODES.get(path, {}).get(terminal.sub_code or -1)
                    if terminal.code == CODE_LICENSE and outcome is Outcome.RETRYABLE:
                        error = EsetRetryableError(
                            str(terminal),
                            status=status,
                            code=terminal.code,
                            sub_code=terminal.sub_code,
                        )
                    else:
                        raise terminal
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
    def _error_body(response: httpx.Response) -> dict:
        try:
            data = response.json()
        except ValueError:
            return {}
        if not isinstance(data, dict):
            return {}
        nested = data.get("error")
        return nested if isinstance(nested, dict) else data

    @classmethod
    def _codes(cls, response: httpx.Response) -> tuple[Any, Any]:
        body = cls._error_body(response)
        return body.get("code"), body.get("subCode")

    @classmethod
    def _message(cls, response: httpx.Response) -> str:
        body = cls._error_body(response)
        return str(body.get("message") or f"HTTP {response.status_code}")

    @classmethod
    def _terminal(cls, path: str, response: httpx.Response) -> EsetTerminalError:
        """ESET's error (code, subCode, message), or the model-state shape: field names
        mapped to lists of messages [error_codes]."""
        body = cls._error_body(response)
        status = response.status_code
        if "code" in body or "subCode" in body:
            code, sub_code = body.get("code"), body.get("subCode")
            message = str(body.get("message") or f"HTTP {status}")
            return EsetTerminalError(
                code if isinstance(code, int) else None,
                sub_code if isinstance(sub_code, int) else None,
                f"{path}: {message}",
                status=status,
            )
        fields = {
            name: messages
            for name, messages in body.items()
            if isinstance(messages, list) and all(isinstance(m, str) for m in messages)
        }
        if fields:
            field = sorted(fields)[0]
            message = " ".join(fields[field]) or "invalid"
            return EsetTerminalError(None, None, message, status=status, field=field)
        return EsetTerminalError(None, None, f"{path}: HTTP {status}", status=status)
