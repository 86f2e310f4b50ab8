"""Runs `manage.py ARGS` in this process with a kill point, for the crash tests.

    python -m tests.faults.killpoint [--kill-at K] [--after] [--chunk N] [--today D] \
        -- billing_run --date D
    python -m tests.faults.killpoint --count [--chunk N] [--today D] -- billing_run --date D
    python -m tests.faults.killpoint --build
    python -m tests.faults.killpoint --snapshot D|-

The database is DATABASE_URL's. --kill-at K: the process sends itself SIGKILL at its K-th
SQL statement (before it runs, or right after with --after): no exception, no rollback,
no atexit, exactly what a worker killed by the OOM killer or `kill -9` leaves. --count:
runs the command in a transaction rolled back at the end and prints how many statements it
ran (kill points are drawn from 1..that). Savepoints are not counted: they exist only in
the --count run. --chunk N: clients per transaction in the billing run (billing.services'
*CHUNK_CLIENTS), so that a small world spans several transactions. --build and --snapshot
run tests/faults/billing_world.py against that database (--snapshot -: without the
check that nothing due by the day is left open, which a killed run may leave).

Celery messages the command sends after commit (drain the outbox, send e-mails) go to an
in-memory broker and are lost with the process: the outbox rows stay, as when the broker
is unreachable, and the test never reaches a real worker.
"""

from __future__ import annotations

import argparse
import json
import os
import runpy
import signal
import sys
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
NOT_COUNTED = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


class KillPoint:
    """A database execute wrapper that counts statements and kills the process at one."""

    def __init__(self, *, kill_at: int | None, after: bool) -> None:
        self.kill_at = kill_at
        self.after = after
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.lstrip().upper().startswith(NOT_COUNTED):
            return execute(sql, params, many, context)
        self.count += 1
        hit = self.kill_at is not None and self.count == self.kill_at
        if hit and not self.after:
            os.kill(os.getpid(), signal.SIGKILL)
        result = execute(sql, params, many, context)
        if hit:
            os.kill(os.getpid(), signal.SIGKILL)
        return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.faults.killpoint")
    parser.add_argument("--kill-at", type=int)
    parser.add_argument("--after", action="store_true")
    parser.add_argument("--count", action="store_true")
    parser.add_argument("--chunk", type=int)
    parser.add_argument("--build", action="store_true")
    parser.add_argument("--snapshot")
    # The clock on that Moscow day (tests/at.py): the run's day is not after "today".
    parser.add_argument("--today", type=date.fromisoformat)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)
    command = options.command[1:] if options.command[:1] == ["--"] else options.command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from config.celery import app

    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://"

    from tests.faults import billing_world

    if options.build:
        billing_world.build()
        return 0
    if options.snapshot:
        day = None if options.snapshot == "-" else date.fromisoformat(options.snapshot)
        print(json.dumps(billing_world.snapshot(day=day)))
        return 0
    if options.chunk:
        from billing.services import ledger, runs

        # Whatever chunk sizes the run has (renewals, closing): all made small.
        modules = [ledger, runs]
        names = [(m, n) for m in modules for n in dir(m) if n.endswith("CHUNK_CLIENTS")]
        if not names:
            parser.error("--chunk: billing.services names no *CHUNK_CLIENTS any more")
        for module, name in names:
            setattr(module, name, options.chunk)
    point = KillPoint(kill_at=options.kill_at, after=options.after)
    if options.today:
        from tests.at import on_day

        on_day(options.today).start()
    with connection.execute_wrapper(point):
        if options.count:
            with transaction.atomic():
                call_command(*command)
                transaction.set_rollback(True)
            print(f"statements {point.count}")
            return 0
        sys.argv = ["manage.py", *command]
        try:
            runpy.run_path(str(ROOT / "manage.py"), run_name="__main__")
        except SystemExit as exit:
            return int(exit.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
