from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from billing.services import billing_run


class Command(BaseCommand):
    help = "Runs the daily billing for a financial day (default: today in Moscow)."
    # A scheduled job, not a development tool: the system checks (a few hundred ms of
    # introspection on every start) are for `manage.py check` and the web server.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--date", dest="day", help="YYYY-MM-DD")

    def handle(self, *args, day=None, **options):
        try:
            run_day = date.fromisoformat(day) if day else timezone.localdate()
        except ValueError:
            raise CommandError("--date: expected YYYY-MM-DD") from None
        result = billing_run(day=run_day)
        self.stdout.write(
            f"billing_run {result.day}: closed {result.charges_closed} charges "
            f"({result.amount_debited} RUB), renewed {result.renewed}, suspended "
            f"{result.suspended}, ended {result.ended}, cancelled {result.cancelled}"
        )
