"""Runs `manage.py ARGS` with the clock on a given Moscow day, for the processes that run a
scenario's day as the scheduler would on that day (`billing_run --date D` refuses a day
after today, and the scenarios' days are in 2027).

    python -m tests.at 2027-01-31 manage.py billing_run --date 2027-01-31
"""

from __future__ import annotations

import runpy
import sys
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine

ROOT = Path(__file__).resolve().parents[1]


def on_day(day: date) -> time_machine.travel:
    """The clock at 06:00 Moscow time of `day` (the safety run's hour), ticking."""
    return time_machine.travel(datetime.combine(day, time(6), ZoneInfo("Europe/Moscow")))


def main(argv: list[str]) -> int:
    day, script, *args = argv
    sys.path.insert(0, str(ROOT))
    sys.argv = [script, *args]
    with on_day(date.fromisoformat(day)):
        try:
            runpy.run_path(str(ROOT / script), run_name="__main__")
        except SystemExit as exit:
            return int(exit.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
