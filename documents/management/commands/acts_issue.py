from datetime import date

from config.commands import MonthCommand
from documents.services import acts_issue


class Command(MonthCommand):
    help = (
        "The monthly acts: one act per client with charges closed in the month (by default "
        "the month before), numbered; a re-run issues nothing new."
    )

    def run(self, *, month: date) -> str:
        result = acts_issue(month=month)
        skipped = ",".join(str(pk) for pk in result.skipped_resellers) or "-"
        return (
            f"acts_issue {month:%Y-%m}: acts={result.acts} lines={result.lines} "
            f"total={result.total} notifications={result.notifications} "
            f"skipped_resellers={skipped}"
        )
