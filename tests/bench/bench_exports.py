"""Benchmark: an export of 100,000 rows streamed with memory flat in the number of rows
(issue 12 item 9, DESIGN.md §10, §13).

1. Builds its own database (`<BENCH_DATABASE>_exp`, dropped first) with COPY, not timed:
   one reseller, BENCH_EXPORT_CLIENTS clients (1,000) and BENCH_EXPORT_ROWS payments
   (100,000) spread evenly over 100 Moscow days, so that the list's own date filter
   («С даты», the last 10 days) selects exactly a tenth of them.
2. Exports the panel's payment list (the view itself, billing.views.payment_index, with its
   filter form, selector and config.exports) as CSV and as XLSX, for the tenth (10,000
   rows) and for all (100,000 rows), each in a fresh process: its wall time and peak RSS
   (common.run_timed), the bytes and rows it wrote; then once more under tracemalloc for
   the peak of Python's own allocations (run apart: tracing slows the export down).
3. Memory is flat when ten times the rows raise neither the peak RSS by more than
   TARGET_GROWTH_MB nor the traced peak by more than TARGET_TRACED_RATIO times.

Prints `exports: <fmt> <rows> rows, T s (CPU C s), peak RSS M MB, traced P MB, B bytes` per
run and its BENCH_RESULT lines. Environment: BENCH_EXPORT_ROWS (100000, a multiple of 100),
BENCH_EXPORT_CLIENTS (1000), BENCH_DATABASE (eset_bench; this module adds `_exp`),
BENCH_KEEP_EXPORTS (0: drop it after).
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from . import common, dataset

DAYS = 100
SMALL_DAYS = 10  # the filter's tenth
FIRST_DAY = date(2026, 9, 23)  # 100 days to 31.12.2026
RESELLER_LOGIN = "reseller1@bench.local"
TARGET_GROWTH_MB = 16.0
TARGET_TRACED_RATIO = 1.5
FORMATS = ("csv", "xlsx")


def parameters() -> tuple[int, int]:
    rows = common.env_int("BENCH_EXPORT_ROWS", 100_000)
    if rows % DAYS:
        sys.exit(f"bench: BENCH_EXPORT_ROWS must be a multiple of {DAYS}, got {rows}")
    clients = min(common.env_int("BENCH_EXPORT_CLIENTS", 1000), rows)
    return rows, clients


def db_name() -> str:
    """Its own database, so that it never drops the one bench_billing built for the pages."""
    name = f"{common.bench_db_name()}_exp"[:63]
    if name == urlsplit(common.server_url()).path.lstrip("/"):
        sys.exit(f"bench: {name} is DATABASE_URL's database; set another BENCH_DATABASE")
    return name


def build(name: str, *, rows: int, clients: int) -> None:
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password

    common.recreate_db(name)
    common.manage(name, "migrate", "--noinput", "-v0")
    created = dataset.moment(date(2026, 1, 1))
    staff = clients + 1  # the reseller's user comes after the client owners
    conn = common.connect(name)
    try:
        with conn, conn.cursor() as cur:
            common.copy_rows(
                cur,
                "accounts_reseller",
                ["id", "name", "inn", "email", "is_active", "created_at"],
                [(1, "Реселлер 1", "7700000001", RESELLER_LOGIN, "t", created)],
            )
            common.copy_rows(
                cur,
                "auth_user",
                dataset.USER_COLUMNS,
                [
                    *(
                        dataset._user(c, f"client{c}@bench.local", "!", created)
                        for c in range(1, clients + 1)
                    ),
                    dataset._user(staff, RESELLER_LOGIN, make_password("x"), created),
                ],
            )
            common.copy_rows(
                cur,
                "accounts_membership",
                ["id", "role", "client_id", "user_id", "reseller_id"],
                [
                    *((c, "owner", c, c, None) for c in range(1, clients + 1)),
                    (staff, "accountant", None, staff, 1),
                ],
            )
            common.copy_rows(
                cur,
                "accounts_client",
                [
                    "id",
                    "name",
                    "inn",
                    "email",
                    "balance",
                    "created_at",
                    "owner_id",
                    "reseller_id",
                    "address_state",
                    "address_city",
                    "address_street",
                    "address_zip",
                ],
                (
                    (
                        c,
                        f"ООО «Клиент {c}»",
                        f"50{c:08d}",
                        f"client{c}@bench.local",
                        "0.00",
                        created,
                        c,
                        1,
                        "",
                        "",
                        "",
                        "",
                    )
                    for c in range(1, clients + 1)
                ),
            )
            common.copy_rows(
                cur,
                "billing_payment",
                [
                    "id",
                    "amount",
                    "method",
                    "reference",
                    "paid_at",
                    "day",
                    "created_at",
                    "client_id",
                ],
                _payments(rows, clients),
            )
            dataset._sequences(cur)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    finally:
        conn.close()


def _payments(rows: int, clients: int):
    for i in range(rows):
        day = FIRST_DAY + timedelta(days=i * DAYS // rows)
        at = dataset.moment(day, hour=9 + i % 9)
        amount = Decimal(1000 + (i * 37) % 90_000) / 100
        yield (i + 1, amount, "bank_transfer", f"п/п № {i + 1}", at, day, at, i % clients + 1)


# --------------------------------------------------------------------------- the child


def child(fmt: str, date_from: str, traced: bool) -> None:
    """One export through the panel's view, written to nowhere; prints what it wrote."""
    import django

    django.setup()
    if traced:
        import tracemalloc

        tracemalloc.start()
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory

    from billing.views import payment_index

    params = {"export": fmt, **({"date_from": date_from} if date_from != "all" else {})}
    request = RequestFactory().get("/panel/payments/", params)
    request.user = get_user_model().objects.get(username=RESELLER_LOGIN)
    started, cpu = time.perf_counter(), time.process_time()
    response = payment_index(request)
    assert response.status_code == 200, response.status_code
    written = lines = 0
    for piece in response.streaming_content:  # type: ignore[attr-defined]
        written += len(piece)
        lines += piece.count(b"\r\n")
    response.close()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if traced else None
    print(
        json.dumps(
            {"bytes": written, "lines": lines, "seconds": seconds, "cpu": cpu, "traced_mb": peak}
        )
    )


def measure(name: str, fmt: str, date_from: str) -> dict:
    cmd = [common.PYTHON, "-m", "tests.bench.bench_exports", "child", fmt, date_from]
    env = common.child_env(name)
    timed = common.run_timed(cmd, env=env)
    report = json.loads(timed.stdout.strip().splitlines()[-1])
    traced = common.run_timed([*cmd, "traced"], env=env)
    report["traced_mb"] = json.loads(traced.stdout.strip().splitlines()[-1])["traced_mb"]
    report["peak_mb"] = timed.peak_mb
    report["process_seconds"] = timed.seconds
    return report


def main() -> None:
    rows, clients = parameters()
    name = db_name()
    common.say(f"exports: building {rows} payments of {clients} clients in {name}")
    build(name, rows=rows, clients=clients)
    small = rows * SMALL_DAYS // DAYS
    tenth_from = (FIRST_DAY + timedelta(days=DAYS - SMALL_DAYS)).strftime("%d.%m.%Y")
    try:
        for fmt in FORMATS:
            runs = {}
            for count, date_from in ((small, tenth_from), (rows, "all")):
                report = measure(name, fmt, date_from)
                if fmt == "csv" and report["lines"] != count + 1:
                    raise SystemExit(
                        f"bench: the CSV holds {report['lines'] - 1} rows, not {count}"
                    )
                runs[count] = report
                common.say(
                    f"exports: {fmt} {count} rows, {report['seconds']:.1f} s "
                    f"(CPU {report['cpu']:.1f} s), "
                    f"peak RSS {report['peak_mb']:.0f} MB, traced {report['traced_mb']:.1f} MB, "
                    f"{report['bytes']} bytes"
                )
            big, little = runs[rows], runs[small]
            growth = big["peak_mb"] - little["peak_mb"]
            ratio = big["traced_mb"] / max(little["traced_mb"], 0.1)
            common.result(
                figure=f"export {fmt} {rows} rows time",
                value=round(big["seconds"], 1),
                unit="s",
                target="reported",
                ok=True,
                cpu_seconds=round(big["cpu"], 1),
                rows_per_second=round(rows / big["seconds"]),
            )
            common.result(
                figure=f"export {fmt} peak RSS growth {small}→{rows} rows",
                value=round(growth, 1),
                unit="MB",
                target=f"<= {TARGET_GROWTH_MB:g}",
                ok=growth <= TARGET_GROWTH_MB,
                peak_small_mb=round(little["peak_mb"], 1),
                peak_big_mb=round(big["peak_mb"], 1),
            )
            common.result(
                figure=f"export {fmt} traced peak ratio {small}→{rows} rows",
                value=round(ratio, 2),
                unit="×",
                target=f"<= {TARGET_TRACED_RATIO:g}",
                ok=ratio <= TARGET_TRACED_RATIO,
                traced_small_mb=round(little["traced_mb"], 2),
                traced_big_mb=round(big["traced_mb"], 2),
            )
    finally:
        if os.environ.get("BENCH_KEEP_EXPORTS", "0") != "1":
            common.drop_db(name)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if len(sys.argv) >= 4 and sys.argv[1] == "child":
        child(sys.argv[2], sys.argv[3], traced=sys.argv[4:] == ["traced"])
    else:
        main()
