"""The runtime around the code (DESIGN.md §6-7): the beat schedule in Moscow time, the task
names it sends existing in the worker's registry, the management commands the README
names, and the scripts `make run`, `make test` and CI run."""

from __future__ import annotations

import copy
import os
import re
import stat
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import get_commands

from config.celery import (
    ACTS_ISSUE_TASK,
    BILLING_RUN_TASK,
    EMAIL_DRAIN_TASK,
    ESET_SYNC_TASK,
    FORM_SUBMISSIONS_PURGE_TASK,
    GATEWAY_DRAIN_TASK,
    IDEMPOTENCY_PURGE_TASK,
    NIGHTLY_TASK,
    ORDER_DRAFTS_PURGE_TASK,
    RECONCILE_TASK,
    REMINDERS_TASK,
    USAGE_RECONCILE_TASK,
)
from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
MOSCOW = ZoneInfo("Europe/Moscow")
UTC = ZoneInfo("UTC")


def entry_for(task: str) -> dict:
    entries = [e for e in celery_app.conf.beat_schedule.values() if e["task"] == task]
    assert len(entries) == 1, f"{task}: {len(entries)} beat entries"
    return entries[0]


def is_due(task: str, *, last_run: datetime, now: datetime) -> bool:
    schedule = copy.copy(entry_for(task)["schedule"])
    schedule.nowfun = lambda: now
    return schedule.is_due(last_run).is_due


def test_celery_runs_in_moscow_time():
    assert celery_app.conf.timezone == "Europe/Moscow"
    assert celery_app.conf.enable_utc is False


def test_nightly_run_fires_at_00_30_moscow_time():
    last = datetime(2026, 12, 30, 0, 30, 1, tzinfo=MOSCOW)
    assert not is_due(NIGHTLY_TASK, last_run=last, now=datetime(2026, 12, 31, 0, 29, tzinfo=MOSCOW))
    assert is_due(NIGHTLY_TASK, last_run=last, now=datetime(2026, 12, 31, 0, 30, 5, tzinfo=MOSCOW))
    # 00:30 in Moscow is 21:30 UTC the evening before; 00:30 UTC is too late (03:30 MSK).
    assert is_due(NIGHTLY_TASK, last_run=last, now=datetime(2026, 12, 30, 21, 30, 5, tzinfo=UTC))
    assert not is_due(
        NIGHTLY_TASK,
        last_run=datetime(2026, 12, 30, 21, 30, 5, tzinfo=UTC),
        now=datetime(2026, 12, 31, 0, 30, 5, tzinfo=UTC),
    )


def test_safety_billing_run_fires_at_06_00_moscow_time():
    last = datetime(2026, 12, 30, 6, 0, 1, tzinfo=MOSCOW)
    assert not is_due(
        BILLING_RUN_TASK, last_run=last, now=datetime(2026, 12, 31, 5, 59, tzinfo=MOSCOW)
    )
    assert is_due(
        BILLING_RUN_TASK, last_run=last, now=datetime(2026, 12, 31, 6, 0, 5, tzinfo=MOSCOW)
    )
    assert is_due(BILLING_RUN_TASK, last_run=last, now=datetime(2026, 12, 31, 3, 0, 5, tzinfo=UTC))


def test_renewal_reminders_fire_at_10_00_moscow_time():
    last = datetime(2026, 12, 30, 10, 0, 1, tzinfo=MOSCOW)
    assert not is_due(
        REMINDERS_TASK, last_run=last, now=datetime(2026, 12, 31, 9, 59, tzinfo=MOSCOW)
    )
    assert is_due(
        REMINDERS_TASK, last_run=last, now=datetime(2026, 12, 31, 10, 0, 5, tzinfo=MOSCOW)
    )
    # 10:00 in Moscow is 07:00 UTC.
    assert is_due(REMINDERS_TASK, last_run=last, now=datetime(2026, 12, 31, 7, 0, 5, tzinfo=UTC))


@pytest.mark.parametrize("task", [GATEWAY_DRAIN_TASK, EMAIL_DRAIN_TASK])
def test_outbox_drains_fire_every_minute(task):
    last = datetime(2026, 12, 31, 12, 0, 1, tzinfo=MOSCOW)
    assert not is_due(task, last_run=last, now=datetime(2026, 12, 31, 12, 0, 40, tzinfo=MOSCOW))
    assert is_due(task, last_run=last, now=datetime(2026, 12, 31, 12, 1, 2, tzinfo=MOSCOW))


def test_the_usage_reconciliation_fires_on_the_3rd_of_each_month_moscow_time():
    last = datetime(2026, 12, 3, 5, 0, 1, tzinfo=MOSCOW)
    assert not is_due(
        USAGE_RECONCILE_TASK, last_run=last, now=datetime(2027, 1, 2, 5, 0, 5, tzinfo=MOSCOW)
    )
    assert not is_due(
        USAGE_RECONCILE_TASK, last_run=last, now=datetime(2027, 1, 3, 4, 59, tzinfo=MOSCOW)
    )
    assert is_due(
        USAGE_RECONCILE_TASK, last_run=last, now=datetime(2027, 1, 3, 5, 0, 5, tzinfo=MOSCOW)
    )


def test_the_monthly_acts_fire_on_the_1st_after_the_night_and_its_safety_run():
    last = datetime(2026, 12, 1, 7, 0, 1, tzinfo=MOSCOW)
    assert not is_due(
        ACTS_ISSUE_TASK, last_run=last, now=datetime(2026, 12, 31, 7, 0, 5, tzinfo=MOSCOW)
    )
    # Not before the 06:00 safety run of the 1st has had its chance to close the month.
    assert not is_due(
        ACTS_ISSUE_TASK, last_run=last, now=datetime(2027, 1, 1, 6, 59, tzinfo=MOSCOW)
    )
    assert is_due(ACTS_ISSUE_TASK, last_run=last, now=datetime(2027, 1, 1, 7, 0, 5, tzinfo=MOSCOW))


def test_the_schedule_has_nothing_else():
    tasks = sorted(e["task"] for e in celery_app.conf.beat_schedule.values())
    assert tasks == sorted(
        [
            NIGHTLY_TASK,
            BILLING_RUN_TASK,
            RECONCILE_TASK,
            USAGE_RECONCILE_TASK,
            GATEWAY_DRAIN_TASK,
            EMAIL_DRAIN_TASK,
            IDEMPOTENCY_PURGE_TASK,
            REMINDERS_TASK,
            ORDER_DRAFTS_PURGE_TASK,
            FORM_SUBMISSIONS_PURGE_TASK,
            ACTS_ISSUE_TASK,
        ]
    )


@pytest.mark.parametrize(
    ("task", "hour", "minute"),
    [(ORDER_DRAFTS_PURGE_TASK, 4, 30), (FORM_SUBMISSIONS_PURGE_TASK, 4, 45)],
)
def test_the_housekeeping_purges_fire_daily_in_the_night_moscow_time(task, hour, minute):
    last = datetime(2026, 12, 30, hour, minute, 1, tzinfo=MOSCOW)
    before = datetime(2026, 12, 31, hour, minute - 1, tzinfo=MOSCOW)
    assert not is_due(task, last_run=last, now=before)
    assert is_due(task, last_run=last, now=datetime(2026, 12, 31, hour, minute, 5, tzinfo=MOSCOW))


def test_every_scheduled_task_is_registered_after_autodiscovery():
    celery_app.loader.import_default_modules()
    registered = set(celery_app.tasks)
    expected = {
        NIGHTLY_TASK,
        BILLING_RUN_TASK,
        ESET_SYNC_TASK,
        GATEWAY_DRAIN_TASK,
        EMAIL_DRAIN_TASK,
        REMINDERS_TASK,
    }
    assert expected <= registered, expected - registered
    for entry in celery_app.conf.beat_schedule.values():
        assert entry["task"] in registered


def test_the_management_commands_the_readme_names_exist():
    commands = get_commands()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in (
        "billing_run",
        "reminders_send",
        "eset_sync",
        "eset_reconcile",
        "eset_usage_reconcile",
        "check_ledger",
        "seed_demo",
        "gateway_drain",
    ):
        assert name in commands, name
        assert f"manage.py {name}" in readme, name


def test_readme_documents_every_setting_read_from_the_environment():
    settings_py = (ROOT / "config" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z_]+)\"", settings_py))
    assert {"DATABASE_URL", "REDIS_URL", "ESET_API_URL", "SECRET_KEY"} <= names
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    undocumented = sorted(n for n in names if f"`{n}`" not in readme)
    assert undocumented == []


def make_dry_run(*args: str) -> str:
    result = subprocess.run(
        ["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout


def test_make_targets_exist_and_run_what_they_say():
    assert "pytest" in make_dry_run("test")
    lint = make_dry_run("lint")
    assert "ruff check" in lint and "ruff format --check" in lint and "mypy" in lint
    run = make_dry_run("run", "PORT=8123")
    assert "manage.py migrate" in run and "manage.py seed_demo" in run
    assert "scripts/devserver.py --port 8123" in run


def test_make_install_is_a_no_op_when_nothing_changed():
    stamp = ROOT / ".venv" / ".installed"
    if not stamp.exists() or stamp.stat().st_mtime < (ROOT / "pyproject.toml").stat().st_mtime:
        pytest.skip("the venv was not installed by `make install`")
    assert "pip install" not in make_dry_run("install")


def test_ci_script_is_strict_and_executable():
    script = ROOT / ".ci" / "run"
    assert script.stat().st_mode & stat.S_IXUSR
    text = script.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash")
    assert "set -euo pipefail" in text
    assert "make test" in text
    subprocess.run(["bash", "-n", str(script)], check=True)


def test_devserver_starts_web_worker_and_beat():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import devserver
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    commands = devserver._commands(8123, sqlite=True)
    assert set(commands) == {"web", "worker", "beat"}
    assert "--pool=solo" in commands["worker"]
    # Prefork with PostgreSQL: the one pool that enforces the tasks' time limits.
    postgres = devserver._commands(8123, sqlite=False)["worker"]
    assert "--pool=prefork" in postgres
    # The worker consumes every queue (e-mail, ESET, billing), whatever the database.
    for worker in (commands["worker"], postgres):
        assert worker[worker.index("-Q") + 1] == "email,eset,billing"
    assert commands["web"][-2:] == ["127.0.0.1:8123", "--noreload"]
    assert commands["worker"][2:6] == ["celery", "-A", "config", "worker"]
    assert commands["beat"][2:6] == ["celery", "-A", "config", "beat"]
    help_text = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "devserver.py"), "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ},
    ).stdout
    assert "--port" in help_text


def compose_services() -> dict[str, str]:
    """docker-compose.yml's services, each with its text (no YAML parser is installed)."""
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    body = text.split("\nservices:\n", 1)[1].split("\nvolumes:\n", 1)[0]
    services: dict[str, str] = {}
    name = None
    for line in body.splitlines():
        match = re.match(r"^  ([a-z][\w-]*):\s*$", line)
        if match:
            name = match.group(1)
            services[name] = ""
        elif name:
            services[name] += line + "\n"
    return services


def test_compose_has_one_beat_and_health_checks_everywhere():
    services = compose_services()
    assert set(services) == {"postgres", "redis", "web", "worker", "beat", "eset-mock"}
    for name, text in services.items():
        assert "healthcheck:" in text, name
    assert "postgres:15" in services["postgres"]
    assert "redis:7" in services["redis"]
    for name in ("web", "worker", "beat", "eset-mock"):
        assert "<<: *app" in services[name], name
    assert "replicas: 1" in services["beat"]
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    # ESET is another host: the mock is its own service, and the platform does not serve it.
    assert "ESET_API_URL: http://eset-mock:8000/eset-mock/api/" in text
    assert "ESET_MOCK_ENABLED:" not in text.split("\nservices:\n", 1)[0]
    for name in ("web", "worker", "beat"):
        assert "ESET_MOCK_ENABLED:" not in services[name], name
    assert 'ESET_MOCK_ENABLED: "true"' in services["eset-mock"]
    assert "DJANGO_SETTINGS_MODULE: config.settings_eset_mock" in services["eset-mock"]
    assert "celery -A config beat" in services["beat"]
    assert "celery -A config worker" in services["worker"]
    assert "-Q email,eset,billing" in services["worker"]
