from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from billing.time import MOSCOW
from eset_gateway.services import licences_reconcile


class Command(BaseCommand):
    help = (
        "The nightly reconciliation of a day: compares every licence at ESET with the "
        "platform, records drift and repairs what the platform is sure of."
    )

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
        result = licences_reconcile(day=day)
        self.stdout.write(
            f"eset_reconcile {day.isoformat()}: licences checked={result.checked} "
            f"drifts={result.drifts} repaired={result.repaired} left={result.left}"
        )
