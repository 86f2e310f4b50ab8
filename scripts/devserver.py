#!/usr/bin/env python
"""Runs the platform for a developer: the Django web server, a Celery worker and Celery beat.

`make run` calls it after migrating and loading the demo data. It prints the URLs and the
demo logins, forwards Ctrl-C (and SIGTERM) to the three processes and, when any of them
dies, stops the others and exits with that process's code.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
STOP_TIMEOUT_SECONDS = 15


def _die_with_parent() -> None:
    """Child side: get SIGTERM if this script is killed outright (no orphan keeps the port)."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _commands(port: int, *, sqlite: bool) -> dict[str, list[str]]:
    python = sys.executable
    var_dir = BASE_DIR / "var"
    # SQLite allows one writer at a time: a single-process worker avoids lock waits (and so
    # runs one job at a time; EMAIL_TIMEOUT still bounds a stalled SMTP server). With
    # PostgreSQL four processes let the e-mail, ESET and billing queues run side by side;
    # prefork, because it is the pool that enforces the tasks' time limits.
    pool = ["--pool=solo"] if sqlite else ["--pool=prefork", "--concurrency=4"]
    from config.celery import QUEUES

    queues = ["-Q", ",".join(QUEUES)]
    return {
        "web": [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        "worker": [python, "-m", "celery", "-A", "config", "worker", "-l", "info", *queues, *pool],
        "beat": [
            python,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "-l",
            "info",
            "-s",
            str(var_dir / "celerybeat-schedule"),
        ],
    }


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def _uses_sqlite() -> bool:
    from django.conf import settings

    return bool(settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"))


def _banner(port: int) -> str:
    from django.urls import Resolver404, resolve

    from accounts.management.commands.seed_demo import demo_logins

    base = f"http://127.0.0.1:{port}"
    lines = ["", "ESET reseller platform is starting:"]
    for path, what in [
        ("/admin/", "operator admin"),
        ("/panel/", "reseller panel"),
        ("/portal/", "client portal"),
        ("/api/v1/", "REST API"),
        ("/eset-mock/_mock/", "mock ESET API controls"),
    ]:
        try:
            resolve(path)
        except Resolver404:
            lines.append(f"  {what:<40} {base}{path}  (coming in a later issue)")
        else:
            lines.append(f"  {what:<40} {base}{path}")
    lines.append("Demo logins (login / password):")
    for role, username, password in demo_logins():
        lines.append(f"  {role:<40} {username} / {password}")
    lines.append("Ctrl-C stops the web server, the worker and beat.")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    args = parser.parse_args()

    os.chdir(BASE_DIR)
    _django_setup()
    print(_banner(args.port), flush=True)
    commands = _commands(args.port, sqlite=_uses_sqlite())

    procs: dict[str, subprocess.Popen[bytes]] = {}
    stopping = False

    def forward(signum: int) -> None:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signum)

    def on_signal(signum: int, _frame: object) -> None:
        # Every Ctrl-C is passed on: a second one makes Celery stop without waiting for tasks.
        nonlocal stopping
        stopping = True
        forward(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    for name, command in commands.items():
        # Own session: a terminal's Ctrl-C reaches only this script, which forwards it once.
        procs[name] = subprocess.Popen(command, start_new_session=True, preexec_fn=_die_with_parent)

    exit_code = 0
    while all(proc.poll() is None for proc in procs.values()):
        time.sleep(0.5)
    for name, proc in procs.items():
        if proc.returncode is not None:
            if not stopping:
                print(f"devserver: {name} exited with code {proc.returncode}", file=sys.stderr)
                # Killed by a signal: the shell's convention, 128 + its number.
                code = proc.returncode
                exit_code = 128 - code if code < 0 else (code or 1)
            break
    # The others (and any started after a signal came) stop too.
    forward(signal.SIGTERM)

    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for proc in procs.values():
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
