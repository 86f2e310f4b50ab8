from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.reasons import Reason, reason_text


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("черновик")
    CONFIRMED = "confirmed", _("подтверждён")
    COMPLETED = "completed", _("выполнен")
    CANCELLED = "cancelled", _("отменён")


class SubscriptionStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("ожидает оплаты")
    ACTIVE = "active", _("активна")
    SUSPENDED = "suspended", _("приостановлена")
    CANCELLED = "cancelled", _("отменена")


class SeatChangeStatus(models.TextChoices):
    PENDING = "pending", _("ожидает")
    APPLIED = "applied", _("применено")
    REJECTED = "rejected", _("отклонено")
    CANCELLED = "cancelled", _("отменено")


# The allowed moves of each status machine, in one place; services move statuses with
# compare-and-set updates that name the expected source status.
ORDER_TRANSITIONS: dict[str, set[str]] = {
    OrderStatus.DRAFT: {OrderStatus.CONFIRMED, OrderStatus.CANCELLED},
    OrderStatus.CONFIRMED: {OrderStatus.COMPLETED, OrderStatus.CANCELLED},
    OrderStatus.COMPLETED: set(),
    OrderStatus.CANCELLED: set(),
}
SUBSCRIPTION_TRANSITIONS: dict[str, set[str]] = {
    SubscriptionStatus.PENDING_PAYMENT: {SubscriptionStatus.ACTIVE, SubscriptionStatus.CANCELLED},
    SubscriptionStatus.ACTIVE: {SubscriptionStatus.SUSPENDED, SubscriptionStatus.CANCELLED},
    SubscriptionStatus.SUSPENDED: {SubscriptionStatus.ACTIVE, SubscriptionStatus.CANCELLED},
    SubscriptionStatus.CANCELLED: set(),
}
SEAT_CHANGE_TRANSITIONS: dict[str, set[str]] = {
    SeatChangeStatus.PENDING: {
        SeatChangeStatus.APPLIED,
        SeatChangeStatus.REJECTED,
        SeatChangeStatus.CANCELLED,
    },
    SeatChangeStatus.APPLIED: set(),
    SeatChangeStatus.REJECTED: set(),
    SeatChangeStatus.CANCELLED: set(),
}


class Order(models.Model):
    class Source(models.TextChoices):
        PANEL = "panel", _("панель реселлера")
        PORTAL = "portal", _("клиентский портал")
        API = "api", "API"

    client = models.ForeignKey(
        "accounts.Client", on_delete=models.PROTECT, related_name="orders", verbose_name=_("клиент")
    )
    reseller_plan = models.ForeignKey(
        "plans.ResellerPlan",
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("тарифный план"),
    )
    seats = models.PositiveIntegerField("рабочих мест")
    status = models.CharField(
        _("статус"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.DRAFT
    )
    source = models.CharField(
        _("источник"), max_length=16, choices=Source.choices, default=Source.PANEL
    )
    # What the first period would cost if it started on the confirmation day (S7).
    amount_due = models.DecimalField(
        _("к оплате"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("создал"),
    )
    created_at = models.DateTimeField(_("создан"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("подтверждён"), null=True, blank=True)
    completed_at = models.DateTimeField(_("выполнен"), null=True, blank=True)

    class Meta:
        verbose_name = "заказ"
        verbose_name_plural = "заказы"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1), name="order_seats_ge_1"),
            models.CheckConstraint(condition=Q(amount_due__gte=0), name="order_amount_due_ge_0"),
        ]

    def __str__(self) -> str:
        return f"Заказ №{self.pk}"


class Subscription(models.Model):
    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, related_name="subscription", verbose_name=_("заказ")
    )
    client = models.ForeignKey(
        "accounts.Client",
        on_delete=models.PROTECT,
        related_name="subscriptions",
        verbose_name=_("клиент"),
    )
    reseller_plan = models.ForeignKey(
        "plans.ResellerPlan",
        on_delete=models.PROTECT,
        related_name="subscriptions",
        verbose_name=_("тарифный план"),
    )
    seats = models.PositiveIntegerField("рабочих мест")
    status = models.CharField(
        _("статус"),
        max_length=20,
        choices=SubscriptionStatus.choices,
        default=SubscriptionStatus.PENDING_PAYMENT,
        db_index=True,
    )
    auto_renew = models.BooleanField("автопродление", default=True)
    # The day of month calendar-month periods are anchored on (§4.1); set at (re)activation.
    anchor_day = models.PositiveSmallIntegerField(_("день привязки периода"), null=True, blank=True)
    # Denormalised end (exclusive) of the latest period, so that the daily run finds the
    # periods ending on a day with one indexed query instead of one per subscription.
    expires_on = models.DateField(_("действует до (не включая)"), null=True, blank=True)
    suspended_on = models.DateField(_("приостановлена"), null=True, blank=True)
    cancelled_on = models.DateField(_("отменена"), null=True, blank=True)
    activated_at = models.DateTimeField(_("активирована"), null=True, blank=True)
    created_at = models.DateTimeField(_("создана"))

    class Meta:
        verbose_name = "подписка"
        verbose_name_plural = "подписки"
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "expires_on"], name="sub_status_expires")]
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1), name="subscription_seats_ge_1"),
        ]

    def __str__(self) -> str:
        return f"Подписка №{self.pk}"


class SeatChange(models.Model):
    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.PROTECT,
        related_name="seat_changes",
        verbose_name=_("подписка"),
    )
    seats = models.PositiveIntegerField("новое число мест")
    previous_seats = models.PositiveIntegerField("было мест")
    # The day of the 00:30 Moscow-time sync that applies it (S11).
    effective_on = models.DateField(_("вступает в силу"))
    status = models.CharField(
        _("статус"),
        max_length=16,
        choices=SeatChangeStatus.choices,
        default=SeatChangeStatus.PENDING,
    )
    requested_at = models.DateTimeField(_("запрошено"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("запросил"),
    )
    decided_on = models.DateField(_("решено"), null=True, blank=True)
    # Why it was rejected or cancelled: a code (core.reasons) and its parameters.
    reason = models.CharField(_("причина"), max_length=40, blank=True, choices=Reason.choices)
    reason_params = models.JSONField(_("параметры причины"), default=dict, blank=True)

    class Meta:
        verbose_name = "изменение числа мест"
        verbose_name_plural = "изменения числа мест"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription"],
                condition=Q(status="pending"),
                name="seatchange_one_pending_per_subscription",
            ),
            models.CheckConstraint(condition=Q(seats__gte=1), name="seatchange_seats_ge_1"),
        ]
        indexes = [models.Index(fields=["status", "effective_on"], name="seatchange_due")]

    def __str__(self) -> str:
        return f"{self.previous_seats} → {self.seats} ({self.effective_on})"

    @property
    def reason_display(self) -> str:
        return reason_text(self.reason, self.reason_params)

    reason_display.fget.short_description = _("причина")  # type: ignore[attr-defined]


class SubscriptionEvent(models.Model):
    """One row per status transition of a subscription (an audit trail)."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="events", verbose_name=_("подписка")
    )
    from_status = models.CharField(_("из статуса"), max_length=20, blank=True)
    to_status = models.CharField(_("в статус"), max_length=20)
    day = models.DateField(_("день"))
    reason = models.CharField(_("причина"), max_length=40, blank=True, choices=Reason.choices)
    reason_params = models.JSONField(_("параметры причины"), default=dict, blank=True)
    created_at = models.DateTimeField(_("записано"), auto_now_add=True)

    class Meta:
        verbose_name = "событие подписки"
        verbose_name_plural = "события подписок"
        ordering = ["id"]

    def __str__(self) -> str:
        def label(code: str) -> str:
            return (
                str(SubscriptionStatus(code).label) if code in SubscriptionStatus.values else code
            )

        return f"{label(self.from_status) or '—'} → {label(self.to_status)} ({self.day:%d.%m.%Y})"

    @property
    def reason_display(self) -> str:
        return reason_text(self.reason, self.reason_params)

    reason_display.fget.short_description = _("причина")  # type: ignore[attr-defined]
