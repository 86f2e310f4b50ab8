from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from billing.time import MOSCOW
from eset_gateway.services import eset_sync


class Command(BaseCommand):
    help = "The 00:30 ESET seat sync of a day: applies due seat changes, runs the outbox."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD (default: today in Moscow)")

    def handle(self, *args, **options):
        try:
            day = (
                date.fromisoformat(options["date"])
                if options["date"]
                else timezone.localdate(timezone=MOSCOW)
            )
        except ValueError as exc:
            raise CommandError(f"--date: expected YYYY-MM-DD ({exc})") from exc
        result = eset_sync(day=day)
        self.stdout.write(
            f"eset_sync {day.isoformat()}: seat changes applied={result.applied} "
            f"rejected={result.rejected}; commands done={result.commands_done} "
            f"retried={result.commands_retried} failed={result.commands_failed}"
        )
