from datetime import date

from config.commands import DayCommand
from eset_gateway.services import licences_reconcile


class Command(DayCommand):
    help = (
        "The nightly reconciliation of a day: compares every licence at ESET with the "
        "platform, records drift and repairs what the platform is sure of."
    )

    def run(self, *, day: date) -> str:
        result = licences_reconcile(day=day)
        return (
            f"eset_reconcile {day.isoformat()}: licences checked={result.checked} "
            f"drifts={result.drifts} repaired={result.repaired} left={result.left}"
        )
