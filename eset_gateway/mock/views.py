"""A mock of ESET MSP Administrator 2's API, built from ESET's documentation (the contract,
../shared/eset-ema2-contract.md), never from the platform's client.

It plays ESET's side for tests, the demo and the benchmarks: JSON over POST, tokens that
live a minute in sessions of at most 30 minutes, the documented hierarchy (the API
account is a distributor; MSPs under it; MSP Customers under an MSP, integer entity
types), a product catalogue with numeric codes (``Product/AvailableProducts``), licences
with integer states and their history, empty answers where ESET answers none, the
documented error codes and sub-codes and the model-state error shape, and daily seat-day
usage reports computed from each licence's own history, the day cut at 00:30 CET.

Its one assumption beyond the guide: ``License/Detail`` carries an activation key
(``licenseKey``), new on every quantity change (S11). Where the guide shows a request but
not how an answer is wrapped, the mock's choice is said where it is made.

``/eset-mock/_mock/`` holds test-only controls that inject latency, 5xx, 429, timeouts,
lost answers and maintenance (503 99/2) (at random, seeded, or one by one), a concurrency
limit, and drift (a licence changed behind the platform's back).
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
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from .models import (
    FAULT_MODES,
    EntityType,
    LicenseState,
    MockCall,
    MockCompany,
    MockControl,
    MockLicense,
    MockLicenseEvent,
    MockToken,
)

logger = logging.getLogger(__name__)

# The in-process client addresses the mock by this host (the platform's settings name
# it); over it a "timeout" cannot be felt by the caller, so the mock answers 504 at once.
INPROCESS_HOST = urlsplit("http://eset-mock.local/").hostname

# Error codes [error_codes, how_api_works].
CODE_AUTH = 1
CODE_LICENSE = 8
CODE_SERVER = 99
SUB_INVALID_LICENSE_TYPE = 17
SUB_INVALID_QUANTITY = 18
SUB_ALREADY_ORDERED = 20
SUB_ALREADY_SUSPENDED = 21
SUB_ALREADY_UNSUSPENDED = 22
SUB_NOT_ACTIVE = 23
SUB_PRODUCT_NOT_AVAILABLE = 27
SUB_QUANTITY_OUT_OF_RANGE = 30
SUB_TRIAL_NOT_ALLOWED = 32
SUB_NOT_SUSPENDED = 36
SUB_TERMS_NOT_ACCEPTED = 40
SUB_SAME_QUANTITY = 48
SUB_PAGE_NOT_FOUND = 1
SUB_MAINTENANCE = 2
INVALID_INPUT = "The input was not valid."

LICENSE_TYPE_FULL = 1
LICENSE_TYPE_TRIAL = 4
PAGE_MAX = 100  # `take` is 1..100 on every search and report

# The mock's product catalogue (AvailableProducts): the products the demo catalogue
# sells, with numeric codes. The real codes are the account's own AvailableProducts.
PRODUCTS: dict[int, str] = {
    101: "ESET Endpoint Security",
    102: "ESET Endpoint Antivirus",
    103: "ESET NOD32 Antivirus Business Edition",
    104: "ESET Mail Security",
    105: "ESET Server Security",
    110: "ESET PROTECT Entry",
    111: "ESET PROTECT Advanced",
    112: "ESET PROTECT Complete",
    113: "ESET PROTECT Elite",
    120: "ESET LiveGuard Advanced",
}
# Products whose first order needs the terms of use accepted (sub-code 40).
TERMS_PRODUCTS = {120}

# ESET counts each day's ordered seats once a day, the day cut at 00:30 CET
# (forum.eset.com topic 30935); Bratislava keeps CET/CEST.
ESET_ZONE = ZoneInfo("Europe/Bratislava")
USAGE_CUT = (0, 30)

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

# Calls being served by this process (the tests wait for it to drop to 0; the limit itself
# is counted across processes by _CallSlots).
_in_flight = 0
_in_flight_lock = threading.Lock()

# Access tokens found valid, with their expiry and the control version they were checked
# under: saves a query per call. Expiring tokens through the controls bumps the version,
# so a process never honours a token the controls expired.
_token_cache: dict[str, tuple[int, datetime]] = {}
_token_cache_lock = threading.Lock()

# An answer with no body: UpdateQuantity, Suspend and Unsuspend succeed with it.
EMPTY = object()


class MockApiError(Exception):
    """ESET's error: {"code", "subCode", "message"} (the guide names code and subCode; the
    mock answers them at the top level of the body)."""

    def __init__(self, sub_code: int, message: str, *, code: int = CODE_LICENSE, status: int = 400):
        super().__init__(message)
        self.sub_code = sub_code
        self.code = code
        self.status = status
        self.message = message

    def response(self) -> JsonResponse:
        body = {"code": self.code, "subCode": self.sub_code, "message": self.message}
        return JsonResponse(body, status=self.status)


class ModelStateError(Exception):
    """ESET's model-state shape: {"<field>": ["The input was not valid."]}."""

    def __init__(self, field: str, message: str = INVALID_INPUT):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def response(self) -> JsonResponse:
        return JsonResponse({self.field: [self.message]}, status=400)


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


def distributor() -> MockCompany:
    """The API account's own company: a distributor, at the top of the mock's world."""
    company = MockCompany.objects.filter(parent=None, entity_type=EntityType.DISTRIBUTOR).first()
    if company is None:
        company = MockCompany.objects.create(
            public_id=str(uuid.uuid4()).upper(),
            name="Mock Distributor",
            entity_type=EntityType.DISTRIBUTOR,
        )
    return company


def license_json(lic: MockLicense, *, customer_id: str | None = None) -> dict[str, Any]:
    """License/Detail's fields [license_detail], plus the mock's licenseKey."""
    return {
        "customerId": customer_id or lic.customer.public_id,
        "publicLicenseKey": lic.public_license_id,
        "productCode": lic.product_code,
        "productName": PRODUCTS.get(lic.product_code, str(lic.product_code)),
        "quantity": lic.quantity,
        "usage": 0,
        "state": lic.state,
        "trial": lic.license_type == LICENSE_TYPE_TRIAL,
        "trialExpiration": None,
        "trialExtensions": None,
        "lastUpdate": lic.updated_at.isoformat(),
        "lastUpdateBy": "",
        "licenseKey": lic.license_key,
    }


def company_json(company: MockCompany) -> dict[str, Any]:
    return {
        "publicId": company.public_id,
        "name": company.name,
        "type": company.entity_type,
        "customIdentifier": company.custom_identifier,
        "email": company.email,
    }


def _string(body: dict, name: str, *, required: bool = True) -> str:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise ModelStateError(name, f"The {name} field is required.")
        return ""
    if not isinstance(value, str):
        raise ModelStateError(name)
    return value


def _integer(body: dict, name: str) -> int:
    value = body.get(name)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ModelStateError(name)
    return value


def _page(body: dict) -> tuple[int, int]:
    skip, take = body.get("skip", 0), body.get("take", PAGE_MAX)
    if isinstance(skip, bool) or not isinstance(skip, int) or skip < 0:
        raise ModelStateError("skip")
    if isinstance(take, bool) or not isinstance(take, int) or not 1 <= take <= PAGE_MAX:
        raise ModelStateError("take")
    return skip, take


def _address(body: dict) -> dict[str, str]:
    address = body.get("address")
    if not isinstance(address, dict):
        raise ModelStateError("address", "The address field is required.")
    clean: dict[str, str] = {}
    for name in ("state", "city", "streetAddress", "zipCode"):
        value = address.get(name, "")
        if not isinstance(value, str):
            raise ModelStateError(f"address.{name}")
        clean[name] = value
    if not clean["city"] or not clean["streetAddress"]:
        raise ModelStateError("address")
    return clean


def _quantity(body: dict, control: MockControl) -> int:
    # Not a number at all: the model-state answer (the guide's "quantity is out of range"
    # example); a number ESET cannot take: sub-codes 18 and 30.
    value = _integer(body, "quantity")
    if value < 1:
        raise MockApiError(SUB_INVALID_QUANTITY, "InvalidQuantity")
    if value > control.max_quantity:
        raise MockApiError(SUB_QUANTITY_OUT_OF_RANGE, "QuantityIsOutOfRange")
    return value


def _license_for_update(body: dict) -> MockLicense:
    public_id = _string(body, "publicLicenseKey")
    lic = (
        # The licence's row only: its customer's stays free for its other licences' calls.
        MockLicense.objects.select_for_update(of=("self",))
        .select_related("customer")
        .filter(public_license_id=public_id)
        .first()
    )
    if lic is None:
        raise ModelStateError("publicLicenseKey")
    return lic


def _event(lic: MockLicense, kind: str, at: datetime) -> None:
    MockLicenseEvent.objects.create(
        license=lic, at=at, kind=kind, quantity=lic.quantity, state=lic.state
    )


def _issue_token(username: str, control: MockControl, *, session_ends: datetime | None) -> dict:
    now = timezone.now()
    if session_ends is None:
        session_ends = now + timedelta(seconds=control.session_ttl_seconds)
    token = MockToken.objects.create(
        access_token=secrets.token_hex(24),
        refresh_token=secrets.token_hex(24),
        username=username,
        expires_at=min(now + timedelta(seconds=control.token_ttl_seconds), session_ends),
        session_expires_at=session_ends,
    )
    # Token/Get answers the pair and nothing else [token_get]: no lifetime field.
    return {"accessToken": token.access_token, "refreshToken": token.refresh_token}


def _unauthorized(message: str) -> MockApiError:
    return MockApiError(0, message, code=CODE_AUTH, status=401)


# --- calls -------------------------------------------------------------------------------


def token_get(request: HttpRequest, body: dict, control: MockControl) -> Any:
    username = _string(body, "username")
    password = _string(body, "password")
    if username != settings.ESET_USERNAME or password != settings.ESET_PASSWORD:
        raise _unauthorized("invalid credentials")
    return _issue_token(username, control, session_ends=None)


def token_renew(request: HttpRequest, body: dict, control: MockControl) -> Any:
    """A new pair in the same session: the current access token authorizes it, the refresh
    token is spent (once, even under concurrency), the session's end stays."""
    refresh = _string(body, "refreshToken")
    access = _bearer(request)
    now = timezone.now()
    if (
        not access
        or not MockToken.objects.filter(
            access_token=access, revoked=False, expires_at__gt=now
        ).exists()
    ):
        raise _unauthorized("the access token is expired or missing")
    revoked = MockToken.objects.filter(
        refresh_token=refresh, revoked=False, session_expires_at__gt=now
    ).update(revoked=True)
    if not revoked:
        raise _unauthorized("invalid refresh token or the session has ended")
    old = MockToken.objects.get(refresh_token=refresh)
    return _issue_token(old.username, control, session_ends=old.session_expires_at)


def _sibling_name_taken(parent: MockCompany, name: str) -> bool:
    return MockCompany.objects.filter(parent=parent, name=name).exists()


def company_create_msp(request: HttpRequest, body: dict, control: MockControl) -> Any:
    """An MSP under the distributor; its e-mail is mandatory and unique in EMA 2."""
    name = _string(body, "name").strip()
    email = _string(body, "email").strip()
    parent = distributor()
    if _sibling_name_taken(parent, name):
        raise ModelStateError("name", "The name must be unique among sibling companies.")
    if MockCompany.objects.filter(email__iexact=email).exists():
        raise ModelStateError("email", "The email is already used in EMA 2.")
    address = body.get("address")
    company = MockCompany.objects.create(
        public_id=str(uuid.uuid4()).upper(),
        name=name[:300],
        entity_type=EntityType.MSP_MANAGER if body.get("manager") is True else EntityType.MSP,
        parent=parent,
        custom_identifier=_string(body, "customIdentifier", required=False)[:120],
        email=email,
        address=address if isinstance(address, dict) else {},
    )
    # "Answers the new company's public id": the mock wraps it as {"publicId": ...}.
    return {"publicId": company.public_id}


def company_create_customer(request: HttpRequest, body: dict, control: MockControl) -> Any:
    """An MSP Customer under `parentCompanyId` (empty: under the signed-in account)."""
    name = _string(body, "name").strip()
    address = _address(body)
    parent_id = _string(body, "parentCompanyId", required=False)
    if parent_id:
        parent = MockCompany.objects.filter(public_id=parent_id).first()
        if parent is None or parent.entity_type not in (
            EntityType.MSP,
            EntityType.MSP_MANAGER,
            EntityType.MANAGED_MSP,
        ):
            raise ModelStateError("parentCompanyId")
    else:
        parent = distributor()
    if _sibling_name_taken(parent, name):
        raise ModelStateError("name", "The name must be unique among sibling companies.")
    company = MockCompany.objects.create(
        public_id=str(uuid.uuid4()).upper(),
        name=name[:300],
        entity_type=EntityType.MSP_CUSTOMER,
        parent=parent,
        custom_identifier=_string(body, "customIdentifier", required=False)[:120],
        email=_string(body, "email", required=False),
        address=address,
    )
    return {"publicId": company.public_id}


def _column_filter(keyword: str, column: int) -> Q:
    if column == 0:
        return Q(name__icontains=keyword)
    if column == 1:
        return Q(public_id__iexact=keyword)
    if column == 2:
        return Q(created_at__date=keyword)
    if column == 5:
        return Q(custom_identifier__icontains=keyword)
    if column == 6:
        return Q(entity_type=int(keyword)) if keyword.isdigit() else Q(pk__in=[])
    raise ModelStateError("search")


def search_companies(request: HttpRequest, body: dict, control: MockControl) -> Any:
    """{"search": {keyword: [columns]}, skip, take}: every keyword must match in one of its
    columns. Answer (wrapping not shown in the guide): {"totalCount", "companies"}."""
    search = body.get("search")
    if not isinstance(search, dict) or not search:
        raise ModelStateError("search")
    skip, take = _page(body)
    condition = Q()
    for keyword, columns in search.items():
        if (
            not isinstance(columns, list)
            or not columns
            or not all(isinstance(c, int) and not isinstance(c, bool) for c in columns)
        ):
            raise ModelStateError("search")
        one = Q(pk__in=[])
        for column in columns:
            one |= _column_filter(str(keyword), column)
        condition &= one
    companies = MockCompany.objects.filter(condition).exclude(parent=None).order_by("id")
    return {
        "totalCount": companies.count(),
        "companies": [company_json(c) for c in companies[skip : skip + take]],
    }


def company_children(request: HttpRequest, body: dict, control: MockControl) -> Any:
    parent = MockCompany.objects.filter(public_id=_string(body, "companyId")).first()
    if parent is None:
        raise ModelStateError("companyId")
    skip, take = _page(body)
    children = parent.children.order_by("id")
    return {
        "totalCount": children.count(),
        "companies": [company_json(c) for c in children[skip : skip + take]],
    }


def available_products(request: HttpRequest, body: dict, control: MockControl) -> Any:
    return {"products": [{"code": code, "name": name} for code, name in sorted(PRODUCTS.items())]}


def license_order(request: HttpRequest, body: dict, control: MockControl) -> Any:
    customer_id = _string(body, "customerId")
    product_code = _integer(body, "productCode")
    license_type = _integer(body, "licenseType")
    quantity = _quantity(body, control)
    if license_type not in (LICENSE_TYPE_FULL, LICENSE_TYPE_TRIAL):
        raise MockApiError(SUB_INVALID_LICENSE_TYPE, "InvalidLicenseType")
    if license_type == LICENSE_TYPE_TRIAL:
        raise MockApiError(SUB_TRIAL_NOT_ALLOWED, "TrialLicenseIsNotAllowed")
    if product_code not in PRODUCTS:
        raise MockApiError(SUB_PRODUCT_NOT_AVAILABLE, "ProductIsNotAvailable")
    if product_code in TERMS_PRODUCTS and not control.terms_accepted:
        raise MockApiError(
            SUB_TERMS_NOT_ACCEPTED,
            "You need to accept Terms of Use for ESET LiveGuard Advanced before ordering.",
        )
    customer = MockCompany.objects.filter(public_id=customer_id).first()
    # "You can only order a license for a Customer (not for other entity types)."
    if customer is None or customer.entity_type != EntityType.MSP_CUSTOMER:
        raise ModelStateError("customerId")
    now = timezone.now()
    lic = MockLicense.objects.create(
        public_license_id=new_public_license_id(),
        license_key=new_license_key(),
        product_code=product_code,
        quantity=quantity,
        license_type=license_type,
        customer=customer,
        created_at=now,
        updated_at=now,
    )
    _event(lic, MockLicenseEvent.Kind.ORDERED, now)
    # "You get the license public key in the response": wrapped as {"publicLicenseKey"}.
    return {"publicLicenseKey": lic.public_license_id}


def _update_quantity_at_once(public_id: str, quantity: int) -> bool:
    """The usual quantity change (a licence in service, another quantity) in two
    statements: the mock serves ten thousand of them in the benchmark, on the same cores
    as the platform it is measured with. False: not the usual case."""
    q = connection.ops.quote_name
    table = q(MockLicense._meta.db_table)
    now = timezone.now()
    adapted = connection.ops.adapt_datetimefield_value(now)
    in_service = (LicenseState.NORMAL, LicenseState.WARNING, LicenseState.ERROR)
    sql = (
        f"UPDATE {table} SET quantity = %s, license_key = %s, "
        "key_generation = key_generation + 1, updated_at = %s "
        "WHERE public_license_id = %s AND state IN (%s, %s, %s) AND quantity <> %s "
        "RETURNING id, state"
    )
    params: list[Any] = [quantity, new_license_key(), adapted, public_id, *in_service, quantity]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    MockLicenseEvent.objects.create(
        license_id=row[0],
        at=now,
        kind=MockLicenseEvent.Kind.QUANTITY,
        quantity=quantity,
        state=row[1],
    )
    return True


def license_update_quantity(request: HttpRequest, body: dict, control: MockControl) -> Any:
    quantity = _quantity(body, control)
    if _update_quantity_at_once(_string(body, "publicLicenseKey"), quantity):
        return EMPTY
    lic = _license_for_update(body)
    if lic.state in (LicenseState.SUSPENDED, LicenseState.OBSOLETE):
        raise MockApiError(SUB_NOT_ACTIVE, "LicenseIsNotActive")
    if quantity == lic.quantity:
        raise MockApiError(SUB_SAME_QUANTITY, "LicenseQuantityIsEqualToPrevious")
    raise AssertionError("unreachable: the one-statement update covers the rest")


def license_suspend(request: HttpRequest, body: dict, control: MockControl) -> Any:
    lic = _license_for_update(body)
    if lic.state == LicenseState.SUSPENDED:
        raise MockApiError(SUB_ALREADY_SUSPENDED, "LicenseIsAlreadySuspend")
    if lic.state == LicenseState.OBSOLETE:
        raise MockApiError(SUB_NOT_ACTIVE, "LicenseIsInactive")
    now = timezone.now()
    lic.state, lic.updated_at = LicenseState.SUSPENDED, now
    lic.save(update_fields=["state", "updated_at"])
    _event(lic, MockLicenseEvent.Kind.SUSPENDED, now)
    return EMPTY


def license_unsuspend(request: HttpRequest, body: dict, control: MockControl) -> Any:
    lic = _license_for_update(body)
    if lic.state != LicenseState.SUSPENDED:
        # Unsuspended since its last suspension: 22; never suspended: 36.
        was_suspended = lic.events.filter(kind=MockLicenseEvent.Kind.SUSPENDED).exists()
        if was_suspended:
            raise MockApiError(SUB_ALREADY_UNSUSPENDED, "LicenseIsAlreadyUnsuspended")
        raise MockApiError(SUB_NOT_SUSPENDED, "LicenseIsNotSuspended")
    now = timezone.now()
    lic.state, lic.updated_at = LicenseState.NORMAL, now
    lic.save(update_fields=["state", "updated_at"])
    _event(lic, MockLicenseEvent.Kind.UNSUSPENDED, now)
    return EMPTY


def license_detail(request: HttpRequest, body: dict, control: MockControl) -> Any:
    public_id = _string(body, "publicLicenseKey")
    lic = MockLicense.objects.select_related("customer").filter(public_license_id=public_id).first()
    if lic is None:
        raise ModelStateError("publicLicenseKey")
    return license_json(lic)


def license_get_history(request: HttpRequest, body: dict, control: MockControl) -> Any:
    """The licence's changes by type; answer (wrapping not shown in the guide):
    {"history": [{"type", "description", "date", "quantity", "state"}]}."""
    public_id = _string(body, "publicLicenseKey")
    lic = MockLicense.objects.filter(public_license_id=public_id).first()
    if lic is None:
        raise ModelStateError("publicLicenseKey")
    return {
        "history": [
            {
                "type": event.kind,
                "description": f"{event.get_kind_display()}: {event.quantity} seats",
                "date": event.at.isoformat(),
                "quantity": event.quantity,
                "state": event.state,
            }
            for event in lic.events.order_by("at", "id")
        ]
    }


def search_licenses(request: HttpRequest, body: dict, control: MockControl) -> Any:
    """{keyword, customerId, skip, take}: the keyword matches the product code, the
    product name or the public licence key (empty: all). Answer (wrapping not shown in the
    guide): {"totalCount", "licenses": [License/Detail's fields]}."""
    keyword = body.get("keyword") or ""
    if not isinstance(keyword, str):
        raise ModelStateError("keyword")
    customer_id = body.get("customerId") or ""
    if not isinstance(customer_id, str):
        raise ModelStateError("customerId")
    skip, take = _page(body)
    licenses = MockLicense.objects.order_by("id")
    if customer_id:
        customer_pk = (
            MockCompany.objects.filter(public_id=customer_id).values_list("pk", flat=True).first()
        )
        if customer_pk is None:
            raise ModelStateError("customerId")
        licenses = licenses.filter(customer_id=customer_pk)
    if keyword:
        codes = [code for code, name in PRODUCTS.items() if keyword.lower() in name.lower()]
        match = Q(public_license_id__icontains=keyword) | Q(product_code__in=codes)
        if keyword.isdigit():
            match |= Q(product_code=int(keyword))
        licenses = licenses.filter(match)
    total = licenses.count()
    page = list(licenses.select_related("customer")[skip : skip + take])
    return {"totalCount": total, "licenses": [license_json(lic) for lic in page]}


# --- usage -------------------------------------------------------------------------------


def usage_day_start(day: date) -> datetime:
    """The moment ESET counts day `day`'s seats: 00:30 CET (CEST in summer) that day."""
    return datetime(day.year, day.month, day.day, *USAGE_CUT, tzinfo=ESET_ZONE)


def license_daily_seats(events: list[MockLicenseEvent], *, created_at: datetime, day: date) -> int:
    """The seats ESET counts for one licence on `day`: the quantity in service at the
    day's cut (00:30 CET), or, for a licence ordered during that day (before the next
    cut), its ordered quantity. A licence suspended during the day is counted for that
    day and not after (the state at the next day's cut is suspended)."""
    start = usage_day_start(day)
    end = usage_day_start(day + timedelta(days=1))
    if created_at >= end:
        return 0
    if created_at >= start:
        first = events[0] if events else None
        return first.quantity if first is not None else 0
    current: MockLicenseEvent | None = None
    for event in events:
        if event.at > start:
            break
        current = event
    if current is None or current.state == LicenseState.SUSPENDED:
        return 0
    return current.quantity


def usage_report_all_companies(request: HttpRequest, body: dict, control: MockControl) -> Any:
    """UsageReport/AllCompanies/products {from, to, skip, take}: per company (paged) and
    product: seatDays over the days from..to (inclusive), usagePerDays, and seats ordered
    on the last day (0 when suspended then) [usagereport, allcompanies_*]."""
    try:
        date_from = date.fromisoformat(_string(body, "from"))
    except ValueError:
        raise ModelStateError("from") from None
    try:
        date_to = date.fromisoformat(_string(body, "to"))
    except ValueError:
        raise ModelStateError("to") from None
    if date_to < date_from:
        raise ModelStateError("to")
    skip, take = _page(body)
    companies = MockCompany.objects.filter(licenses__isnull=False).distinct().order_by("id")
    total = companies.count()
    days = [date_from + timedelta(days=n) for n in range((date_to - date_from).days + 1)]
    answer = []
    for company in companies[skip : skip + take]:
        products: dict[int, dict[str, Any]] = {}
        for lic in company.licenses.order_by("id").prefetch_related("events"):
            events = sorted(lic.events.all(), key=lambda e: (e.at, e.pk))
            daily = [license_daily_seats(events, created_at=lic.created_at, day=d) for d in days]
            entry = products.setdefault(
                lic.product_code,
                {
                    "code": lic.product_code,
                    "name": PRODUCTS.get(lic.product_code, str(lic.product_code)),
                    "licenseType": lic.license_type,
                    "seatDays": 0,
                    "seats": 0,
                    "usagePerDays": [{"date": d.isoformat(), "usage": 0} for d in days],
                },
            )
            entry["seatDays"] += sum(daily)
            entry["seats"] += daily[-1]
            for row, seats in zip(entry["usagePerDays"], daily, strict=True):
                row["usage"] += seats
        answer.append(
            {
                "companyId": company.public_id,
                "companyName": company.name,
                "products": list(products.values()),
            }
        )
    return {"totalCount": total, "companies": answer}


Handler = Callable[[HttpRequest, dict, MockControl], Any]

CALLS: dict[str, Handler] = {
    "Token/Get": token_get,
    "Token/Renew": token_renew,
    "Company/Create/msp": company_create_msp,
    "Company/Create/customer": company_create_customer,
    "Company/Children": company_children,
    "Search/Companies": search_companies,
    "Product/AvailableProducts": available_products,
    "License/Order": license_order,
    "License/UpdateQuantity": license_update_quantity,
    "License/Suspend": license_suspend,
    "License/Unsuspend": license_unsuspend,
    "License/Detail": license_detail,
    "License/GetHistory": license_get_history,
    "Search/Licenses": search_licenses,
    "UsageReport/AllCompanies/products": usage_report_all_companies,
}

# Token/Renew is authorized by the access token it renews, checked by the call itself.
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
    for name in ("publicLicenseKey", "customIdentifier", "customerId", "companyId", "username"):
        if isinstance(body.get(name), str):
            return body[name][:120]
    return ""


def _retry_later(control: MockControl, message: str) -> JsonResponse:
    # The guide documents no rate limit for EMA 2; the answer is the usual HTTP one.
    response = JsonResponse({"code": 3, "subCode": 0, "message": message}, status=429)
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
        # A renewed pair's access token lives out its minute ("revoked" marks the spent
        # refresh token): calls in flight while another thread renews still pass.
        MockToken.objects.filter(access_token=token, expires_at__gt=now)
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
            return _unauthorized("invalid or expired access token").response()
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"": ["The input was not valid."]}, status=400)
    if not isinstance(body, dict):
        return JsonResponse({"": ["The input was not valid."]}, status=400)
    try:
        with transaction.atomic():
            answer = CALLS[call](request, body, control)
    except (MockApiError, ModelStateError) as error:
        return error.response()
    if answer is EMPTY:
        return HttpResponse(b"", status=200, content_type="application/json")
    return JsonResponse(answer, safe=False)


def _serve(request: HttpRequest, call: str, control: MockControl) -> tuple[HttpResponse, str]:
    if control.latency_ms:
        time.sleep(control.latency_ms / 1000)
    fault = _take_fault(control, call) or ""
    if control.maintenance and not fault:
        fault = "maintenance"
    if fault == "maintenance":
        # ESET's maintenance [how_api_works]: 503 with code 99 / subCode 2.
        body = {"code": CODE_SERVER, "subCode": SUB_MAINTENANCE, "message": "maintenance"}
        return JsonResponse(body, status=503), fault
    if fault == "5xx":
        # 503: refused before any work, as a gateway in front of ESET would.
        body = {"code": 5, "subCode": 0, "message": "service unavailable"}
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
        # "403 with code 99 / subCode 1: page not found" [how_api_works].
        return MockApiError(
            SUB_PAGE_NOT_FOUND, f"page not found: {call}", code=CODE_SERVER, status=403
        ).response()
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
    "session_ttl_seconds": lambda v: isinstance(v, int) and v >= 0,
    "maintenance": lambda v: isinstance(v, bool),
    "concurrency_limit": lambda v: isinstance(v, int) and v >= 1,
    "retry_after_seconds": lambda v: isinstance(v, int) and v >= 0,
    "timeout_sleep_ms": lambda v: v is None or (isinstance(v, int) and v >= 0),
    "max_quantity": lambda v: isinstance(v, int) and v >= 1,
    "terms_accepted": lambda v: isinstance(v, bool),
    "log_calls": lambda v: isinstance(v, bool),
    "fail_seed": lambda v: (
        v is None or (isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**63)
    ),
}
# Actions: applied once, not kept. expire_sessions ends every session (Token/Renew is
# then refused and a new Token/Get is needed).
_FLAGS = {"reset", "expire_tokens", "expire_sessions"}
# Drift may set a licence's state by ESET's integer or by the platform's word for it.
DRIFT_STATES: dict[Any, int] = {
    "active": LicenseState.NORMAL,
    "suspended": LicenseState.SUSPENDED,
    **{int(s): int(s) for s in LicenseState},
}


def _drift_error(entries: Any) -> str | None:
    """Why a `drift` action is malformed, or None. Each entry changes one licence behind the
    platform's back: {"publicLicenseKey": ..., "quantity": 9} (a new key is issued, as on
    every quantity change), {"state": "suspended"} (or ESET's integer, 3), or
    {"delete": true}; "at" (ISO datetime) dates the change in the licence's history
    (default now), so that a test can drift a licence for part of a month."""
    if not isinstance(entries, list):
        return "drift: a list of licence changes"
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("publicLicenseKey"), str):
            return "drift: each change names a publicLicenseKey"
        unknown = set(entry) - {"publicLicenseKey", "quantity", "state", "delete", "at"}
        if unknown:
            return f"drift: unknown field {sorted(unknown)[0]}"
        quantity = entry.get("quantity")
        if quantity is not None and (
            isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1
        ):
            return f"drift: invalid quantity {quantity!r}"
        if "state" in entry and (
            isinstance(entry["state"], bool) or entry["state"] not in DRIFT_STATES
        ):
            return f"drift: invalid state {entry['state']!r}"
        if "delete" in entry and entry["delete"] is not True:
            return "drift: delete must be true"
        if "at" in entry:
            try:
                moment = datetime.fromisoformat(str(entry["at"]))
            except ValueError:
                return f"drift: invalid at {entry['at']!r}"
            if moment.tzinfo is None:
                return "drift: at needs a time zone"
        if not set(entry) - {"publicLicenseKey", "at"}:
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
        at = datetime.fromisoformat(entry["at"]) if "at" in entry else timezone.now()
        quantity = entry.get("quantity")
        if quantity is not None and quantity != lic.quantity:
            lic.quantity = quantity
            lic.license_key = new_license_key()
            lic.key_generation += 1
        if "state" in entry:
            lic.state = DRIFT_STATES[entry["state"]]
        lic.updated_at = max(lic.updated_at, at)
        lic.save()
        _event(lic, MockLicenseEvent.Kind.DRIFT, at)


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
        MockLicenseEvent.objects.all().delete()
        MockLicense.objects.all().delete()
        MockCompany.objects.filter(parent__isnull=False).delete()
        MockCompany.objects.all().delete()
        MockToken.objects.all().delete()
        MockControl.objects.all().delete()
        MockControl.objects.create(pk=MockControl.SINGLETON_PK)
    with _token_cache_lock:
        _token_cache.clear()


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
        if values.pop("expire_sessions", False):
            MockToken.objects.update(
                expires_at=now - timedelta(seconds=1), session_expires_at=now - timedelta(seconds=1)
            )
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
