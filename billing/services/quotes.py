"""What a period would be and cost before anything is written (§4.1, §4.2, S7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from core.money import ZERO
from orders.models import Order
from plans.models import ResellerPlan

from ..calendar import ChargeSlice, period_charges, period_expires_on


@dataclass(frozen=True)
class PeriodQuote:
    """What a period starting on `starts_on` would be and cost, before anything is written."""

    starts_on: date
    expires_on: date
    seats: int
    seat_price: Decimal
    purchase_price: Decimal
    charges: tuple[ChargeSlice, ...]

    @property
    def total(self) -> Decimal:
        return sum((c.amount for c in self.charges), ZERO)

    @property
    def total_cost(self) -> Decimal:
        return sum((c.cost for c in self.charges), ZERO)

    @property
    def last_day(self) -> date:
        return self.expires_on - timedelta(days=1)


def period_quote(
    *, reseller_plan: ResellerPlan, seats: int, starts_on: date, anchor_day: int | None = None
) -> PeriodQuote:
    """A period at the reseller's current price (S4: the purchase price when none is set)."""
    vendor = reseller_plan.vendor_plan
    expires_on = period_expires_on(
        starts_on=starts_on, cycle=vendor.billing_cycle, anchor_day=anchor_day
    )
    seat_price = reseller_plan.effective_seat_price
    charges = period_charges(
        starts_on=starts_on,
        expires_on=expires_on,
        seats=seats,
        seat_price=seat_price,
        purchase_price=vendor.purchase_price,
    )
    return PeriodQuote(
        starts_on=starts_on,
        expires_on=expires_on,
        seats=seats,
        seat_price=seat_price,
        purchase_price=vendor.purchase_price,
        charges=tuple(charges),
    )


def order_quote(*, order: Order, day: date) -> Decimal:
    """S7: what activating the order would take if it started on `day`: its first period
    at today's price, exactly as activation quotes it (lifecycle.clients_serve)."""
    return period_quote(
        reseller_plan=order.reseller_plan, seats=order.seats, starts_on=day, anchor_day=day.day
    ).total
