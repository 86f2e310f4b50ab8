"""Reads of the catalogue as one reseller sees it (S1-S4), scoped by the reseller passed in."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.utils.translation import gettext as _

from accounts.models import Reseller
from config.errors import NotFound
from orders.models import Subscription, SubscriptionStatus

from .models import ResellerPlan, VendorPlan

STATUS_FILTERS = ("active", "inactive")


def _visible_vendor_plans(*, reseller: Reseller) -> QuerySet[VendorPlan]:
    """The distributor's available plans, and any plan this reseller already has a copy of
    (a plan withdrawn from the catalogue stays visible to whoever sells it)."""
    own = ResellerPlan.objects.filter(reseller=reseller).values("vendor_plan_id")
    return VendorPlan.objects.filter(Q(is_available=True) | Q(pk__in=own))


def plan_catalogue(*, reseller: Reseller, status: str | None = None) -> QuerySet[VendorPlan]:
    """S1: the catalogue with this reseller's status, seat price and publication, one query.

    Each row carries `rp_id`, `rp_status`, `rp_seat_price`, `rp_is_published` (None when the
    reseller never activated the plan) and `no_margin` (active without a seat price, S4)."""
    mine = ResellerPlan.objects.filter(reseller=reseller, vendor_plan=OuterRef("pk"))
    rows = _visible_vendor_plans(reseller=reseller).annotate(
        rp_id=Subquery(mine.values("pk")[:1]),
        rp_status=Subquery(mine.values("status")[:1]),
        rp_seat_price=Subquery(mine.values("seat_price")[:1]),
        rp_is_published=Subquery(mine.values("is_published")[:1]),
    )
    rows = rows.annotate(
        no_margin=Case(
            When(
                rp_status=ResellerPlan.Status.ACTIVE, rp_seat_price__isnull=True, then=Value(True)
            ),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
    if status == "active":
        rows = rows.filter(rp_status=ResellerPlan.Status.ACTIVE)
    elif status == "inactive":
        rows = rows.filter(Q(rp_status__isnull=True) | Q(rp_status=ResellerPlan.Status.INACTIVE))
    return rows.order_by("name", "id")


@dataclass(frozen=True)
class PlanView:
    """A catalogue plan and this reseller's copy of it (None: never activated)."""

    vendor_plan: VendorPlan
    reseller_plan: ResellerPlan | None

    @property
    def is_active(self) -> bool:
        return (
            self.reseller_plan is not None
            and self.reseller_plan.status == ResellerPlan.Status.ACTIVE
        )

    @property
    def is_published(self) -> bool:
        return self.reseller_plan is not None and self.reseller_plan.is_published

    @property
    def seat_price(self) -> Decimal | None:
        return self.reseller_plan.seat_price if self.reseller_plan is not None else None

    @property
    def effective_seat_price(self) -> Decimal:
        """S4: without a seat price, licences sell at the purchase price."""
        price = self.seat_price
        return price if price is not None else self.vendor_plan.purchase_price

    @property
    def margin_per_seat(self) -> Decimal:
        return self.effective_seat_price - self.vendor_plan.purchase_price

    @property
    def no_margin(self) -> bool:
        return self.seat_price is None


def plan_get(*, reseller: Reseller, vendor_plan_id: int) -> PlanView:
    """A plan of the catalogue as this reseller sees it; never another reseller's copy."""
    vendor_plan = _visible_vendor_plans(reseller=reseller).filter(pk=vendor_plan_id).first()
    if vendor_plan is None:
        raise NotFound(_("Тарифный план не найден."), field="vendor_plan")
    reseller_plan = ResellerPlan.objects.filter(reseller=reseller, vendor_plan=vendor_plan).first()
    if reseller_plan is not None:
        reseller_plan.vendor_plan = vendor_plan
    return PlanView(vendor_plan=vendor_plan, reseller_plan=reseller_plan)


@dataclass(frozen=True)
class MarginQuote:
    """What a seat price earns (or loses) a month: per seat, at the plan's minimum and at
    the seats now active on the plan (§8: the loss-making price is a warning with numbers)."""

    seat_price: Decimal
    purchase_price: Decimal
    min_seats: int
    active_seats: int

    @property
    def per_seat(self) -> Decimal:
        return self.seat_price - self.purchase_price

    @property
    def per_month_min(self) -> Decimal:
        return self.per_seat * self.min_seats

    @property
    def per_month_active(self) -> Decimal:
        return self.per_seat * self.active_seats


def seat_price_margin(
    *, reseller: Reseller, reseller_plan: ResellerPlan, seat_price: Decimal
) -> MarginQuote:
    """The margin of `seat_price` on this reseller's plan (another reseller's plan: 404)."""
    if reseller_plan.reseller_id != reseller.pk:
        raise NotFound(_("Тарифный план не найден."), field="vendor_plan")
    active = Subscription.objects.filter(
        reseller_plan=reseller_plan, status=SubscriptionStatus.ACTIVE
    ).aggregate(seats=Sum("seats"))["seats"]
    vendor = reseller_plan.vendor_plan
    return MarginQuote(
        seat_price=seat_price,
        purchase_price=vendor.purchase_price,
        min_seats=vendor.min_seats,
        active_seats=int(active or 0),
    )


def plan_active_subscriptions(*, reseller: Reseller, reseller_plan: ResellerPlan) -> int:
    """How many of the plan's subscriptions run (active or suspended): what deactivating
    it leaves running on it."""
    if reseller_plan.reseller_id != reseller.pk:
        raise NotFound(_("Тарифный план не найден."), field="vendor_plan")
    return Subscription.objects.filter(
        reseller_plan=reseller_plan,
        status__in=[SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED],
    ).count()
