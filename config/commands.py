"""What the day-based management commands share: `--date YYYY-MM-DD`, today in Moscow by
default. A command may read the clock; the domain functions it calls take the day."""

from __future__ import annotations

from datetime import date
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
