"""Benchmark: the monthly acts (issue 12 item 9, DESIGN.md §10) and one document's PDF.

1. Builds the month-end data set of `dataset.py` (BENCH_CLIENTS clients, 50,000 by default,
   two subscriptions each), gives every reseller complete requisites (half of them on the
   simplified tax system, «Без НДС») and runs the month's last billing run, so that every
   client has charges closed in the month (none of this is timed). Copies the database
   (`<bench>_floor`).
2. Times `manage.py acts_issue --month <month>` as a whole process, with its peak RSS; the
   time its act_issued notifications took (each rendered from its template) is measured
   inside the same process and reported apart.
3. On the copy, times the same writes as plain set-based SQL: the counters, the acts
   (numbers by row_number(), totals, VAT in kopecks, both parties' requisites as JSON),
   their lines, and the notification rows (subject and body concatenated in SQL). That is
   the floor.
4. Checks that both wrote the same acts (count, Σ total, Σ VAT, numbers), lines and
   notifications.
5. Renders one act's PDF and one invoice's PDF BENCH_PDF_RUNS times each: p95.

Environment: BENCH_CLIENTS (50000), BENCH_SUBSCRIPTIONS (2 × clients), BENCH_RESELLERS
(clients / 50), BENCH_MONTH (2027-01), BENCH_DATABASE (eset_bench), BENCH_PDF_RUNS (50),
BENCH_KEEP_FLOOR (0).
"""

from __future__ import annotations

import json
import os
import statistics
import time
from datetime import date

from . import common, dataset

TARGET_RATIO = 3.0
TARGET_MB = 256.0
TARGET_PDF_MS = 300.0

SELLER = {
    "legal_name": "ООО «Реселлер»",
    "inn": "7707083893",
    "kpp": "773601001",
    "ogrn": "1027700132195",
    "legal_address": "г. Москва, ул. Тверская, д. 1",
    "bank_name": "ПАО Сбербанк",
    "bik": "044525225",
    "corr_account": "30101810400000000225",
    "account": "40702810938000012345",
    "signatory_name": "Иванов И. И.",
    "signatory_position": "Генеральный директор",
}

# The timed process: acts_issue, with the notifications' share measured by wrapping the
# one function that writes them (the product code is unchanged).
_ACTS = """
import json, sys, time
import django
django.setup()
from datetime import date
import documents.acts as acts
spent = [0.0]
inner = acts._acts_notify
def timed(**kwargs):
    started = time.perf_counter()
    try:
        return inner(**kwargs)
    finally:
        spent[0] += time.perf_counter() - started
acts._acts_notify = timed
started = time.perf_counter()
result = acts.acts_issue(month=date.fromisoformat(sys.argv[1]))
print(json.dumps({"acts": result.acts, "lines": result.lines, "total": str(result.total),
                  "notifications": result.notifications, "notify_s": spent[0],
                  "seconds": time.perf_counter() - started}))
"""

_PDF = """
import json, sys, time
import django
django.setup()
from documents.act_rendering import act_pdf
from documents.models import Act
from documents.rendering import invoice_pdf
from documents.services import invoice_issue
from django.db import transaction
from django.utils import timezone
from accounts.models import Client
runs = int(sys.argv[1])
act = Act.objects.filter(vat_mode="standard").order_by("id").first()
times = {"act": [], "invoice": []}
with transaction.atomic():
    invoice = invoice_issue(client=Client.objects.get(pk=act.client_id), at=timezone.now(),
                            amount=act.total)
    for kind, render, doc in (("act", act_pdf, act), ("invoice", invoice_pdf, invoice)):
        render(doc)  # fonts loaded once per process, as a worker's first document does
        for _ in range(runs):
            started = time.perf_counter()
            size = len(render(doc))
            times[kind].append((time.perf_counter() - started) * 1000)
        times[kind + "_bytes"] = size
    transaction.set_rollback(True)
print(json.dumps(times))
"""


def month() -> date:
    raw = os.environ.get("BENCH_MONTH", "2027-01").strip()
    try:
        year, number = (int(x) for x in raw.split("-"))
        return date(year, number, 1)
    except ValueError:
        raise SystemExit(f"bench: BENCH_MONTH must be YYYY-MM, got {raw!r}") from None


def parameters() -> tuple[int, int, int]:
    clients = common.env_int("BENCH_CLIENTS", 50_000)
    n = common.env_int("BENCH_SUBSCRIPTIONS", 2 * clients)
    resellers = common.env_int("BENCH_RESELLERS", max(1, clients // 50))
    return n, clients, resellers


def requisites(name: str) -> None:
    """Every reseller complete requisites; the even ones without VAT (УСН)."""
    conn = common.connect(name)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT id FROM accounts_reseller ORDER BY id")
            ids = [row[0] for row in cur.fetchall()]
            columns = ["reseller_id", *SELLER, "vat_mode", "updated_at"]
            common.copy_rows(
                cur,
                "accounts_requisites",
                columns,
                ([pk, *SELLER.values(), "none" if pk % 2 == 0 else "standard", None] for pk in ids),
            )
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    finally:
        conn.close()


def floor(name: str, *, first: date, last: date) -> float:
    """The acts' writes as plain set-based SQL; returns the seconds they took."""
    conn = common.connect(name)
    site = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")
    try:
        started = time.perf_counter()
        with conn, conn.cursor() as cur:
            cur.execute(
                """
                CREATE TEMP TABLE due ON COMMIT DROP AS
                SELECT c.client_id, cl.reseller_id, SUM(c.amount) AS total, COUNT(*) AS n
                FROM billing_charge c JOIN accounts_client cl ON cl.id = c.client_id
                WHERE c.status = 'closed' AND c.closed_on BETWEEN %(first)s AND %(last)s
                  AND NOT EXISTS (SELECT 1 FROM documents_act a
                                  WHERE a.client_id = c.client_id AND a.month = %(first)s)
                GROUP BY c.client_id, cl.reseller_id;

                CREATE TEMP TABLE series ON COMMIT DROP AS
                SELECT d.reseller_id, COUNT(*) AS n, r.vat_mode,
                       CASE WHEN r.vat_mode = 'standard' THEN
                         (SELECT v.rate FROM documents_vatrate v WHERE v.valid_from <= %(last)s
                          ORDER BY v.valid_from DESC LIMIT 1) END AS rate,
                       jsonb_build_object(
                         'legal_name', r.legal_name, 'inn', r.inn, 'kpp', r.kpp,
                         'ogrn', r.ogrn, 'legal_address', r.legal_address,
                         'bank_name', r.bank_name, 'bik', r.bik,
                         'corr_account', r.corr_account, 'account', r.account,
                         'signatory_name', r.signatory_name,
                         'signatory_position', r.signatory_position) AS seller
                FROM due d JOIN accounts_requisites r ON r.reseller_id = d.reseller_id
                GROUP BY d.reseller_id, r.id;

                INSERT INTO documents_documentcounter (reseller_id, kind, year, last_number)
                SELECT reseller_id, 'act', %(year)s, 0 FROM series
                ON CONFLICT (reseller_id, kind, year) DO NOTHING;

                CREATE TEMP TABLE taken ON COMMIT DROP AS
                WITH moved AS (
                  UPDATE documents_documentcounter k SET last_number = k.last_number + s.n
                  FROM series s
                  WHERE k.reseller_id = s.reseller_id AND k.kind = 'act' AND k.year = %(year)s
                  RETURNING k.reseller_id, k.last_number - s.n AS offset_
                ) SELECT * FROM moved;

                INSERT INTO documents_act (reseller_id, client_id, month, year, number, date,
                    total, vat_mode, vat_rate, vat_amount, snapshot, created_at)
                SELECT d.reseller_id, d.client_id, %(first)s, %(year)s,
                       t.offset_ + ROW_NUMBER() OVER (PARTITION BY d.reseller_id
                                                     ORDER BY d.client_id),
                       %(last)s, d.total, s.vat_mode, s.rate,
                       COALESCE(ROUND(d.total * s.rate / (100 + s.rate), 2), 0),
                       jsonb_build_object('seller', s.seller, 'buyer', jsonb_build_object(
                         'legal_name', cl.name, 'inn', cl.inn, 'kpp', '', 'ogrn', '',
                         'legal_address', substr(
                           (CASE WHEN cl.address_zip <> '' THEN ', ' || cl.address_zip
                                 ELSE '' END)
                           || (CASE WHEN cl.address_state <> '' THEN ', ' || cl.address_state
                                    ELSE '' END)
                           || (CASE WHEN cl.address_city <> '' THEN ', ' || cl.address_city
                                    ELSE '' END)
                           || (CASE WHEN cl.address_street <> '' THEN ', ' || cl.address_street
                                    ELSE '' END), 3))),
                       now()
                FROM due d JOIN series s ON s.reseller_id = d.reseller_id
                JOIN taken t ON t.reseller_id = d.reseller_id
                JOIN accounts_client cl ON cl.id = d.client_id;

                INSERT INTO documents_actline (act_id, subscription_id, product, seats,
                    seat_days, date_from, date_to, days, amount, charge_id)
                SELECT a.id, c.subscription_id, vp.name,
                       (c.seat_days + (c.date_to - c.date_from + 1) / 2)
                         / (c.date_to - c.date_from + 1),
                       c.seat_days, c.date_from, c.date_to, c.date_to - c.date_from + 1,
                       c.amount, c.id
                FROM documents_act a
                JOIN billing_charge c ON c.client_id = a.client_id
                JOIN orders_subscription s ON s.id = c.subscription_id
                JOIN plans_resellerplan rp ON rp.id = s.reseller_plan_id
                JOIN plans_vendorplan vp ON vp.id = rp.vendor_plan_id
                WHERE a.month = %(first)s AND c.status = 'closed'
                  AND c.closed_on BETWEEN %(first)s AND %(last)s;

                INSERT INTO notifications_notification (kind, key, reseller_id, client_id,
                    recipient_id, email_to, email_status, email_attempts, email_error,
                    subject, body, payload, created_at)
                SELECT 'act_issued', 'act_issued:act:' || a.id, a.reseller_id, a.client_id,
                       cl.owner_id, cl.email, 'pending', 0, '',
                       'Акт № ' || a.number || ' от ' || to_char(a.date, 'DD.MM.YYYY'),
                       'Здравствуйте!' || chr(10) || chr(10) || 'Клиенту «' || cl.name
                         || '» выставлен акт № ' || a.number || ' от '
                         || to_char(a.date, 'DD.MM.YYYY') || ' за ' || %(month_text)s
                         || ' на сумму ' || a.total || ' ₽.' || chr(10) || 'Акт: '
                         || %(site)s || '/portal/acts/' || a.id || '/',
                       jsonb_build_object('act_id', a.id, 'number', a.number,
                         'date', to_char(a.date, 'DD.MM.YYYY'), 'month', %(month_text)s,
                         'client', cl.name, 'total', a.total::text,
                         'link', %(site)s || '/portal/acts/' || a.id || '/'),
                       now()
                FROM documents_act a JOIN accounts_client cl ON cl.id = a.client_id
                WHERE a.month = %(first)s
                ON CONFLICT (key) DO NOTHING;
                """,
                {
                    "first": first,
                    "last": last,
                    "year": last.year,
                    "month_text": "январь 2027",
                    "site": site,
                },
            )
        return time.perf_counter() - started
    finally:
        conn.close()


def outcome(name: str, *, first: date) -> tuple:
    conn = common.connect(name)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                """
                SELECT
                  (SELECT COUNT(*) FROM documents_act WHERE month = %(first)s),
                  (SELECT SUM(total) FROM documents_act WHERE month = %(first)s),
                  (SELECT SUM(vat_amount) FROM documents_act WHERE month = %(first)s),
                  (SELECT md5(string_agg(reseller_id || ':' || number || ':' || client_id, ','
                               ORDER BY reseller_id, number))
                     FROM documents_act WHERE month = %(first)s),
                  (SELECT COUNT(*) FROM documents_actline),
                  (SELECT SUM(amount) FROM documents_actline),
                  (SELECT COUNT(*) FROM notifications_notification WHERE kind = 'act_issued'),
                  (SELECT SUM(last_number) FROM documents_documentcounter WHERE kind = 'act')
                """,
                {"first": first},
            )
            return cur.fetchone()
    finally:
        conn.close()


def pdf_p95(name: str, runs: int) -> dict:
    timed = common.run_timed([common.PYTHON, "-c", _PDF, str(runs)], env=common.child_env(name))
    return json.loads(timed.stdout.strip().splitlines()[-1])


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


def main() -> None:
    n, clients, resellers = parameters()
    first = month()
    last = dataset.month_end_of(first.year, first.month)
    name = common.bench_db_name()
    floor_name = f"{name}_floor"
    common.say(
        f"acts: generating {n} subscriptions, {clients} clients, {resellers} resellers in "
        f"{name} (month {first:%Y-%m})"
    )
    started = time.perf_counter()
    dataset.build(name, n=n, clients=clients, resellers=resellers, day=last)
    requisites(name)
    common.run_timed(
        [
            *(common.PYTHON, "-m", "tests.at", last.isoformat()),
            *("manage.py", "billing_run", "--date", last.isoformat()),
        ],
        env=common.child_env(name),
    )
    common.recreate_db(floor_name, template=name)
    common.say(f"acts: data written and the month closed in {time.perf_counter() - started:.1f} s")

    timed = common.run_timed(
        [common.PYTHON, "-c", _ACTS, first.isoformat()], env=common.child_env(name)
    )
    report = json.loads(timed.stdout.strip().splitlines()[-1])
    floor_seconds = floor(floor_name, first=first, last=last)
    ran, floored = outcome(name, first=first), outcome(floor_name, first=first)
    if os.environ.get("BENCH_KEEP_FLOOR", "0") != "1":
        common.drop_db(floor_name)
    same = ran == floored and ran[0] == clients
    if not same:
        common.say(f"acts: MISMATCH run {ran} != floor {floored} (clients {clients})")
    again = common.run_timed(
        [common.PYTHON, "-c", _ACTS, first.isoformat()], env=common.child_env(name)
    )
    rerun = json.loads(again.stdout.strip().splitlines()[-1])
    if rerun["acts"] or outcome(name, first=first) != ran:
        common.say(f"acts: a re-run wrote something: {rerun}")
        same = False

    ratio = timed.seconds / floor_seconds
    acts_only = report["seconds"] - report["notify_s"]
    common.say(
        f"acts: {report['acts']} acts, {report['lines']} lines, {report['notifications']} "
        f"notifications, {timed.seconds:.1f} s (process; acts_issue {report['seconds']:.1f} s "
        f"of which notifications {report['notify_s']:.1f} s), peak {timed.peak_mb:.0f} MB, "
        f"floor {floor_seconds:.1f} s, ratio {ratio:.2f}; re-run {again.seconds:.1f} s, "
        f"{rerun['acts']} new"
    )
    common.result(
        figure="acts_issue ratio to floor",
        value=round(ratio, 2),
        unit="x",
        target=f"<= {TARGET_RATIO:g}",
        ok=ratio <= TARGET_RATIO and same,
        clients=clients,
        seconds=round(timed.seconds, 2),
        floor_s=round(floor_seconds, 2),
        acts_s=round(acts_only, 2),
        notify_s=round(report["notify_s"], 2),
    )
    common.result(
        figure="acts_issue peak RSS",
        value=round(timed.peak_mb, 1),
        unit="MB",
        target=f"<= {TARGET_MB:g}",
        ok=timed.peak_mb <= TARGET_MB,
        clients=clients,
    )
    runs = common.env_int("BENCH_PDF_RUNS", 50)
    pdfs = pdf_p95(name, runs)
    for kind in ("act", "invoice"):
        value = p95(pdfs[kind])
        common.say(
            f"acts: {kind} PDF p95 {value:.0f} ms, median {statistics.median(pdfs[kind]):.0f} "
            f"ms over {runs} ({pdfs[kind + '_bytes']} bytes)"
        )
        common.result(
            figure=f"{kind} PDF p95",
            value=round(value, 1),
            unit="ms",
            target=f"<= {TARGET_PDF_MS:g}",
            ok=value <= TARGET_PDF_MS,
        )
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    main()
