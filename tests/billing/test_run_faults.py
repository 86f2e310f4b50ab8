"""billing_run under faults (issue 9, item 8): a day after today is refused before anything
is written; the task retries a database error with backoff."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, OperationalError

from billing import services
from billing.models import BalanceEntry, Charge
from billing.tasks import billing_run_task
from tests.factories import msk

pytestmark = pytest.mark.django_db


def test_billing_run_refuses_a_day_after_today_in_moscow(monkeypatch):
    from billing.management.commands import billing_run as command

    ran = []
    monkeypatch.setattr(command, "billing_run", lambda **kw: ran.append(kw))
    with (
        time_machine.travel(msk(2026, 12, 31, 23, 30), tick=False),
        pytest.raises(CommandError) as refused,
    ):
        call_command("billing_run", "--date", "2027-01-01")
    assert str(refused.value) == (
        "--date 2027-01-01 is after today (2026-12-31, Moscow): "
        "the billing run only runs for today or a past day"
    )
    assert ran == []
    assert (Charge.objects.count(), BalanceEntry.objects.count()) == (0, 0)


def test_billing_run_takes_today_and_past_days_in_moscow():
    # 00:10 on 1 January in Moscow is still 31 December in UTC: today is Moscow's.
    with time_machine.travel(msk(2027, 1, 1, 0, 10), tick=False):
        out = StringIO()
        call_command("billing_run", "--date", "2027-01-01", stdout=out)
        assert out.getvalue().startswith("billing_run 2027-01-01: closed 0 charges")
        out = StringIO()
        call_command("billing_run", stdout=out)
        assert out.getvalue().startswith("billing_run 2027-01-01: ")
        out = StringIO()
        call_command("billing_run", "--date", "2026-12-15", stdout=out)
        assert out.getvalue().startswith("billing_run 2026-12-15: ")


def test_billing_run_task_retries_a_database_error(monkeypatch):
    calls: list[date] = []
    real = services.billing_run

    def flaky(*, day):
        calls.append(day)
        if len(calls) < 3:
            raise OperationalError("server closed the connection unexpectedly")
        return real(day=day)

    monkeypatch.setattr(services, "billing_run", flaky)
    result = billing_run_task.apply(args=["2026-12-15"])
    assert result.successful()
    assert result.get()["day"] == "2026-12-15"
    assert calls == [date(2026, 12, 15)] * 3


def test_billing_run_task_backs_off_up_to_fifteen_minutes_eight_times():
    assert billing_run_task.autoretry_for == (DatabaseError,)
    assert billing_run_task.dont_autoretry_for == (IntegrityError,)
    assert (billing_run_task.retry_backoff, billing_run_task.retry_backoff_max) == (30, 900)
    assert (billing_run_task.retry_jitter, billing_run_task.max_retries) == (True, 8)


def test_billing_run_task_does_not_retry_an_integrity_error(monkeypatch):
    calls = []

    def broken(*, day):
        calls.append(day)
        raise IntegrityError("duplicate key")

    monkeypatch.setattr(services, "billing_run", broken)
    result = billing_run_task.apply(args=["2026-12-15"])
    assert result.failed()
    assert isinstance(result.result, IntegrityError)
    assert len(calls) == 1
