"""billing's services (DESIGN.md §2, §4): the subscription lifecycle and the money.

- quotes: what a period would be and cost (no writes);
- ledger: the client lock, balances, available balance, ledger entries;
- lifecycle: status moves, serving waiting subscriptions, orders' hand-offs;
- payments: money in; corrections: reversals, refunds, adjustments (§4.8);
- cancellation: cancelling a subscription now (§4.9);
- seat_changes: requests applied at the 00:30 sync;
- runs: the nightly sync and the daily billing run;
- reminders: the 10:00 renewal reminders (§4.10).

The names below are the domain API (§12); faces import them from here.
"""

from core.money import ZERO, money

from .cancellation import CancelQuote, cancel_quote, subscription_cancel
from .corrections import (
    CorrectionQuote,
    adjustment_quote,
    balance_adjust,
    payment_reverse,
    refund_quote,
    refund_register,
    reversal_quote,
)
from .ledger import client_id_chunks, clients_available, clients_lock, ledger_append
from .lifecycle import (
    ServeResult,
    both_sides_specs,
    client_serve_waiting,
    subscription_cancel_pending,
    subscription_open,
    subscription_payload,
    subscriptions_activated,
    subscriptions_move,
    with_subscription_related,
)
from .payments import PaymentOutcome, payment_register, payment_register_outcome
from .payments_many import PaymentItem, PaymentsResult, payments_register_many
from .quotes import PeriodQuote, order_quote, period_quote
from .reminders import RemindersResult, reminders_send
from .runs import (
    BillingRunResult,
    billing_run,
    charges_close_due,
    eset_sync,
    periods_roll_over,
    run_moment,
    subscriptions_cancel_overdue,
)
from .seat_changes import (
    SeatChangeApplyResult,
    SeatDelta,
    open_charges_from,
    seat_changes_apply_due,
    seat_delta,
    seat_increase_extra,
)

__all__ = [
    "ZERO",
    "BillingRunResult",
    "CancelQuote",
    "CorrectionQuote",
    "PaymentItem",
    "PaymentOutcome",
    "PaymentsResult",
    "PeriodQuote",
    "RemindersResult",
    "SeatChangeApplyResult",
    "SeatDelta",
    "ServeResult",
    "adjustment_quote",
    "balance_adjust",
    "billing_run",
    "both_sides_specs",
    "cancel_quote",
    "charges_close_due",
    "client_id_chunks",
    "client_serve_waiting",
    "clients_available",
    "clients_lock",
    "eset_sync",
    "ledger_append",
    "money",
    "open_charges_from",
    "order_quote",
    "payment_register",
    "payment_register_outcome",
    "payment_reverse",
    "payments_register_many",
    "period_quote",
    "periods_roll_over",
    "refund_quote",
    "refund_register",
    "reminders_send",
    "reversal_quote",
    "run_moment",
    "seat_changes_apply_due",
    "seat_delta",
    "seat_increase_extra",
    "subscription_cancel",
    "subscription_cancel_pending",
    "subscription_open",
    "subscription_payload",
    "subscriptions_activated",
    "subscriptions_cancel_overdue",
    "subscriptions_move",
    "with_subscription_related",
]
