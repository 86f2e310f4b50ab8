"""What the bench modules share: the bench database (built beside DATABASE_URL's, on the
same server), the environment's parameters, subprocess timing with peak RSS, and the
BENCH_RESULT protocol that `tests/bench/run.py` reads.

Not collected by pytest (no test_*.py here): the benchmarks run only through `make bench`.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BENCH_SECRET_KEY = secrets.token_urlsafe(50)


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        sys.exit(f"bench: {name} must be an integer, got {raw!r}")
    if value < 1:
        sys.exit(f"bench: {name} must be at least 1, got {value}")
    return value


def server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "bench: DATABASE_URL must point at PostgreSQL "
            "(e.g. postgres://postgres@127.0.0.1:5432/eset_platform); "
            "the benchmarks build their own database on that server"
        )
    return url


def bench_db_name() -> str:
    """The benchmark's own database (dropped and recreated): BENCH_DATABASE, default
    eset_bench. Never the database DATABASE_URL names."""
    name = os.environ.get("BENCH_DATABASE", "eset_bench").strip()
    if not name.replace("_", "").isalnum():
        sys.exit(f"bench: BENCH_DATABASE must be a plain identifier, got {name!r}")
    if name == urlsplit(server_url()).path.lstrip("/"):
        sys.exit("bench: BENCH_DATABASE must differ from DATABASE_URL's database")
    return name


def db_url(name: str) -> str:
    parts = urlsplit(server_url())
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def connect(name: str):
    parts = urlsplit(db_url(name))
    conn = psycopg2.connect(
        dbname=name,
        user=parts.username or "postgres",
        password=parts.password or None,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
    )
    return conn


def maintenance_execute(*statements: str) -> None:
    """Runs statements outside a transaction on the server's `postgres` database."""
    conn = connect("postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            for sql in statements:
                cur.execute(sql)
    finally:
        conn.close()


def recreate_db(name: str, *, template: str | None = None) -> None:
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    create = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
    maintenance_execute(drop, create)


def drop_db(name: str) -> None:
    maintenance_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def child_env(name: str, **extra: str) -> dict[str, str]:
    """The environment of a project process working on the bench database."""
    env = dict(os.environ)
    env["DATABASE_URL"] = db_url(name)
    env.setdefault("LOG_LEVEL", "WARNING")
    env["DEBUG"] = "false"
    # DEBUG off needs a key of its own; the bench's processes share one so that a session
    # signed by one is read by another. They talk plain HTTP on loopback: no HTTPS settings.
    env.setdefault("SECRET_KEY", BENCH_SECRET_KEY)
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        env.setdefault(name, "false")
    env.setdefault("SECURE_HSTS_SECONDS", "0")
    # ESET is the mock for the benchmarks (in-process, or the server bench_sync starts):
    # with DEBUG off it must be enabled outright, or the settings refuse to start.
    env.setdefault("ESET_MOCK_ENABLED", "true")
    # No worker serves the bench: what its processes ask of one must not outlive them.
    env["CELERY_BROKER_URL"] = "memory://"
    env.update(extra)
    return env


def manage(name: str, *args: str) -> None:
    subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=child_env(name), check=True, stdout=sys.stderr
    )


@dataclass(frozen=True)
class Timed:
    seconds: float
    peak_mb: float
    stdout: str


# Started by a fresh interpreter: a child forked from the bench process itself would count
# the bench's own pages (the generated data) in its peak RSS until it execs.
_TIMER = """
import json, os, subprocess, sys, time
started = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(proc.pid, 0)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "maxrss_kb": usage.ru_maxrss,
                  "code": os.waitstatus_to_exitcode(status)}), file=sys.stderr)
"""


def run_timed(cmd: Sequence[str], *, env: dict[str, str]) -> Timed:
    """Runs one process to its end; its wall time and its own peak RSS (wait4 reports the
    child's rusage, so neither the bench nor its earlier subprocesses count)."""
    proc = subprocess.run(
        [PYTHON, "-c", _TIMER, *cmd],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    *errors, last = proc.stderr.strip().splitlines() or [""]
    try:
        report = json.loads(last)
    except ValueError:
        report = {"code": proc.returncode or 1}
        errors.append(last)
    if errors:
        sys.stderr.write("\n".join(errors) + "\n")
    if report["code"]:
        raise SystemExit(f"bench: {' '.join(cmd)} failed with {report['code']}")
    return Timed(seconds=report["seconds"], peak_mb=report["maxrss_kb"] / 1024, stdout=proc.stdout)


def copy_rows(cur, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY rows (already text, None for NULL) into a table; returns how many."""
    buf = StringIO()
    n = 0
    for row in rows:
        buf.write("\t".join(r"\N" if v is None else _copy_text(v) for v in row))
        buf.write("\n")
        n += 1
    buf.seek(0)
    cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buf)
    return n


def _copy_text(value) -> str:
    text = value if isinstance(value, str) else str(value)
    if any(c in text for c in "\\\t\n\r"):
        text = (
            text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "")
        )
    return text


def result(*, figure: str, value: float, unit: str, target: str, ok: bool, **extra) -> None:
    """One line per figure for run.py's summary table."""
    print(
        "BENCH_RESULT "
        + json.dumps(
            {"figure": figure, "value": value, "unit": unit, "target": target, "ok": ok, **extra},
            ensure_ascii=False,
        ),
        flush=True,
    )


def say(line: str) -> None:
    print(line, flush=True)
