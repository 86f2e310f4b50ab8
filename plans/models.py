from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class BillingCycle(models.TextChoices):
    DAYS_30 = "30_days", _("30 дней")
    CALENDAR_MONTH = "calendar_month", _("календарный месяц")


class VendorPlan(models.Model):
    """The distributor's ESET catalogue entry (S1) with its Workplace resource (S3)."""

    name = models.CharField("название", max_length=200)
    # The catalogue's own code (the platform's, shown to people); ESET's is below.
    product_code = models.CharField("код продукта ESET", max_length=64, unique=True)
    # ESET's numeric product code, as its AvailableProducts lists it: what License/Order
    # is sent. Empty only on rows older than it; such a plan cannot be activated.
    eset_product_code = models.PositiveIntegerField(
        _("код продукта в ESET (AvailableProducts)"),
        null=True,
        validators=[MinValueValidator(1)],
    )
    description = models.TextField("описание", blank=True)
    min_seats = models.PositiveIntegerField("мин. рабочих мест", default=1)
    max_seats = models.PositiveIntegerField("макс. рабочих мест", default=1000)
    purchase_price = models.DecimalField(
        "закупочная цена за место в месяц",
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    billing_cycle = models.CharField(
        "цикл", max_length=16, choices=BillingCycle.choices, default=BillingCycle.DAYS_30
    )
    suspension_grace_days = models.PositiveIntegerField(
        "дней до отмены приостановленной подписки", default=30
    )
    is_available = models.BooleanField("доступен", default=True)

    class Meta:
        verbose_name = "тарифный план ESET"
        verbose_name_plural = "тарифные планы ESET"
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(min_seats__gte=1), name="vendorplan_min_seats_ge_1"),
            models.CheckConstraint(
                condition=Q(max_seats__gte=F("min_seats")), name="vendorplan_max_ge_min"
            ),
            models.CheckConstraint(
                condition=Q(purchase_price__gte=0), name="vendorplan_purchase_price_ge_0"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ResellerPlan(models.Model):
    """A reseller's copy of a vendor plan: activation (S2), seat price (S4), publication (S5)."""

    class Status(models.TextChoices):
        INACTIVE = "inactive", _("неактивен")
        ACTIVE = "active", _("активен")

    reseller = models.ForeignKey(
        "accounts.Reseller",
        on_delete=models.PROTECT,
        related_name="plans",
        verbose_name=_("реселлер"),
    )
    vendor_plan = models.ForeignKey(
        VendorPlan, on_delete=models.PROTECT, related_name="+", verbose_name=_("тарифный план ESET")
    )
    status = models.CharField(
        _("статус"), max_length=16, choices=Status.choices, default=Status.INACTIVE
    )
    # Null: not set; licences then sell at the purchase price, with no margin (S4).
    seat_price = models.DecimalField(
        "абонентская плата/ежемесячно", max_digits=12, decimal_places=2, null=True, blank=True
    )
    is_published = models.BooleanField("опубликован", default=False)
    activated_at = models.DateTimeField(_("активирован"), null=True, blank=True)
    updated_at = models.DateTimeField(_("изменён"), auto_now=True)

    class Meta:
        verbose_name = "тарифный план реселлера"
        verbose_name_plural = "тарифные планы реселлеров"
        ordering = ["vendor_plan__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["reseller", "vendor_plan"], name="resellerplan_unique"),
            models.CheckConstraint(
                condition=Q(seat_price__isnull=True) | Q(seat_price__gte=0),
                name="resellerplan_seat_price_ge_0",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor_plan.name} ({self.reseller})"

    @property
    def effective_seat_price(self) -> Decimal:
        return self.seat_price if self.seat_price is not None else self.vendor_plan.purchase_price

    @property
    def has_margin(self) -> bool:
        return self.seat_price is not None
