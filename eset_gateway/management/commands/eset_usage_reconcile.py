from datetime import date

from config.commands import MonthCommand
from eset_gateway.services import usage_reconcile


class Command(MonthCommand):
    help = (
        "The monthly seat-day reconciliation: compares ESET's usage report of a month with "
        "the platform's charged seat-days and records every difference."
    )

    def run(self, *, month: date) -> str:
        result = usage_reconcile(month=month)
        return (
            f"eset_usage_reconcile {month:%Y-%m}: compared={result.compared} "
            f"differences={result.differences} recorded={result.recorded}"
        )
