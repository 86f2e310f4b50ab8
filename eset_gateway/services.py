"""The gateway's services (DESIGN.md §5, §12), one module a concern:

- drain: executing the outbox (`gateway_drain`, `commands_retry_now`);
- sync: the gateway's half of the 00:30 sync (`sync_run`; billing.services.eset_sync
  hands it the seat changes to apply);
- catalogue: ESET's products (`available_products`), for the operator's admin;
- reconcile: the nightly licence reconciliation (`licences_reconcile`, `drift_decide`);
- usage: the monthly seat-day reconciliation (`usage_reconcile`).

The gateway imports no service of billing or orders (DESIGN.md §2).
"""

from .catalogue import available_products
from .drain import DrainResult, command_backoff, commands_retry_now, gateway_drain
from .drift import DriftDecision, drift_decide
from .reconcile import ReconcileResult, licences_reconcile
from .sync import SyncResult, sync_run
from .usage import UsageReconcileResult, usage_reconcile

__all__ = [
    "DrainResult",
    "DriftDecision",
    "ReconcileResult",
    "SyncResult",
    "UsageReconcileResult",
    "available_products",
    "command_backoff",
    "commands_retry_now",
    "drift_decide",
    "gateway_drain",
    "licences_reconcile",
    "sync_run",
    "usage_reconcile",
]
