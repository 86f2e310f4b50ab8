"""Monthly acts (DESIGN.md §13, §10): on the 1st, one act per client with the charges
closed in the month before, numbered per reseller and year, with VAT at the rate in force
on the act's date (the month's last day), e-mailed to the client's owner and accountants.

Written set-based: per reseller one INSERT … SELECT of the acts (totals, numbers, VAT and
the parties' requisites computed by the database) and one of their lines, whatever the
number of clients, so 50,000 clients cost a handful of statements and no object per row.
The same SQL runs on PostgreSQL and SQLite. Idempotent: a client that has the month's act
is left out (an anti-join, and the unique (client, month) behind it), so a re-run issues
nothing new; a charge is unique among act lines, so it is never in two acts."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from accounts.models import Client, Membership, Requisites, Reseller, VatMode
from accounts.services import requisites_missing
from billing.models import Charge, ChargeStatus
from config.errors import Conflict, ValidationError
from core.clock import nightly_moment, require_day
from core.money import ZERO, money
from notifications.models import NotificationKind
from notifications.services import NotificationSpec, notify
from orders.models import Subscription
from plans.models import ResellerPlan, VendorPlan

from .models import Act, ActLine, DocumentKind
from .numbering import number_take
from .vat import vat_rate_on

log = logging.getLogger(__name__)

MONTHS = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)
# Acts read back per chunk for their e-mails: the memory of a run stays that of a chunk.
NOTIFY_CHUNK = 1000
SELLER_FIELDS = (
    "legal_name",
    "inn",
    "kpp",
    "ogrn",
    "legal_address",
    "bank_name",
    "bik",
    "corr_account",
    "account",
    "signatory_name",
    "signatory_position",
)


@dataclass
class ActsResult:
    month: date
    acts: int = 0
    lines: int = 0
    total: Decimal = ZERO
    notifications: int = 0
    # Resellers whose requisites lack what an act must name: their acts wait for them.
    skipped_resellers: list[int] = field(default_factory=list)


def month_text(month: date) -> str:
    """«декабрь 2026»."""
    return f"{MONTHS[month.month - 1]} {month.year}"


def month_last_day(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def act_portal_link(act_id: int) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/portal/acts/{act_id}/"


def _tables() -> dict[str, str]:
    qn = connection.ops.quote_name
    models = {
        "act": Act,
        "line": ActLine,
        "charge": Charge,
        "client": Client,
        "req": Requisites,
        "sub": Subscription,
        "rplan": ResellerPlan,
        "vplan": VendorPlan,
    }
    return {name: qn(model._meta.db_table) for name, model in models.items()}


def _due_sql(t: dict[str, str]) -> str:
    """The month's closed charges of one reseller's clients that have no act of the month.
    Parameters: status, first day, last day, reseller, month."""
    return (
        f"FROM {t['charge']} c JOIN {t['client']} cl ON cl.id = c.client_id "
        "WHERE c.status = %s AND c.closed_on >= %s AND c.closed_on <= %s "
        "AND cl.reseller_id = %s "
        f"AND NOT EXISTS (SELECT 1 FROM {t['act']} a "
        "WHERE a.client_id = c.client_id AND a.month = %s)"
    )


def _json_sql() -> tuple[str, str]:
    """The JSON object builder and the cast of a JSON text parameter, per database."""
    if connection.vendor == "postgresql":
        return "jsonb_build_object", "CAST(%s AS jsonb)"
    return "json_object", "json(%s)"


def _buyer_sql(build: str) -> str:
    """The client's requisites when it has them, else the client as the panel knows it
    (name, INN, address): what documents.services._buyer_snapshot writes for invoices."""
    has = "COALESCE(rq.legal_name, '') <> ''"
    address = (
        "substr("
        + " || ".join(
            f"(CASE WHEN cl.{col} <> '' THEN ', ' || cl.{col} ELSE '' END)"
            for col in ("address_zip", "address_state", "address_city", "address_street")
        )
        + ", 3)"
    )
    return (
        f"{build}("
        f"'legal_name', CASE WHEN {has} THEN rq.legal_name ELSE cl.name END, "
        f"'inn', CASE WHEN {has} THEN rq.inn ELSE cl.inn END, "
        f"'kpp', CASE WHEN {has} THEN rq.kpp ELSE '' END, "
        f"'ogrn', CASE WHEN {has} THEN rq.ogrn ELSE '' END, "
        f"'legal_address', CASE WHEN {has} THEN rq.legal_address ELSE {address} END)"
    )


def _vat_sql(rate: Decimal | None) -> str:
    """VAT included in the total, half up to the kopeck, in integer kopecks so that SQLite
    (whose numbers are floats) rounds as Decimal does: (2·k·R + D) div (2·D) with R the rate
    in hundredths of a percent and D = 10000 + R; documents.vat.vat_included's figure."""
    if rate is None:
        return "0"
    r = int(rate * 100)
    d = 10000 + r
    kopecks = "CAST(ROUND(t.total * 100) AS BIGINT)"
    return f"((2 * {kopecks} * {r} + {d}) / {2 * d}) / 100.0"


def cast(db_type: str) -> str:
    """A typed parameter: PostgreSQL types a SELECT list's parameter as text, which an
    INSERT … SELECT will not put into a date or numeric column; SQLite takes it as it is
    (its CAST would turn a date into a number)."""
    return f"CAST(%s AS {db_type})" if connection.vendor == "postgresql" else "%s"


def _days_sql() -> str:
    if connection.vendor == "postgresql":
        return "(c.date_to - c.date_from + 1)"
    return "(CAST(julianday(c.date_to) - julianday(c.date_from) AS INTEGER) + 1)"


def _resellers_due(*, month: date, last: date) -> list[int]:
    """Resellers with a client that has charges closed in the month and no act of it."""
    return list(
        Charge.objects.filter(status=ChargeStatus.CLOSED, closed_on__gte=month, closed_on__lte=last)
        .exclude(client__acts__month=month)
        .values_list("client__reseller_id", flat=True)
        .distinct()
        .order_by("client__reseller_id")
    )


def _seller_snapshot(requisites: Requisites) -> dict[str, str]:
    return {name: getattr(requisites, name) for name in SELLER_FIELDS}


def acts_issue(*, month: date, at: datetime | None = None) -> ActsResult:
    """Issues the acts of `month` (its 1st day) for every client with charges closed in it
    (by `closed_on`) that has none yet. `at` is the moment recorded on the acts and their
    notifications; by default the night of the next month's 1st, when beat runs it. One
    transaction per reseller: its number series is locked once and taken in one go."""
    require_day(month, field="month")
    if month.day != 1:
        raise ValidationError(
            _("Месяц акта задаётся его первым днём, например 2026-12-01."), field="month"
        )
    last = month_last_day(month)
    at = at or nightly_moment(last + timedelta(days=1))
    result = ActsResult(month=month)
    for reseller_id in _resellers_due(month=month, last=last):
        reseller = Reseller.objects.get(pk=reseller_id)
        requisites = Requisites.objects.filter(reseller=reseller).first()
        if requisites_missing(requisites):
            log.warning("acts_issue %s: reseller %s has no complete requisites", month, reseller_id)
            result.skipped_resellers.append(reseller_id)
            continue
        assert requisites is not None
        _reseller_acts(reseller=reseller, requisites=requisites, month=month, at=at, result=result)
    log.info("acts_issue %s: %s", month, result)
    return result


@transaction.atomic
def _reseller_acts(
    *, reseller: Reseller, requisites: Requisites, month: date, at: datetime, result: ActsResult
) -> None:
    ops = connection.ops
    t = _tables()
    last = month_last_day(month)
    year = last.year
    due = _due_sql(t)
    due_params = [
        ChargeStatus.CLOSED,
        ops.adapt_datefield_value(month),
        ops.adapt_datefield_value(last),
        reseller.pk,
        ops.adapt_datefield_value(month),
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(DISTINCT c.client_id), COUNT(*), SUM(c.amount) {due}", due_params
        )
        clients, charges, total = cursor.fetchone()
        if not clients:
            return
        # The series is locked from here to the commit: a concurrent run of the same month
        # waits, then finds these clients served and writes nothing (the check below).
        first = number_take(reseller=reseller, kind=DocumentKind.ACT, year=year, count=clients)
        if requisites.vat_mode == VatMode.STANDARD:
            rate: Decimal | None = vat_rate_on(last)
        else:
            rate = None
        build, json_param = _json_sql()
        snapshot = f"{build}('seller', {json_param}, 'buyer', {_buyer_sql(build)})"
        ignore = ops.insert_statement(on_conflict=_ignore())
        cursor.execute(
            f"{ignore} {t['act']} (reseller_id, client_id, month, year, number, date, total, "
            "vat_mode, vat_rate, vat_amount, snapshot, created_at) "
            f"SELECT %s, t.client_id, {cast('date')}, %s, "
            f"{first - 1} + ROW_NUMBER() OVER (ORDER BY t.client_id), {cast('date')}, t.total, "
            f"{cast('varchar')}, {cast('numeric')}, {_vat_sql(rate)}, {snapshot}, "
            f"{cast('timestamptz')} "
            f"FROM (SELECT c.client_id, SUM(c.amount) AS total {due} GROUP BY c.client_id) t "
            f"JOIN {t['client']} cl ON cl.id = t.client_id "
            f"LEFT JOIN {t['req']} rq ON rq.client_id = t.client_id "
            f"WHERE 1 = 1 ORDER BY t.client_id {_ignore_suffix()}",
            [
                reseller.pk,
                ops.adapt_datefield_value(month),
                year,
                ops.adapt_datefield_value(last),
                requisites.vat_mode,
                None if rate is None else str(rate),
                json.dumps(_seller_snapshot(requisites), ensure_ascii=False),
                ops.adapt_datetimefield_value(at),
                *due_params,
            ],
        )
        if cursor.rowcount != clients:
            # Another run served some of these clients meanwhile: roll back, numbers too.
            raise Conflict(_("Акты месяца выставляются другим запуском."), field="month")
        days = _days_sql()
        cursor.execute(
            f"INSERT INTO {t['line']} (act_id, subscription_id, product, seats, seat_days, "
            "date_from, date_to, days, amount, charge_id) "
            f"SELECT a.id, c.subscription_id, vp.name, (c.seat_days + {days} / 2) / {days}, "
            f"c.seat_days, c.date_from, c.date_to, {days}, c.amount, c.id "
            f"FROM {t['act']} a JOIN {t['charge']} c ON c.client_id = a.client_id "
            f"JOIN {t['sub']} s ON s.id = c.subscription_id "
            f"JOIN {t['rplan']} rp ON rp.id = s.reseller_plan_id "
            f"JOIN {t['vplan']} vp ON vp.id = rp.vendor_plan_id "
            "WHERE a.reseller_id = %s AND a.year = %s AND a.number >= %s AND a.month = %s "
            "AND c.status = %s AND c.closed_on >= %s AND c.closed_on <= %s "
            "ORDER BY a.id, c.subscription_id, c.date_from, c.id",
            [
                reseller.pk,
                year,
                first,
                ops.adapt_datefield_value(month),
                ChargeStatus.CLOSED,
                ops.adapt_datefield_value(month),
                ops.adapt_datefield_value(last),
            ],
        )
        if cursor.rowcount != charges:
            raise Conflict(_("Списания месяца изменились во время выставления актов."))
    result.acts += clients
    result.lines += charges
    result.total += money(Decimal(str(total or 0)))
    result.notifications += _acts_notify(reseller=reseller, year=year, first=first, at=at)


def _ignore():
    from django.db.models.constants import OnConflict

    return OnConflict.IGNORE


def _ignore_suffix() -> str:
    return connection.ops.on_conflict_suffix_sql([], _ignore(), [], [])


def _new_acts(*, reseller: Reseller, year: int, first: int) -> Iterator[list[Any]]:
    """The acts just written, in chunks by id (keyset), with what their e-mails name."""
    after = 0
    qs = Act.objects.filter(reseller=reseller, year=year, number__gte=first).order_by("id")
    while True:
        chunk = list(
            qs.filter(id__gt=after).values(
                "id",
                "number",
                "date",
                "month",
                "total",
                "client_id",
                "client__name",
                "client__email",
                "client__owner_id",
            )[:NOTIFY_CHUNK]
        )
        if not chunk:
            return
        yield chunk
        after = chunk[-1]["id"]


def _acts_notify(*, reseller: Reseller, year: int, first: int, at: datetime) -> int:
    """act_issued to each client's owner and accountants, in the acts' transaction (the
    e-mails leave after commit, from the outbox)."""
    written = 0
    for chunk in _new_acts(reseller=reseller, year=year, first=first):
        accountants: dict[int, list[tuple[int, str]]] = {}
        for client_id, user_id, email, owner_id in (
            Membership.objects.filter(
                client_id__in=[row["client_id"] for row in chunk],
                role=Membership.Role.ACCOUNTANT,
                user__is_active=True,
            )
            .order_by("client_id", "pk")
            .values_list("client_id", "user_id", "user__email", "client__owner_id")
        ):
            if user_id != owner_id:
                accountants.setdefault(client_id, []).append((user_id, email))
        specs: list[NotificationSpec] = []
        for row in chunk:
            payload = {
                "act_id": row["id"],
                "number": row["number"],
                "date": row["date"].strftime("%d.%m.%Y"),
                "month": month_text(row["month"]),
                "client": row["client__name"],
                "total": str(row["total"]),
                "link": act_portal_link(row["id"]),
            }
            key = f"act_issued:act:{row['id']}"
            specs.append(
                NotificationSpec(
                    kind=NotificationKind.ACT_ISSUED,
                    key=key,
                    reseller_id=reseller.pk,
                    client_id=row["client_id"],
                    subscription_id=None,
                    recipient_id=row["client__owner_id"],
                    email_to=row["client__email"],
                    payload=payload,
                )
            )
            for user_id, email in accountants.get(row["client_id"], []):
                specs.append(
                    NotificationSpec(
                        kind=NotificationKind.ACT_ISSUED,
                        key=f"{key}:user:{user_id}",
                        reseller_id=reseller.pk,
                        client_id=row["client_id"],
                        subscription_id=None,
                        recipient_id=user_id,
                        email_to=email,
                        payload=payload,
                    )
                )
        written += notify(specs=specs, at=at)
    return written
