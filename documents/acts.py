"""Monthly acts (DESIGN.md §13, §10): on the 1st, one act per client with the charges
closed in the month before, numbered per reseller and year, with VAT at the rate in force
on the act's date (the month's last day), e-mailed to the client's owner and accountants.

Written set-based: per chunk of resellers one INSERT … SELECT of the acts (totals, numbers,
VAT and the parties' requisites computed by the database) and one of their lines, whatever
the number of clients, so 50,000 clients cost a handful of statements and no object per
row (their e-mails are rendered per act, in chunks, as every notification is).
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
from django.db.models import Count
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
# Resellers per transaction: bounded so that the VALUES list of a chunk stays under
# SQLite's parameter limit and a chunk's locks and memory stay small.
CHUNK_RESELLERS = 500
CHUNK_CLIENTS = 20_000
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


def _due_sql(t: dict[str, str], resellers: int) -> str:
    """The month's closed charges of the clients of `resellers` resellers (their ids are
    parameters) that have no act of the month. Parameters: status, first day, last day,
    month, the reseller ids."""
    return (
        f"FROM {t['charge']} c JOIN {t['client']} cl ON cl.id = c.client_id "
        "WHERE c.status = %s AND c.closed_on >= %s AND c.closed_on <= %s "
        f"AND NOT EXISTS (SELECT 1 FROM {t['act']} a "
        "WHERE a.client_id = c.client_id AND a.month = %s) "
        f"AND cl.reseller_id IN ({', '.join(['%s'] * resellers)})"
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


def cast(db_type: str) -> str:
    """A typed parameter: PostgreSQL types a SELECT list's parameter as text, which an
    INSERT … SELECT will not put into a date or numeric column; SQLite takes it as it is
    (its CAST would turn a date into a number)."""
    return f"CAST(%s AS {db_type})" if connection.vendor == "postgresql" else "%s"


def _days_sql() -> str:
    if connection.vendor == "postgresql":
        return "(c.date_to - c.date_from + 1)"
    return "(CAST(julianday(c.date_to) - julianday(c.date_from) AS INTEGER) + 1)"


def _resellers_due(*, month: date, last: date) -> list[tuple[int, int]]:
    """(reseller, clients) for every reseller with a client that has charges closed in
    the month and no act of it, in reseller order."""
    rows = (
        Charge.objects.filter(status=ChargeStatus.CLOSED, closed_on__gte=month, closed_on__lte=last)
        .exclude(client__acts__month=month)
        .values("client__reseller_id")
        .annotate(clients=Count("client_id", distinct=True))
        .order_by("client__reseller_id")
        .values_list("client__reseller_id", "clients")
    )
    return list(rows)


def _chunks(due: list[tuple[int, int]]) -> Iterator[list[tuple[int, int]]]:
    chunk: list[tuple[int, int]] = []
    clients = 0
    for reseller_id, n in due:
        if chunk and (len(chunk) >= CHUNK_RESELLERS or clients + n > CHUNK_CLIENTS):
            yield chunk
            chunk, clients = [], 0
        chunk.append((reseller_id, n))
        clients += n
    if chunk:
        yield chunk


def _seller_snapshot(requisites: Requisites) -> dict[str, str]:
    return {name: getattr(requisites, name) for name in SELLER_FIELDS}


def acts_issue(*, month: date, at: datetime | None = None) -> ActsResult:
    """Issues the acts of `month` (its 1st day) for every client with charges closed in it
    (by `closed_on`) that has none yet. `at` is the moment recorded on the acts and their
    notifications; by default the night of the next month's 1st, when beat runs it.

    Resellers are served in chunks, one transaction each: every reseller's number series
    is locked once and its numbers taken in one go, then the chunk's acts are written by
    one INSERT … SELECT and their lines by another. One commit per chunk, not per reseller:
    a commit waits for the disk (1-2 s each under load on the benchmark's machine, where
    1,000 resellers took a commit each)."""
    require_day(month, field="month")
    if month.day != 1:
        raise ValidationError(
            _("Месяц акта задаётся его первым днём, например 2026-12-01."), field="month"
        )
    last = month_last_day(month)
    at = at or nightly_moment(last + timedelta(days=1))
    result = ActsResult(month=month)
    due = _resellers_due(month=month, last=last)
    requisites = {
        r.reseller_id: r for r in Requisites.objects.filter(reseller_id__in=[r for r, _ in due])
    }
    ready = []
    for reseller_id, clients in due:
        if requisites_missing(requisites.get(reseller_id)):
            log.warning("acts_issue %s: reseller %s has no complete requisites", month, reseller_id)
            result.skipped_resellers.append(reseller_id)
        else:
            ready.append((reseller_id, clients))
    for chunk in _chunks(ready):
        _chunk_acts(chunk=chunk, requisites=requisites, month=month, at=at, result=result)
    log.info("acts_issue %s: %s", month, result)
    return result


@transaction.atomic
def _chunk_acts(
    *,
    chunk: list[tuple[int, int]],
    requisites: dict[int | None, Requisites],
    month: date,
    at: datetime,
    result: ActsResult,
) -> None:
    ops = connection.ops
    t = _tables()
    last = month_last_day(month)
    year = last.year
    ids = [reseller_id for reseller_id, _ in chunk]
    due = _due_sql(t, len(ids))
    due_params: list[Any] = [
        ChargeStatus.CLOSED,
        ops.adapt_datefield_value(month),
        ops.adapt_datefield_value(last),
        ops.adapt_datefield_value(month),
        *ids,
    ]
    # Each series is locked from here to the commit, in reseller order (two runs lock in
    # the same order): a concurrent run of the same month waits, then finds these clients
    # served and writes nothing (the count below).
    bases = {
        reseller_id: number_take(
            reseller=Reseller(pk=reseller_id), kind=DocumentKind.ACT, year=year, count=n
        )
        - 1
        for reseller_id, n in chunk
    }
    rate = (
        vat_rate_on(last) if any(requisites[r].vat_mode == VatMode.STANDARD for r in ids) else None
    )
    build, json_param = _json_sql()
    rows: list[str] = []
    params: list[Any] = []
    for reseller_id in ids:
        req = requisites[reseller_id]
        standard = req.vat_mode == VatMode.STANDARD and rate is not None
        r = int(rate * 100) if standard and rate is not None else 0
        rows.append(f"(%s, %s, {cast('varchar')}, {cast('numeric')}, %s, %s, {json_param})")
        params += [
            reseller_id,
            bases[reseller_id],
            req.vat_mode,
            str(rate) if standard else None,
            r,
            10000 + r,
            json.dumps(_seller_snapshot(req), ensure_ascii=False),
        ]
    series = (
        "WITH v (reseller_id, base, vat_mode, vat_rate, r, d, seller) AS "
        f"(VALUES {', '.join(rows)}) "
    )
    # SQLite's JSON subtype does not survive a CTE column: the text is read as JSON again.
    seller = "v.seller" if connection.vendor == "postgresql" else "json(v.seller)"
    snapshot = f"{build}('seller', {seller}, 'buyer', {_buyer_sql(build)})"
    kopecks = "CAST(ROUND(t.total * 100) AS BIGINT)"
    ignore = ops.insert_statement(on_conflict=_ignore())
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(DISTINCT c.client_id), COUNT(*), SUM(c.amount) {due}", due_params
        )
        clients, charges, total = cursor.fetchone()
        if clients != sum(n for _, n in chunk):
            # Another run served some of these clients meanwhile: roll back, numbers too.
            raise Conflict(_("Акты месяца выставляются другим запуском."), field="month")
        cursor.execute(
            f"{ignore} {t['act']} (reseller_id, client_id, month, year, number, date, "
            "total, vat_mode, vat_rate, vat_amount, snapshot, created_at) "
            # The CTE inside the INSERT: SQLite counts the rows of a statement that starts
            # with INSERT, not WITH.
            f"{series}SELECT t.reseller_id, t.client_id, {cast('date')}, %s, "
            "v.base + ROW_NUMBER() OVER (PARTITION BY t.reseller_id ORDER BY t.client_id), "
            f"{cast('date')}, t.total, v.vat_mode, v.vat_rate, "
            # VAT included, half up to the kopeck, in integer kopecks so that SQLite (whose
            # numbers are floats) rounds as Decimal does: (2·k·R + D) div (2·D), R the rate
            # in hundredths of a percent, D = 10000 + R (R = 0 without VAT).
            f"((2 * {kopecks} * v.r + v.d) / (2 * v.d)) / 100.0, {snapshot}, "
            f"{cast('timestamptz')} "
            "FROM (SELECT c.client_id, cl.reseller_id, SUM(c.amount) AS total "
            f"{due} GROUP BY c.client_id, cl.reseller_id) t "
            "JOIN v ON v.reseller_id = t.reseller_id "
            f"JOIN {t['client']} cl ON cl.id = t.client_id "
            f"LEFT JOIN {t['req']} rq ON rq.client_id = t.client_id "
            f"WHERE 1 = 1 ORDER BY t.reseller_id, t.client_id {_ignore_suffix()} RETURNING id",
            [
                *params,
                ops.adapt_datefield_value(month),
                year,
                ops.adapt_datefield_value(last),
                ops.adapt_datetimefield_value(at),
                *due_params,
            ],
        )
        act_ids = [row[0] for row in cursor.fetchall()]
        if len(act_ids) != clients:
            raise Conflict(_("Акты месяца выставляются другим запуском."), field="month")
        days = _days_sql()
        cursor.execute(
            f"INSERT INTO {t['line']} (act_id, subscription_id, product, seats, seat_days, "
            "date_from, date_to, days, amount, charge_id) "
            "WITH v (reseller_id, base) AS "
            f"(VALUES {', '.join(['(%s, %s)'] * len(ids))}) "
            f"SELECT a.id, c.subscription_id, vp.name, (c.seat_days + {days} / 2) / {days}, "
            f"c.seat_days, c.date_from, c.date_to, {days}, c.amount, c.id "
            f"FROM {t['act']} a JOIN v ON v.reseller_id = a.reseller_id AND a.number > v.base "
            f"JOIN {t['charge']} c ON c.client_id = a.client_id "
            f"JOIN {t['sub']} s ON s.id = c.subscription_id "
            f"JOIN {t['rplan']} rp ON rp.id = s.reseller_plan_id "
            f"JOIN {t['vplan']} vp ON vp.id = rp.vendor_plan_id "
            "WHERE a.year = %s AND a.month = %s "
            "AND c.status = %s AND c.closed_on >= %s AND c.closed_on <= %s "
            "ORDER BY a.id, c.subscription_id, c.date_from, c.id",
            [
                *(value for reseller_id in ids for value in (reseller_id, bases[reseller_id])),
                year,
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
    result.notifications += _acts_notify(act_ids=sorted(act_ids), at=at)


def _ignore():
    from django.db.models.constants import OnConflict

    return OnConflict.IGNORE


def _ignore_suffix() -> str:
    return connection.ops.on_conflict_suffix_sql([], _ignore(), [], [])


def _new_acts(act_ids: list[int]) -> Iterator[list[Any]]:
    """The acts just written, in chunks, with what their e-mails name."""
    for start in range(0, len(act_ids), NOTIFY_CHUNK):
        yield list(
            Act.objects.filter(id__in=act_ids[start : start + NOTIFY_CHUNK])
            .order_by("id")
            .values(
                "id",
                "reseller_id",
                "number",
                "date",
                "month",
                "total",
                "client_id",
                "client__name",
                "client__email",
                "client__owner_id",
            )
        )


def _acts_notify(*, act_ids: list[int], at: datetime) -> int:
    """act_issued to each client's owner and accountants, in the acts' transaction (the
    e-mails leave after commit, from the outbox)."""
    written = 0
    for chunk in _new_acts(act_ids):
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
                    reseller_id=row["reseller_id"],
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
                        reseller_id=row["reseller_id"],
                        client_id=row["client_id"],
                        subscription_id=None,
                        recipient_id=user_id,
                        email_to=email,
                        payload=payload,
                    )
                )
        written += notify(specs=specs, at=at)
    return written
