"""A mock of ESET MSP Administrator 2's licensing API, served by the project itself.

It plays ESET's side for tests, the demo and the benchmarks: JSON over POST, a bearer
token, ESET's error shape (HTTP 400, ``{"error": {"code": 8, "subCode": N, ...}}``), and a
new activation key on every quantity change (S11). ``/eset-mock/_mock/`` holds test-only
controls that inject latency, 5xx, 429, timeouts and lost responses (at random, seeded, or
one by one), a concurrency limit, and drift (a licence changed behind the platform's back).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import random
import secrets
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from eset_gateway.client import (
    INPROCESS_BASE_URL,
    SUB_ALREADY_SUSPENDED,
    SUB_INVALID_QUANTITY,
    SUB_NOT_ACTIVE,
    SUB_NOT_SUSPENDED,
    SUB_QUANTITY_OUT_OF_RANGE,
    SUB_SAME_QUANTITY,
    SUB_UNKNOWN_PRODUCT,
)
from plans.models import VendorPlan

from .models import FAULT_MODES, MockCall, MockCompany, MockControl, MockLicense, MockToken

logger = logging.getLogger(__name__)

# Sub-codes of error code 8 that only the mock needs to name.
SUB_INVALID_REQUEST = 1
SUB_NOT_FOUND = 4

# Products the mock knows whatever the catalogue holds; VendorPlan codes are known too.
BUILTIN_PRODUCTS = {
    "EPE": "ESET PROTECT Entry",
    "EPA": "ESET PROTECT Advanced",
    "EPC": "ESET PROTECT Complete",
    "EPEN": "ESET PROTECT Enterprise",
    "EEA": "ESET Endpoint Antivirus",
    "EES": "ESET Endpoint Security",
    "EMSX": "ESET Mail Security",
    "EFSW": "ESET Server Security",
}

# The in-process client (httpx WSGI transport) addresses the mock by this host; over it a
# "timeout" cannot be felt by the caller, so the mock answers 504 at once instead.
INPROCESS_HOST = urlsplit(INPROCESS_BASE_URL).hostname

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

# Calls being served by this process (the tests wait for it to drop to 0; the limit itself
# is counted across processes by _CallSlots).
_in_flight = 0
_in_flight_lock = threading.Lock()

# Search/Licenses answers at most this many licences per page (ESET's "take").
SEARCH_PAGE_MAX = 1000

# Access tokens found valid, with their expiry and the control version they were checked
# under: saves a query per call. Expiring tokens through the controls bumps the version
# and a renewal clears the cache, so a process never honours a token the controls expired.
_token_cache: dict[str, tuple[int, datetime]] = {}
_token_cache_lock = threading.Lock()


class MockApiError(Exception):
    def __init__(self, sub_code: int, message: str, *, code: int = 8, status: int = 400):
        super().__init__(message)
        self.sub_code = sub_code
        self.code = code
        self.status = status
        self.message = message

    def response(self) -> JsonResponse:
        body = {"error": {"code": self.code, "subCode": self.sub_code, "message": self.message}}
        return JsonResponse(body, status=self.status)


# --- helpers ---------------------------------------------------------------------------


def control_get() -> MockControl:
    # Read on every call: a raw query skips the ORM's compilation, which would cost the
    # mock more than the database does.
    table = connection.ops.quote_name(MockControl._meta.db_table)
    found = list(
        MockControl.objects.raw(f"SELECT * FROM {table} WHERE id = %s", [MockControl.SINGLETON_PK])
    )
    if found:
        return found[0]
    control, _ = MockControl.objects.get_or_create(pk=MockControl.SINGLETON_PK)
    return control


def _random_code(groups: int, size: int) -> str:
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(size)) for _ in range(groups))


def new_public_license_id() -> str:
    return _random_code(3, 3)


def new_license_key() -> str:
    return _random_code(5, 4)


def _license_json(lic: MockLicense) -> dict[str, Any]:
    return {
        "publicLicenseKey": lic.public_license_id,
        "licenseKey": lic.license_key,
        "productCode": lic.product_code,
        "quantity": lic.quantity,
        "state": lic.state,
        "companyId": lic.company.company_id,
        "reference": lic.reference,
    }


def _company_json(company: MockCompany) -> dict[str, Any]:
    return {"companyId": company.company_id, "name": company.name, "reference": company.reference}


def _field(body: dict, name: str, kind: type, *, required: bool = True) -> Any:
    value = body.get(name)
    if value is None:
        if required:
            raise MockApiError(SUB_INVALID_REQUEST, f"{name} is required")
        return None
    if kind is str and not isinstance(value, str):
        raise MockApiError(SUB_INVALID_REQUEST, f"{name} must be a string")
    return value


def _quantity(body: dict, control: MockControl) -> int:
    value = body.get("quantity")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise MockApiError(SUB_INVALID_QUANTITY, "quantity must be a positive integer")
    if value > control.max_quantity:
        raise MockApiError(
            SUB_QUANTITY_OUT_OF_RANGE, f"quantity must be between 1 and {control.max_quantity}"
        )
    return value


def _license_for_update(body: dict) -> MockLicense:
    public_id = _field(body, "publicLicenseKey", str)
    lic = (
        # The licence's row only: its company's stays free for its other licences' calls.
        MockLicense.objects.select_for_update(of=("self",))
        .select_related("company")
        .filter(public_license_id=public_id)
        .first()
    )
    if lic is None:
        raise MockApiError(SUB_NOT_FOUND, f"licence {public_id} not found")
    return lic


def _issue_token(username: str, control: MockControl) -> dict[str, Any]:
    now = timezone.now()
    token = MockToken.objects.create(
        access_token=secrets.token_hex(24),
        refresh_token=secrets.token_hex(24),
        username=username,
        expires_at=now + timedelta(seconds=control.token_ttl_seconds),
        refresh_expires_at=now + timedelta(seconds=control.refresh_ttl_seconds),
    )
    return {
        "accessToken": token.access_token,
        "refreshToken": token.refresh_token,
        "expiresIn": control.token_ttl_seconds,
    }


# --- calls -------------------------------------------------------------------------------


def token_get(body: dict, control: MockControl) -> dict[str, Any]:
    username = _field(body, "username", str)
    password = _field(body, "password", str)
    if username != settings.ESET_USERNAME or password != settings.ESET_PASSWORD:
        raise MockApiError(0, "invalid credentials", code=1, status=401)
    return _issue_token(username, control)


def token_renew(body: dict, control: MockControl) -> dict[str, Any]:
    refresh = _field(body, "refreshToken", str)
    # Revoking by compare-and-set: a refresh token renews once, even under concurrency.
    revoked = MockToken.objects.filter(
        refresh_token=refresh, revoked=False, refresh_expires_at__gt=timezone.now()
    ).update(revoked=True)
    if not revoked:
        raise MockApiError(0, "invalid or expired refresh token", code=1, status=401)
    with _token_cache_lock:
        _token_cache.clear()
    username = MockToken.objects.filter(refresh_token=refresh).values_list("username", flat=True)
    return _issue_token(username[0], control)


def company_create_customer(body: dict, control: MockControl) -> dict[str, Any]:
    name = _field(body, "name", str).strip()
    if not name:
        raise MockApiError(SUB_INVALID_REQUEST, "name is required")
    reference = _field(body, "reference", str, required=False) or ""
    company = MockCompany.objects.create(
        company_id=str(uuid.uuid4()), name=name[:300], reference=reference[:120]
    )
    return _company_json(company)


def search_companies(body: dict, control: MockControl) -> dict[str, Any]:
    reference = _field(body, "reference", str, required=False)
    companies = MockCompany.objects.all()
    if reference is not None:
        companies = companies.filter(reference=reference)
    return {"companies": [_company_json(c) for c in companies]}


def license_order(body: dict, control: MockControl) -> dict[str, Any]:
    company_id = _field(body, "companyId", str)
    product_code = _field(body, "productCode", str)
    reference = _field(body, "reference", str, required=False) or ""
    if (
        product_code not in BUILTIN_PRODUCTS
        and not VendorPlan.objects.filter(product_code=product_code).exists()
    ):
        raise MockApiError(SUB_UNKNOWN_PRODUCT, f"unknown product {product_code}")
    quantity = _quantity(body, control)
    company = MockCompany.objects.filter(company_id=company_id).first()
    if company is None:
        raise MockApiError(SUB_NOT_FOUND, f"company {company_id} not found")
    for _ in range(5):
        try:
            with transaction.atomic():
                lic = MockLicense.objects.create(
                    public_license_id=new_public_license_id(),
                    license_key=new_license_key(),
                    product_code=product_code,
                    quantity=quantity,
                    company=company,
                    reference=reference[:120],
                )
            return _license_json(lic)
        except IntegrityError:  # a public ID drawn twice: draw again
            continue
    raise MockApiError(SUB_INVALID_REQUEST, "could not allocate a licence ID", status=500)


def _update_quantity_at_once(public_id: str, quantity: int) -> dict[str, Any] | None:
    """The usual quantity change (an active licence, another quantity) in one statement:
    the mock serves ten thousand of them in the benchmark, on the same cores as the
    platform it is measured with. None: not the usual case."""
    q = connection.ops.quote_name
    table = q(MockLicense._meta.db_table)
    companies = q(MockCompany._meta.db_table)
    sql = (
        f"UPDATE {table} SET quantity = %s, license_key = %s, "
        "key_generation = key_generation + 1, updated_at = %s "
        "WHERE public_license_id = %s AND state = %s AND quantity <> %s "
        "RETURNING public_license_id, license_key, product_code, quantity, state, reference, "
        f"(SELECT c.company_id FROM {companies} c WHERE c.id = {table}.company_id)"
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    params: list[Any] = [quantity, new_license_key(), now, public_id, "active", quantity]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    names = ("publicLicenseKey", "licenseKey", "productCode", "quantity", "state", "reference")
    return {**dict(zip(names, row[:6], strict=True)), "companyId": row[6]}


def _quantity_valid(body: dict, control: MockControl) -> bool:
    try:
        _quantity(body, control)
    except MockApiError:
        return False
    return True


def license_update_quantity(body: dict, control: MockControl) -> dict[str, Any]:
    public_id = body.get("publicLicenseKey")
    if isinstance(public_id, str) and _quantity_valid(body, control):
        # Every quantity change issues a new activation key (S11): workstations re-activate.
        changed = _update_quantity_at_once(public_id, body["quantity"])
        if changed is not None:
            return changed
    # The refusals, in ESET's order of checks.
    lic = _license_for_update(body)
    quantity = _quantity(body, control)
    if lic.state != MockLicense.State.ACTIVE:
        raise MockApiError(SUB_NOT_ACTIVE, "licence is not active")
    if quantity == lic.quantity:
        raise MockApiError(SUB_SAME_QUANTITY, "licence already has this quantity")
    lic.quantity = quantity
    # Every quantity change issues a new activation key (S11): workstations re-activate.
    lic.license_key = new_license_key()
    lic.key_generation += 1
    lic.save(update_fields=["quantity", "license_key", "key_generation", "updated_at"])
    return _license_json(lic)


def license_suspend(body: dict, control: MockControl) -> dict[str, Any]:
    lic = _license_for_update(body)
    if lic.state == MockLicense.State.SUSPENDED:
        raise MockApiError(SUB_ALREADY_SUSPENDED, "licence is already suspended")
    lic.state = MockLicense.State.SUSPENDED
    lic.save(update_fields=["state", "updated_at"])
    return _license_json(lic)


def license_unsuspend(body: dict, control: MockControl) -> dict[str, Any]:
    lic = _license_for_update(body)
    if lic.state != MockLicense.State.SUSPENDED:
        raise MockApiError(SUB_NOT_SUSPENDED, "licence is not suspended")
    lic.state = MockLicense.State.ACTIVE
    lic.save(update_fields=["state", "updated_at"])
    return _license_json(lic)


def license_detail(body: dict, control: MockControl) -> dict[str, Any]:
    public_id = _field(body, "publicLicenseKey", str)
    lic = MockLicense.objects.select_related("company").filter(public_license_id=public_id).first()
    if lic is None:
        raise MockApiError(SUB_NOT_FOUND, f"licence {public_id} not found")
    return _license_json(lic)


def _page_bound(body: dict, name: str, default: int, maximum: int) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise MockApiError(SUB_INVALID_REQUEST, f"{name} must be an integer 0..{maximum}")
    return value


def search_licenses(body: dict, control: MockControl) -> dict[str, Any]:
    """Licences in a stable order (oldest first), a page at a time: ``skip`` and ``take``
    (at most SEARCH_PAGE_MAX), with ``totalCount`` of all that match."""
    licenses = MockLicense.objects.select_related("company").order_by("id")
    company_id = _field(body, "companyId", str, required=False)
    reference = _field(body, "reference", str, required=False)
    skip = _page_bound(body, "skip", 0, 2**31)
    take = _page_bound(body, "take", SEARCH_PAGE_MAX, SEARCH_PAGE_MAX)
    if company_id is not None:
        licenses = licenses.filter(company__company_id=company_id)
    if reference is not None:
        licenses = licenses.filter(reference=reference)
    page = [_license_json(lic) for lic in licenses[skip : skip + take]]
    return {"licenses": page, "totalCount": licenses.count()}


Handler = Callable[[dict, MockControl], dict[str, Any]]

CALLS: dict[str, Handler] = {
    "Token/Get": token_get,
    "Token/Renew": token_renew,
    "Company/Create/customer": company_create_customer,
    "Search/Companies": search_companies,
    "License/Order": license_order,
    "License/UpdateQuantity": license_update_quantity,
    "License/Suspend": license_suspend,
    "License/Unsuspend": license_unsuspend,
    "License/Detail": license_detail,
    "Search/Licenses": search_licenses,
}
UNAUTHENTICATED_CALLS = {"Token/Get", "Token/Renew"}


# --- faults ------------------------------------------------------------------------------


def _entry_mode(entry: Any, call: str) -> str | None:
    """The mode of a fail_next entry if it applies to this call."""
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict) and entry.get("path") in (None, call):
        return entry.get("mode")
    return None


class _FaultDraws:
    """The random draws of fail_rate. With fail_seed set they repeat: the generator is
    re-seeded whenever the seed is set again (a new fail_seed_version)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._random = random.Random()
        self._seeded: tuple[int, int] | None = None

    def draw(self, control: MockControl) -> str | None:
        modes = control.fail_modes or list(FAULT_MODES)
        with self._lock:
            if control.fail_seed is not None:
                key = (control.fail_seed, control.fail_seed_version)
                if key != self._seeded:
                    self._random.seed(control.fail_seed)
                    self._seeded = key
            elif self._seeded is not None:
                self._random.seed()
                self._seeded = None
            if self._random.random() >= control.fail_rate:
                return None
            return self._random.choice(modes)


_fault_draws = _FaultDraws()


def _take_fault(control: MockControl, call: str) -> str | None:
    for _ in range(10):
        for index, entry in enumerate(control.fail_next or []):
            mode = _entry_mode(entry, call)
            if mode is None:
                continue
            rest = control.fail_next[:index] + control.fail_next[index + 1 :]
            # Compare-and-set on the version: one injected fault fails exactly one call,
            # even when several processes serve the mock.
            if MockControl.objects.filter(pk=control.pk, version=control.version).update(
                fail_next=rest, version=F("version") + 1
            ):
                return mode
            control = control_get()
            break
        else:
            break
    if control.fail_rate > 0:
        return _fault_draws.draw(control)
    return None


class _CallSlots:
    """The concurrency limit, shared by every process that serves the mock from this
    machine and this database (gunicorn's workers and threads alike).

    A call holds one of `limit` slot files under an exclusive flock(2) while it is served.
    The kernel drops the lock when the call ends or its process dies, so a crashed worker
    never leaks a slot, and no database round trip is spent on it. Each attempt opens its
    own descriptor: flock locks belong to the open file, so threads exclude each other.
    An in-memory database lives in one process only: its calls are counted in memory."""

    def __init__(self) -> None:
        self._dirs: dict[str, Path] = {}
        self._lock = threading.Lock()
        self._counted: dict[str, int] = {}

    def _dir(self) -> Path | None:
        """The folder of this database's slot files; None for an in-memory database."""
        database = connection.settings_dict
        name = str(database.get("NAME") or "")
        if connection.vendor == "sqlite" and (not name or "memory" in name):
            return None
        key = f"{connection.vendor}://{database.get('HOST')}:{database.get('PORT')}/{name}"
        folder = self._dirs.get(key)
        if folder is None:
            digest = hashlib.sha1(key.encode()).hexdigest()[:16]
            folder = Path(tempfile.gettempdir()) / f"eset-mock-slots-{digest}"
            folder.mkdir(mode=0o700, exist_ok=True)
            self._dirs[key] = folder
        return folder

    def acquire(self, limit: int) -> Callable[[], None] | None:
        """Holds a slot and returns what frees it, or None when `limit` calls are being
        served."""
        folder = self._dir()
        if folder is None:
            return self._count(str(connection.settings_dict.get("NAME")), limit)
        start = random.randrange(limit)
        for index in range(limit):
            fd = os.open(folder / f"slot-{(start + index) % limit}", os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            return lambda: self._unlock(fd)
        return None

    def _count(self, key: str, limit: int) -> Callable[[], None] | None:
        with self._lock:
            if self._counted.get(key, 0) >= limit:
                return None
            self._counted[key] = self._counted.get(key, 0) + 1

        def release() -> None:
            with self._lock:
                self._counted[key] -= 1

        return release

    @staticmethod
    def _unlock(fd: int) -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


_call_slots = _CallSlots()


def _subject(request: HttpRequest) -> str:
    """What a logged call was about, read from its body."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    for name in ("publicLicenseKey", "reference", "companyId", "username"):
        if isinstance(body.get(name), str):
            return body[name][:120]
    return ""


def _retry_later(control: MockControl, message: str) -> JsonResponse:
    response = JsonResponse({"error": {"code": 3, "subCode": 0, "message": message}}, status=429)
    response["Retry-After"] = str(control.retry_after_seconds)
    return response


def _bearer(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.startswith("Bearer ") else ""


def _token_valid(token: str, control: MockControl) -> bool:
    now = timezone.now()
    with _token_cache_lock:
        cached = _token_cache.get(token)
    if cached is not None and cached[0] == control.version and cached[1] > now:
        return True
    expires_at = (
        MockToken.objects.filter(access_token=token, revoked=False, expires_at__gt=now)
        .values_list("expires_at", flat=True)
        .first()
    )
    if expires_at is None:
        return False
    with _token_cache_lock:
        if len(_token_cache) > 10_000:
            _token_cache.clear()
        _token_cache[token] = (control.version, expires_at)
    return True


def _perform(request: HttpRequest, call: str, control: MockControl) -> HttpResponse:
    if call not in UNAUTHENTICATED_CALLS:
        token = _bearer(request)
        if not token or not _token_valid(token, control):
            return MockApiError(0, "invalid or expired access token", code=1, status=401).response()
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return MockApiError(SUB_INVALID_REQUEST, "body is not JSON").response()
    if not isinstance(body, dict):
        return MockApiError(SUB_INVALID_REQUEST, "body must be a JSON object").response()
    try:
        with transaction.atomic():
            return JsonResponse(CALLS[call](body, control))
    except MockApiError as error:
        return error.response()


def _serve(request: HttpRequest, call: str, control: MockControl) -> tuple[HttpResponse, str]:
    if control.latency_ms:
        time.sleep(control.latency_ms / 1000)
    fault = _take_fault(control, call) or ""
    if fault == "5xx":
        # 503: refused before any work, as a gateway in front of ESET would.
        body = {"error": {"code": 5, "subCode": 0, "message": "service unavailable"}}
        return JsonResponse(body, status=503), fault
    if fault == "429":
        return _retry_later(control, "too many requests"), fault
    if fault == "timeout":
        if request.get_host().split(":")[0] != INPROCESS_HOST:
            sleep_ms = control.timeout_sleep_ms
            if sleep_ms is None:
                sleep_ms = int(settings.ESET_TIMEOUT_SECONDS * 1000) + 1000
            time.sleep(sleep_ms / 1000)
        return HttpResponse("gateway timeout", status=504, content_type="text/plain"), fault
    response = _perform(request, call, control)
    if fault == "lost":
        # The work is done and committed, but the answer never reaches the caller.
        return HttpResponse("bad gateway", status=502, content_type="text/plain"), fault
    return response, fault


@csrf_exempt
def api(request: HttpRequest, call: str) -> HttpResponse:
    global _in_flight
    if call not in CALLS:
        return MockApiError(0, f"unknown call {call}", code=0, status=404).response()
    if request.method != "POST":
        return MockApiError(0, "POST only", code=0, status=405).response()
    control = control_get()
    with _in_flight_lock:
        _in_flight += 1
    release = _call_slots.acquire(control.concurrency_limit)
    response: HttpResponse
    try:
        if release is None:
            response, fault = _retry_later(control, "too many concurrent requests"), "busy"
        else:
            response, fault = _serve(request, call, control)
        if control.log_calls:
            MockCall.objects.create(
                path=call, subject=_subject(request), status=response.status_code, fault=fault
            )
        return response
    finally:
        if release is not None:
            release()
        with _in_flight_lock:
            _in_flight -= 1


# --- test controls -----------------------------------------------------------------------

_SETTABLE: dict[str, Callable[[Any], bool]] = {
    "latency_ms": lambda v: isinstance(v, int) and 0 <= v <= 600_000,
    "fail_rate": lambda v: isinstance(v, int | float) and 0 <= v <= 1,
    "fail_modes": lambda v: isinstance(v, list) and all(m in FAULT_MODES for m in v),
    "fail_next": lambda v: (
        isinstance(v, list)
        and all(
            (m in FAULT_MODES)
            if isinstance(m, str)
            else isinstance(m, dict) and m.get("mode") in FAULT_MODES
            for m in v
        )
    ),
    "token_ttl_seconds": lambda v: isinstance(v, int) and v >= 0,
    "refresh_ttl_seconds": lambda v: isinstance(v, int) and v >= 0,
    "concurrency_limit": lambda v: isinstance(v, int) and v >= 1,
    "retry_after_seconds": lambda v: isinstance(v, int) and v >= 0,
    "timeout_sleep_ms": lambda v: v is None or (isinstance(v, int) and v >= 0),
    "max_quantity": lambda v: isinstance(v, int) and v >= 1,
    "log_calls": lambda v: isinstance(v, bool),
    "fail_seed": lambda v: (
        v is None or (isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**63)
    ),
}
# Actions: applied once, not kept.
_FLAGS = {"reset", "expire_tokens", "expire_refresh_tokens"}
DRIFT_STATES = (MockLicense.State.ACTIVE, MockLicense.State.SUSPENDED)


def _drift_error(entries: Any) -> str | None:
    """Why a `drift` action is malformed, or None. Each entry changes one licence behind the
    platform's back: {"publicLicenseKey": ..., "quantity": 9} (a new key is issued, as ESET
    does on every quantity change), {"state": "suspended"}, or {"delete": true}."""
    if not isinstance(entries, list):
        return "drift: a list of licence changes"
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("publicLicenseKey"), str):
            return "drift: each change names a publicLicenseKey"
        unknown = set(entry) - {"publicLicenseKey", "quantity", "state", "delete"}
        if unknown:
            return f"drift: unknown field {sorted(unknown)[0]}"
        quantity = entry.get("quantity")
        if quantity is not None and (
            isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1
        ):
            return f"drift: invalid quantity {quantity!r}"
        if "state" in entry and entry["state"] not in DRIFT_STATES:
            return f"drift: invalid state {entry['state']!r}"
        if "delete" in entry and entry["delete"] is not True:
            return "drift: delete must be true"
        if len(entry) == 1:
            return "drift: nothing to change"
        if not MockLicense.objects.filter(public_license_id=entry["publicLicenseKey"]).exists():
            return f"drift: licence {entry['publicLicenseKey']} not found"
    return None


def drift_apply(entries: list[dict[str, Any]]) -> None:
    """Changes licences as if someone did it at ESET (its console, its support)."""
    for entry in entries:
        lic = MockLicense.objects.select_for_update().get(
            public_license_id=entry["publicLicenseKey"]
        )
        if entry.get("delete"):
            lic.delete()
            continue
        quantity = entry.get("quantity")
        if quantity is not None and quantity != lic.quantity:
            lic.quantity = quantity
            lic.license_key = new_license_key()
            lic.key_generation += 1
        lic.state = entry.get("state", lic.state)
        lic.save()


def _control_state() -> dict[str, Any]:
    control = control_get()
    state = {name: getattr(control, name) for name in _SETTABLE}
    state.update(
        {
            "in_flight": _in_flight,
            "companies": MockCompany.objects.count(),
            "licenses": MockLicense.objects.count(),
            "tokens": MockToken.objects.count(),
            "calls": MockCall.objects.count(),
        }
    )
    return state


def control_reset() -> None:
    """Wipes the mock's tables and restores the default controls."""
    with transaction.atomic():
        MockCall.objects.all().delete()
        MockLicense.objects.all().delete()
        MockCompany.objects.all().delete()
        MockToken.objects.all().delete()
        MockControl.objects.all().delete()
        MockControl.objects.create(pk=MockControl.SINGLETON_PK)


def control_set(values: dict[str, Any]) -> None:
    """Applies control changes (already validated) and bumps the version."""
    with transaction.atomic():
        if values.pop("reset", False):
            control_reset()
        drift_apply(values.pop("drift", []))
        if "fail_seed" in values:
            # The version this update produces: every process re-seeds once it sees it.
            values["fail_seed_version"] = F("version") + 1
        now = timezone.now()
        if values.pop("expire_tokens", False):
            MockToken.objects.update(expires_at=now - timedelta(seconds=1))
        if values.pop("expire_refresh_tokens", False):
            MockToken.objects.update(refresh_expires_at=now - timedelta(seconds=1))
        control_get()
        MockControl.objects.filter(pk=MockControl.SINGLETON_PK).update(
            **values, version=F("version") + 1
        )


@csrf_exempt
def controls(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return JsonResponse({"error": "body is not JSON"}, status=400)
        if not isinstance(body, dict):
            return JsonResponse({"error": "body must be a JSON object"}, status=400)
        for name, value in body.items():
            if name in _FLAGS:
                if not isinstance(value, bool):
                    return JsonResponse({"error": f"{name} must be true or false"}, status=400)
            elif name == "drift":
                error = _drift_error(value)
                if error:
                    return JsonResponse({"error": error}, status=400)
            elif name not in _SETTABLE:
                return JsonResponse({"error": f"{name}: unknown control"}, status=400)
            elif not _SETTABLE[name](value):
                return JsonResponse({"error": f"{name}: invalid value {value!r}"}, status=400)
        control_set(dict(body))
    elif request.method != "GET":
        return JsonResponse({"error": "GET or POST"}, status=405)
    return JsonResponse(_control_state())
