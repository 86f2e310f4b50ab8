from datetime import date

from billing.services import reminders_send
from config.commands import DayCommand


class Command(DayCommand):
    help = "The 10:00 renewal reminders of a day (DESIGN.md §4.10); once per period and threshold."
    requires_system_checks: list[str] = []

    def run(self, *, day: date) -> str:
        result = reminders_send(day=day)
        return (
            f"reminders_send {day.isoformat()}: reminded {result.reminded} subscriptions "
            f"({result.shortfall} RUB short), notifications {result.notifications}"
        )
