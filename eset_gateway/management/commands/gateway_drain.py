from django.core.management.base import BaseCommand
from django.utils import timezone

from eset_gateway.services import gateway_drain


class Command(BaseCommand):
    help = "Executes the ESET commands due now (the outbox)."

    def handle(self, *args, **options):
        result = gateway_drain(at=timezone.now())
        self.stdout.write(
            f"gateway_drain: done={result.done} retried={result.retried} failed={result.failed}"
        )
