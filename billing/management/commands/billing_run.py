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
        # The command reads the clock (the domain function is given its day): today is the
        # Moscow financial day (TIME_ZONE).
        today = timezone.localdate()
        try:
            run_day = date.fromisoformat(day) if day else today
        except ValueError:
            raise CommandError("--date: expected YYYY-MM-DD") from None
        if run_day > today:
            # A future day would close charges and renew periods ahead of time; payments
            # registered before that day then meet rows they never expected.
            raise CommandError(
                f"--date {run_day.isoformat()} is after today ({today.isoformat()}, Moscow): "
                "the billing run only runs for today or a past day"
            )
        result = billing_run(day=run_day)
        self.stdout.write(
            f"billing_run {result.day}: closed {result.charges_closed} charges "
            f"({result.amount_debited} RUB), renewed {result.renewed}, suspended "
            f"{result.suspended}, ended {result.ended}, cancelled {result.cancelled}"
        )
