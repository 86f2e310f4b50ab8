"""A billing run process killed with SIGKILL at random points, then run again (§4.7).

`manage.py billing_run --date D` runs in a subprocess against the test's database (on
PostgreSQL the test database, named to it through DATABASE_URL; on SQLite a file-backed
copy of a migrated database, since the in-memory test database is invisible to another
process). Each seed kills one run at a random SQL statement (tests/faults/killpoint.py:
before or after it runs, anywhere in the run, which is cut into several transactions) and
one after a random delay, checks the §4.7 invariants after each kill, then runs the day to
its end: everything a complete run does is done once, no charge closed twice, none due
left open."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from tests.faults import billing_world

ROOT = Path(__file__).resolve().parents[2]
DAY = billing_world.RUN_DAY.isoformat()
# Clients per transaction in the killed runs: the world's 22 clients span six of them in
# each phase of the run, so that kills land between commits as well as inside them.
CHUNK = "4"
RUN = ["--chunk", CHUNK, "--today", DAY, "--", "billing_run", "--date", DAY]
SEEDS = [11, 22, 33]

pytestmark = pytest.mark.django_db(transaction=True)

# Statements and seconds of one complete run (start-up included) over the world: the same
# for every seed's fresh copy, so measured once.
_measured: dict[str, tuple[int, float]] = {}


@dataclass
class Target:
    """The database the subprocesses work on."""

    url: str
    in_process: bool

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(DATABASE_URL=self.url, LOG_LEVEL="WARNING", CELERY_TASK_ALWAYS_EAGER="false")
        return env

    def start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.faults.killpoint", *args],
            cwd=ROOT,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(self, *args: str) -> subprocess.CompletedProcess:
        proc = self.start(*args)
        out, err = proc.communicate(timeout=120)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    def snapshot(self, *, complete: bool) -> dict[str, Any]:
        day = billing_world.RUN_DAY if complete else None
        if self.in_process:
            return billing_world.snapshot(day=day)
        done = self.run("--snapshot", DAY if complete else "-")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


def _postgres_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "postgres")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="module")
def sqlite_world(tmp_path_factory) -> Path | None:
    """On SQLite: a migrated file database holding the world, copied for each seed."""
    if settings.IS_POSTGRES:
        return None
    path = tmp_path_factory.mktemp("killed") / "world.sqlite3"
    target = Target(url=f"sqlite:///{path}", in_process=False)
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=target.env(),
        capture_output=True,
        text=True,
    )
    assert migrate.returncode == 0, migrate.stderr
    built = target.run("--build")
    assert built.returncode == 0, built.stderr
    return path


@pytest.fixture
def target(sqlite_world, tmp_path) -> Target:
    if sqlite_world is None:
        billing_world.build()  # committed: the test is transactional
        return Target(url=_postgres_url(), in_process=True)
    path = tmp_path / "db.sqlite3"
    shutil.copy(sqlite_world, path)
    return Target(url=f"sqlite:///{path}", in_process=False)


def _measure_a_run(target: Target) -> tuple[int, float]:
    """A complete run rolled back at its end: how many statements, how long."""
    if connection.vendor not in _measured:
        started = time.monotonic()
        counted = target.run("--count", *RUN)
        assert counted.returncode == 0, counted.stderr
        _measured[connection.vendor] = (
            int(counted.stdout.split()[-1]),
            time.monotonic() - started,
        )
    return _measured[connection.vendor]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_killed_billing_run_run_again_ends_as_a_complete_run(seed, target):
    rng = random.Random(seed)
    total, seconds = _measure_a_run(target)
    assert total > 30  # the run spans many statements and transactions

    # A kill at a random statement of the run: the first run has all of it to do.
    kill_at = rng.randint(1, total)
    after = rng.random() < 0.5
    killed = target.run("--kill-at", str(kill_at), *(["--after"] if after else []), *RUN)
    assert killed.returncode == -signal.SIGKILL, (kill_at, killed.stderr)
    assert target.snapshot(complete=False)["violations"] == []

    # A kill from outside after a random delay: during start-up, the run, or never.
    proc = target.start(*RUN)
    time.sleep(rng.uniform(0, seconds))
    proc.kill()
    proc.communicate(timeout=60)
    assert proc.returncode in (0, -signal.SIGKILL)
    assert target.snapshot(complete=False)["violations"] == []

    done = target.run(*RUN)
    assert done.returncode == 0, done.stderr
    assert target.snapshot(complete=True) == billing_world.expected()
