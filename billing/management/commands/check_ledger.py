import sys
from collections import defaultdict

from django.core.management.base import BaseCommand

from billing.invariants import all_violations


class Command(BaseCommand):
    help = "Checks the ledger and schedule invariants (§4.7); exits 1 with a per-client report."

    def handle(self, *args, **options):
        violations = all_violations()
        if not violations:
            self.stdout.write("ledger OK")
            return
        by_client = defaultdict(list)
        for v in violations:
            by_client[v.client_id].append(v)
        for client_id, items in sorted(by_client.items(), key=lambda kv: kv[0] or 0):
            self.stdout.write(f"client {client_id}:")
            for v in items:
                self.stdout.write(f"  [{v.rule}] {v.detail}")
        self.stderr.write(f"{len(violations)} mismatch(es)")
        sys.exit(1)
