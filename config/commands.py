"""What the day-based management commands share: `--date YYYY-MM-DD`, today in Moscow by
default (and the month-based ones `--month YYYY-MM`, the month before by default). A
command may read the clock; the domain functions it calls take the day."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.clock import MOSCOW


class DayCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--date", dest="day", help="YYYY-MM-DD (default: today in Moscow)")

    def handle(self, *args: Any, day: str | None = None, **options: Any) -> None:
        try:
            run_day = date.fromisoformat(day) if day else timezone.localdate(timezone=MOSCOW)
        except ValueError as exc:
            raise CommandError(f"--date: expected YYYY-MM-DD ({exc})") from exc
        self.stdout.write(self.run(day=run_day))

    def run(self, *, day: date) -> str:
        raise NotImplementedError


class MonthCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument(
            "--month", dest="month", help="YYYY-MM (default: the month before, in Moscow)"
        )

    def handle(self, *args: Any, month: str | None = None, **options: Any) -> None:
        if month:
            try:
                year, number = month.split("-")
                if len(year) != 4 or len(number) != 2:
                    raise ValueError(month)
                run_month = date(int(year), int(number), 1)
            except ValueError as exc:
                raise CommandError(
                    f"--month: expected YYYY-MM, e.g. 2026-12, not {month!r}"
                ) from exc
        else:
            today = timezone.localdate(timezone=MOSCOW)
            run_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        self.stdout.write(self.run(month=run_month))

    def run(self, *, month: date) -> str:
        raise NotImplementedError
