from datetime import date

from billing.services import eset_sync
from config.commands import DayCommand


class Command(DayCommand):
    help = "The 00:30 ESET seat sync of a day: applies due seat changes, runs the outbox."

    def run(self, *, day: date) -> str:
        result = eset_sync(day=day)
        return (
            f"eset_sync {day.isoformat()}: seat changes applied={result.applied} "
            f"rejected={result.rejected}; commands done={result.commands_done} "
            f"retried={result.commands_retried} failed={result.commands_failed}"
        )
