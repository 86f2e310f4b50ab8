"""`make bench` (tests/bench/, issue 5) stays out of `make test`, refuses to run without
PostgreSQL, and its month-end benchmark works end to end at a small size: the generated
data satisfy the §4.7 invariants, the run and the plain-SQL floor write the same thing."""

import fnmatch
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.bench import common, run
from tests.conftest import requires_postgres

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "tests" / "bench"


def test_no_bench_file_is_collected_by_pytest(request):
    patterns = request.config.getini("python_files")
    files = sorted(p.name for p in BENCH.glob("*.py"))
    assert "bench_billing.py" in files and "run.py" in files
    assert [f for f in files if any(fnmatch.fnmatch(f, pat) for pat in patterns)] == []


def test_make_bench_without_postgres_says_what_it_needs():
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    proc = subprocess.run(
        [sys.executable, "-m", "tests.bench.run"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "needs PostgreSQL: set DATABASE_URL" in proc.stderr
    assert proc.stdout == ""


def test_summary_table_lists_every_figure_and_flags_the_misses():
    time = {"figure": "billing_run time", "value": 9.1, "unit": "s", "target": "<= 30"}
    p95 = {"figure": "api list p95", "value": 250.0, "unit": "ms", "target": "<= 200"}
    lines = run.table([("billing", {**time, "ok": True}), ("pages", {**p95, "ok": False})])
    lines = lines.splitlines()
    assert set(lines[1]) == {"-", "+"}
    assert [[c.strip() for c in line.split(" | ")] for line in lines[:1] + lines[2:]] == [
        ["module", "figure", "value", "unit", "target", "ok"],
        ["billing", "billing_run time", "9.1", "s", "<= 30", "yes"],
        ["pages", "api list p95", "250.0", "ms", "<= 200", "NO"],
    ]


@requires_postgres
def test_billing_bench_small_run_matches_its_floor_and_keeps_the_invariants():
    name = f"{settings.DATABASES['default']['NAME']}_bench"[:60]
    # The run's after-commit tasks go to a broker: the filesystem one, never the suite's
    # Redis, whose real worker (tests marked redis) must not receive them.
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(BENCH_SUBSCRIPTIONS="240", BENCH_DATABASE=name, BENCH_CHECK="1")
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "tests.bench.bench_billing"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
    finally:
        common.drop_db(name)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "MISMATCH" not in proc.stdout
    assert "ledger OK" in proc.stderr
    assert re.search(
        r"^billing_run: billing_run 2027-01-31: closed \d+ charges .*renewed \d+, suspended \d+",
        proc.stdout,
        re.M,
    )
    line = re.search(
        r"^billing_run: 240 subs, [\d.]+ s, peak \d+ MB, floor [\d.]+ s, ratio [\d.]+$",
        proc.stdout,
        re.M,
    )
    assert line, proc.stdout
    results = [
        json.loads(x.removeprefix("BENCH_RESULT "))
        for x in proc.stdout.splitlines()
        if x.startswith("BENCH_RESULT ")
    ]
    assert [r["figure"] for r in results] == [
        "billing_run time",
        "billing_run ratio to floor",
        "billing_run peak RSS",
    ]
    assert all({"figure", "value", "unit", "target", "ok"} <= set(r) for r in results)
    assert results[2]["value"] < 256  # a small run stays far under the memory target


def test_export_bench_data_put_exactly_a_tenth_after_its_filter_day():
    from datetime import date, timedelta

    from tests.bench import bench_exports

    rows = list(bench_exports._payments(1000, 7))
    days = [row[5] for row in rows]
    cut = bench_exports.FIRST_DAY + timedelta(days=bench_exports.DAYS - bench_exports.SMALL_DAYS)
    assert days[0] == bench_exports.FIRST_DAY and max(days) == date(2026, 12, 31)
    assert cut == date(2026, 12, 22)
    assert sum(day >= cut for day in days) == 100
    assert {row[7] for row in rows} == set(range(1, 8))  # every client pays


@requires_postgres
def test_export_bench_small_run_exports_every_row_in_both_formats():
    name = f"{settings.DATABASES['default']['NAME']}_bx"[:50]
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(BENCH_EXPORT_ROWS="1000", BENCH_EXPORT_CLIENTS="20", BENCH_DATABASE=name)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "tests.bench.bench_exports"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        common.drop_db(f"{name}_exp")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for fmt in ("csv", "xlsx"):
        for rows in (100, 1000):
            assert re.search(
                rf"^exports: {fmt} {rows} rows, [\d.]+ s \(CPU [\d.]+ s\), "
                r"peak RSS \d+ MB, traced [\d.]+ MB, \d+ bytes$",
                proc.stdout,
                re.M,
            ), proc.stdout
    results = [
        json.loads(x.removeprefix("BENCH_RESULT "))
        for x in proc.stdout.splitlines()
        if x.startswith("BENCH_RESULT ")
    ]
    assert [r["figure"] for r in results] == [
        f"export {fmt} {what}"
        for fmt in ("csv", "xlsx")
        for what in (
            "1000 rows time",
            "peak RSS growth 100→1000 rows",
            "traced peak ratio 100→1000 rows",
        )
    ]


@requires_postgres
def test_acts_bench_small_run_matches_its_floor():
    name = f"{settings.DATABASES['default']['NAME']}_bench_acts"[:60]
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(BENCH_CLIENTS="60", BENCH_DATABASE=name, BENCH_PDF_RUNS="3")
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "tests.bench.bench_acts"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        common.drop_db(name)
        common.drop_db(f"{name}_floor")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "MISMATCH" not in proc.stdout and "re-run wrote" not in proc.stdout, proc.stdout
    assert re.search(
        r"^acts: 60 acts, \d+ lines, 60 notifications, [\d.]+ s \(process; acts_issue [\d.]+ s "
        r"of which notifications [\d.]+ s\), peak \d+ MB, floor [\d.]+ s, ratio [\d.]+; "
        r"re-run [\d.]+ s, 0 new$",
        proc.stdout,
        re.M,
    ), proc.stdout + proc.stderr
    figures = {
        json.loads(line[len("BENCH_RESULT ") :])["figure"]
        for line in proc.stdout.splitlines()
        if line.startswith("BENCH_RESULT ")
    }
    assert figures == {
        "acts_issue ratio to floor",
        "acts_issue peak RSS",
        "act PDF p95",
        "invoice PDF p95",
    }


@requires_postgres
@pytest.mark.redis
@pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL) as the broker")
def test_mail_bench_small_run_sends_every_email_with_its_pdf_through_real_workers():
    name = f"{settings.DATABASES['default']['NAME']}_bm"[:50]
    env = dict(os.environ, BENCH_MAIL_COUNT="20", BENCH_MAIL_LIMIT="5", BENCH_DATABASE=name)
    env["REDIS_URL"] = settings.REDIS_URL
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "tests.bench.bench_mail"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=400,
        )
    finally:
        common.drop_db(f"{name}_mail")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "INCOMPLETE" not in proc.stdout
    for workers in ("1 worker", "2 workers"):
        assert re.search(
            rf"^mail: {workers}: 20 e-mails in [\d.]+ s \(\d+ tasks of limit 5, 20 written, "
            r"20 with a PDF, 0 failed\), "
            r"workers. CPU [\d.]+ s \([\d.]+ cores; \d busy loops? just before got [\d.]+\), "
            r"load average [\d.]+ → [\d.]+$",
            proc.stdout,
            re.M,
        ), proc.stdout
    results = [
        json.loads(x.removeprefix("BENCH_RESULT "))
        for x in proc.stdout.splitlines()
        if x.startswith("BENCH_RESULT ")
    ]
    assert [r["figure"] for r in results] == [
        "20 e-mails with PDFs, 1 worker",
        "20 e-mails with PDFs, 2 workers",
        "e-mails 1 worker / 2 workers",
    ]
    assert results[0]["ok"] and results[1]["ok"]  # every e-mail sent, once, with its PDF
