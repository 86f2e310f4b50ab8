"""The monthly seat-day reconciliation (DESIGN.md §5, issue 10 item 7).

ESET bills seat-days: its usage report (UsageReport/AllCompanies/products) gives them per
company and product for a period. The platform charges seat-days: Σ Charge.seat_days of a
client's subscriptions. Once a month both are compared for the month before, per ESET
company (a client, through EsetCustomer) and ESET product code (VendorPlan.
eset_product_code), and every difference is recorded once (`UsageDifference`): the
operator sees them all in the admin, each reseller its own in the panel.

Reads billing's schema (Charge), never its services (DESIGN.md §2)."""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum
from django.utils import timezone

from accounts.models import Client
from billing.models import Charge, ChargeStatus
from plans.models import VendorPlan

from .client import EsetClient
from .models import EsetCustomer, UsageDifference

KOPECK = Decimal("0.01")


@dataclass(frozen=True)
class UsageReconcileResult:
    month: date
    compared: int  # (company, product) pairs seen on either side
    differences: int  # pairs whose seat-days differ
    recorded: int  # differences recorded by this run (a re-run records none again)


def month_bounds(month: date) -> tuple[date, date]:
    """The first and the last day of `month`'s month."""
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def previous_month(day: date) -> date:
    """The first day of the month before `day`'s."""
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def purchase_value(*, difference: int, purchase_price: Decimal, days_in_month: int) -> Decimal:
    """A seat-day difference at the purchase price (per seat and month), in kopecks."""
    return (Decimal(difference) * purchase_price / days_in_month).quantize(
        KOPECK, rounding=ROUND_HALF_UP
    )


def _platform_seat_days(first: date, last: date) -> dict[tuple[int, int], int]:
    """(client id, ESET product code) → Σ seat_days of the charges starting in the month,
    open or closed (a cancelled charge was never billed)."""
    rows = (
        Charge.objects.filter(date_from__gte=first, date_from__lte=last)
        .exclude(status=ChargeStatus.CANCELLED)
        .order_by()
        .values("client_id", "subscription__reseller_plan__vendor_plan__eset_product_code")
        .annotate(seat_days=Sum("seat_days"))
    )
    found: dict[tuple[int, int], int] = defaultdict(int)
    for row in rows:
        code = row["subscription__reseller_plan__vendor_plan__eset_product_code"]
        if code is not None:
            found[(row["client_id"], int(code))] += int(row["seat_days"] or 0)
    return found


def _purchase_prices(
    first: date, last: date, pairs: set[tuple[int, int]]
) -> dict[tuple[int, int], Decimal]:
    """(client id, product code) → the purchase price of the vendor plan the client's
    subscriptions of that product are on (the lowest when several)."""
    prices: dict[tuple[int, int], Decimal] = {}
    clients = {client_id for client_id, _ in pairs}
    rows = Charge.objects.filter(
        client_id__in=clients, date_from__gte=first, date_from__lte=last
    ).values_list(
        "client_id",
        "subscription__reseller_plan__vendor_plan__eset_product_code",
        "subscription__reseller_plan__vendor_plan__purchase_price",
    )
    for client_id, code, price in rows.order_by().distinct():
        if code is None:
            continue
        key = (client_id, int(code))
        if key in pairs and (key not in prices or price < prices[key]):
            prices[key] = price
    return prices


def usage_reconcile(*, month: date, eset: EsetClient | None = None) -> UsageReconcileResult:
    """Compares ESET's seat-days of `month` (its 1st to its last day) with the platform's,
    per ESET company and product, and records each difference once. ESET is read with no
    transaction open; a page that cannot be read aborts the run before anything is
    written. Running it again for the same month records nothing twice."""
    first, last = month_bounds(month)
    days = last.day
    own_client = eset is None
    if eset is None:
        eset = EsetClient()
    try:
        rows = eset.usage_rows(date_from=first, date_to=last)
    finally:
        if own_client:
            eset.close()

    names: dict[tuple[str, int], str] = {}
    eset_days: dict[tuple[str, int], int] = defaultdict(int)
    for row in rows:
        key = (row.company_id, row.product_code)
        eset_days[key] += row.seat_days
        names.setdefault(key, row.product_name)

    platform = _platform_seat_days(first, last)
    company_of: dict[int, str] = dict(
        EsetCustomer.objects.filter(client_id__in={c for c, _ in platform}).values_list(
            "client_id", "company_id"
        )
    )
    client_of: dict[str, int] = dict(
        EsetCustomer.objects.filter(company_id__in={c for c, _ in eset_days}).values_list(
            "company_id", "client_id"
        )
    )
    client_of.update({company: client for client, company in company_of.items()})
    platform_days: dict[tuple[str, int], int] = defaultdict(int)
    for (client_id, code), seat_days in platform.items():
        # A client without an ESET company has no licence for ESET to bill: keyed apart.
        company = company_of.get(client_id, f"client:{client_id}")
        client_of.setdefault(company, client_id)
        platform_days[(company, code)] += seat_days

    pairs = set(eset_days) | set(platform_days)
    differing = sorted(key for key in pairs if eset_days.get(key, 0) != platform_days.get(key, 0))
    client_pairs = {(client_of[c], code) for c, code in differing if c in client_of}
    prices = _purchase_prices(first, last, client_pairs)
    fallback = _fallback_prices({code for _, code in differing})
    resellers = dict(
        Client.objects.filter(
            pk__in={client_of[c] for c, _ in differing if c in client_of}
        ).values_list("pk", "reseller_id")
    )
    at = timezone.now()
    recorded = 0
    for company, code in differing:
        owner = client_of.get(company)
        eset_seat_days = eset_days.get((company, code), 0)
        platform_seat_days = platform_days.get((company, code), 0)
        difference = eset_seat_days - platform_seat_days
        price = prices.get((owner, code)) if owner else None
        if price is None:
            price = fallback.get(code, Decimal(0))
        _, created = UsageDifference.objects.get_or_create(
            month=first,
            company_id=company,
            product_code=code,
            defaults={
                "client_id": owner,
                "reseller_id": resellers.get(owner) if owner else None,
                "product_name": names.get((company, code), ""),
                "eset_seat_days": eset_seat_days,
                "platform_seat_days": platform_seat_days,
                "difference": difference,
                "purchase_value": purchase_value(
                    difference=difference, purchase_price=price, days_in_month=days
                ),
                "detected_at": at,
            },
        )
        recorded += created
    return UsageReconcileResult(
        month=first, compared=len(pairs), differences=len(differing), recorded=recorded
    )


def _fallback_prices(codes: set[int]) -> dict[int, Decimal]:
    """ESET product code → the purchase price of the first vendor plan with that code,
    for a company the platform does not charge."""
    prices: dict[int, Decimal] = {}
    for code, price in (
        VendorPlan.objects.filter(eset_product_code__in=codes)
        .order_by("id")
        .values_list("eset_product_code", "purchase_price")
    ):
        if code is not None:
            prices.setdefault(int(code), price)
    return prices
