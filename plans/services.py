from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models.functions import Now
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import AuditAction, Reseller
from config.errors import Conflict, ValidationError
from config.formats import format_rub
from core.money import money_clean

from .models import ResellerPlan, VendorPlan


@transaction.atomic
def _audit(plan: ResellerPlan, action: str, before: dict, by) -> None:
    audit_record(
        action=action,
        reseller_id=plan.reseller_id,
        by=by,
        obj=plan,
        before=before,
        after={key: getattr(plan, key) for key in before},
    )


def reseller_plan_activate(*, reseller: Reseller, vendor_plan: VendorPlan, by=None) -> ResellerPlan:
    """S2: the reseller starts selling a catalogue plan. Activating twice is harmless."""
    if not vendor_plan.is_available:
        raise ValidationError(_("Тарифный план недоступен в каталоге."), field="vendor_plan")
    try:
        with transaction.atomic():
            plan, _created = ResellerPlan.objects.get_or_create(
                reseller=reseller, vendor_plan=vendor_plan
            )
    except IntegrityError:  # a concurrent activation created it first
        plan = ResellerPlan.objects.get(reseller=reseller, vendor_plan=vendor_plan)
    before = plan.status
    if ResellerPlan.objects.filter(pk=plan.pk, status=ResellerPlan.Status.INACTIVE).update(
        status=ResellerPlan.Status.ACTIVE, activated_at=Now()
    ):
        plan.refresh_from_db()
        _audit(plan, AuditAction.PLAN_STATUS_CHANGED, {"status": before}, by)
    return plan


@transaction.atomic
def reseller_plan_deactivate(*, reseller_plan: ResellerPlan, by=None) -> ResellerPlan:
    """Stops new orders; running subscriptions keep their plan. A deactivated plan is
    unpublished too: the portal must not offer what cannot be ordered."""
    reseller_plan.refresh_from_db()
    before = {"status": reseller_plan.status, "is_published": reseller_plan.is_published}
    ResellerPlan.objects.filter(pk=reseller_plan.pk).update(
        status=ResellerPlan.Status.INACTIVE, is_published=False
    )
    reseller_plan.refresh_from_db()
    _audit(reseller_plan, AuditAction.PLAN_STATUS_CHANGED, before, by)
    return reseller_plan


# The code a face answers when a price sells at a loss and nobody has confirmed it yet.
SEAT_PRICE_BELOW_COST = "seat_price_below_cost"


def seat_price_is_loss(*, seat_price: Decimal, purchase_price: Decimal) -> bool:
    """§8: below the purchase price, or free, needs a confirmation (0 ₽ is never a margin)."""
    return seat_price < purchase_price or seat_price == 0


@transaction.atomic
def reseller_plan_set_seat_price(
    *, reseller_plan: ResellerPlan, seat_price, by=None, confirm_loss: bool | None = None
) -> ResellerPlan:
    """S4: the monthly fee per seat. It applies to periods formed from now on.

    A price that sells at a loss is a decision the faces ask a person to confirm: they pass
    `confirm_loss` (False until the person confirmed), and then such a price is refused (409
    `seat_price_below_cost`) so that a typo like 7.80 for 78.00 does not go to every new
    period silently. A caller of the domain API (§12) that asks nobody passes nothing
    (None) and the price is saved as given."""
    price = money_clean(seat_price, field="seat_price", allow_zero=True)
    reseller_plan.refresh_from_db()
    purchase = reseller_plan.vendor_plan.purchase_price
    if confirm_loss is False and seat_price_is_loss(seat_price=price, purchase_price=purchase):
        text = (
            _(
                "Абонентская плата %(price)s: клиенты получат лицензии бесплатно, а закупка "
                "стоит %(purchase)s за место в месяц. Подтвердите."
            )
            if price == 0
            else _(
                "Абонентская плата %(price)s ниже закупочной цены %(purchase)s: "
                "подтвердите продажу в убыток."
            )
        ) % {"price": format_rub(price), "purchase": format_rub(purchase)}
        raise Conflict(text, field="seat_price", code=SEAT_PRICE_BELOW_COST)
    before = {"seat_price": reseller_plan.seat_price}
    ResellerPlan.objects.filter(pk=reseller_plan.pk).update(seat_price=price)
    reseller_plan.refresh_from_db()
    _audit(reseller_plan, AuditAction.SEAT_PRICE_CHANGED, before, by)
    return reseller_plan


@transaction.atomic
def reseller_plan_publish(*, reseller_plan: ResellerPlan, by=None) -> ResellerPlan:
    """S5: visible in the client portal. Only an active plan can be published."""
    updated = ResellerPlan.objects.filter(
        pk=reseller_plan.pk, status=ResellerPlan.Status.ACTIVE
    ).update(is_published=True)
    if not updated:
        raise Conflict(_("Сначала активируйте тарифный план."), field="reseller_plan")
    was_published = reseller_plan.is_published
    reseller_plan.refresh_from_db()
    if not was_published:
        _audit(reseller_plan, AuditAction.PLAN_PUBLICATION_CHANGED, {"is_published": False}, by)
    return reseller_plan


@transaction.atomic
def reseller_plan_unpublish(*, reseller_plan: ResellerPlan, by=None) -> ResellerPlan:
    if ResellerPlan.objects.filter(pk=reseller_plan.pk, is_published=True).update(
        is_published=False
    ):
        reseller_plan.refresh_from_db()
        _audit(reseller_plan, AuditAction.PLAN_PUBLICATION_CHANGED, {"is_published": True}, by)
    return reseller_plan
