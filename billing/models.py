from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.reasons import Reason


class Payment(models.Model):
    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("банковский перевод")
        CARD = "card", _("карта")
        CASH = "cash", _("наличные")
        OTHER = "other", _("другое")

    client = models.ForeignKey(
        "accounts.Client",
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("клиент"),
    )
    order = models.ForeignKey(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("заказ"),
    )
    amount = models.DecimalField("сумма", max_digits=14, decimal_places=2)
    method = models.CharField(
        _("способ оплаты"), max_length=20, choices=Method.choices, default=Method.BANK_TRANSFER
    )
    reference = models.CharField("основание", max_length=200, blank=True)
    paid_at = models.DateTimeField(_("оплачен"))
    day = models.DateField("финансовый день")
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("зарегистрировал"),
    )
    created_at = models.DateTimeField(_("зарегистрирован"), auto_now_add=True)

    class Meta:
        verbose_name = "платёж"
        verbose_name_plural = "платежи"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_gt_0"),
        ]

    def __str__(self) -> str:
        return f"Платёж №{self.pk}: {self.amount}"


class BalanceEntry(models.Model):
    """The append-only ledger. The client's cached balance is the sum of its entries."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("платёж")
        CHARGE = "charge", _("списание")
        REVERSAL = "reversal", _("сторно платежа")
        REFUND = "refund", _("возврат")
        ADJUSTMENT = "adjustment", _("корректировка")

    client = models.ForeignKey(
        "accounts.Client", on_delete=models.PROTECT, related_name="ledger", verbose_name=_("клиент")
    )
    kind = models.CharField(_("вид"), max_length=16, choices=Kind.choices)
    amount = models.DecimalField(_("сумма"), max_digits=14, decimal_places=2)
    balance_after = models.DecimalField(_("баланс после"), max_digits=14, decimal_places=2)
    # One entry per payment and one per charge: the database refuses a second.
    payment = models.OneToOneField(
        Payment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entry",
        verbose_name=_("платёж"),
    )
    charge = models.OneToOneField(
        "billing.Charge",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entry",
        verbose_name=_("списание"),
    )
    # A reversal names the payment it takes back; unique: a payment is reversed once.
    reversed_payment = models.OneToOneField(
        Payment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversal_entry",
        verbose_name=_("сторнированный платёж"),
    )
    # Why a correction was made: a code (core.reasons) and, for a refund, the bank's
    # reference of the money paid back.
    # Database defaults: the daily run inserts its entries with plain SQL (runs.py).
    reason = models.CharField(
        _("причина"), max_length=40, blank=True, default="", db_default="", choices=Reason.choices
    )
    reference = models.CharField(
        _("основание"), max_length=200, blank=True, default="", db_default=""
    )
    day = models.DateField(_("день"))
    # Indexed only where set (Meta.indexes): the daily run writes one entry per charge, all
    # without an author, and each would otherwise pay for an index entry of its NULL.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        verbose_name=_("записал"),
    )
    created_at = models.DateTimeField(_("записано"), auto_now_add=True)

    class Meta:
        verbose_name = "запись журнала баланса"
        verbose_name_plural = "журнал баланса"
        ordering = ["id"]
        constraints = [
            # A charge of a free plan still gets its (zero) entry: every closed charge has
            # exactly one ledger entry (§4.7).
            models.CheckConstraint(
                condition=(
                    Q(kind="payment", payment__isnull=False, amount__gt=0)
                    | Q(kind="charge", charge__isnull=False, amount__lte=0)
                    | Q(kind="reversal", reversed_payment__isnull=False, amount__lt=0)
                    | Q(kind="refund", amount__lt=0)
                    | Q(kind="adjustment") & ~Q(amount=0)
                ),
                name="balanceentry_kind_matches_link",
            ),
        ]
        indexes = [
            # A user's deletion (SET_NULL) finds the entries it authored by this one.
            models.Index(
                fields=["created_by"],
                condition=Q(created_by__isnull=False),
                name="balanceentry_created_by",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} → {self.balance_after}"


class ServicePeriod(models.Model):
    subscription = models.ForeignKey(
        "orders.Subscription",
        on_delete=models.PROTECT,
        related_name="periods",
        verbose_name=_("подписка"),
    )
    starts_on = models.DateField(_("начало"))
    expires_on = models.DateField(
        _("до (не включая)"), help_text="exclusive: the next period starts this day"
    )
    # Prices frozen for the period: a later price change applies from the next period.
    seat_price = models.DecimalField(_("абонентская плата"), max_digits=12, decimal_places=2)
    purchase_price = models.DecimalField(_("закупочная цена"), max_digits=12, decimal_places=2)
    # The last day billed when the subscription was cancelled during the period (§4.9):
    # its charges then cover starts_on … cut_on.
    cut_on = models.DateField(_("сокращён с"), null=True, blank=True)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)

    class Meta:
        verbose_name = "сервисный период"
        verbose_name_plural = "сервисные периоды"
        ordering = ["starts_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "starts_on"], name="serviceperiod_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gt=F("starts_on")), name="serviceperiod_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(seat_price__gte=0, purchase_price__gte=0),
                name="serviceperiod_prices_ge_0",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on} – {self.expires_on}"


class ChargeStatus(models.TextChoices):
    OPEN = "open", _("открыто")
    CLOSED = "closed", _("закрыто")
    CANCELLED = "cancelled", _("аннулировано")


class Charge(models.Model):
    # Closing a charge rewrites its row in every index of the table (its status is indexed),
    # so the table keeps no index another one already covers: the subscription is the head
    # of the unique (subscription, date_from), the client of (client, status).
    subscription = models.ForeignKey(
        "orders.Subscription",
        on_delete=models.PROTECT,
        related_name="charges",
        db_index=False,
        verbose_name=_("подписка"),
    )
    period = models.ForeignKey(
        ServicePeriod,
        on_delete=models.PROTECT,
        related_name="charges",
        verbose_name=_("сервисный период"),
    )
    # Denormalised from the subscription: the daily run and the available balance sum a
    # client's open charges without joining through subscriptions.
    client = models.ForeignKey(
        "accounts.Client",
        on_delete=models.PROTECT,
        related_name="charges",
        db_index=False,
        verbose_name=_("клиент"),
    )
    date_from = models.DateField(_("с даты"))
    date_to = models.DateField(_("по дату"), help_text="inclusive")
    closes_on = models.DateField(_("закрывается"))
    # Σ over the charge's days of the seats billed that day; amount and cost derive from it
    # and the period's prices (DESIGN.md §4.2), so a seat change only moves this number.
    seat_days = models.PositiveIntegerField(_("место-дни"))
    amount = models.DecimalField(_("сумма"), max_digits=14, decimal_places=2)
    cost = models.DecimalField(_("себестоимость"), max_digits=14, decimal_places=2)
    status = models.CharField(
        _("статус списания"), max_length=16, choices=ChargeStatus.choices, default=ChargeStatus.OPEN
    )
    closed_on = models.DateField(_("закрыто"), null=True, blank=True)
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)

    class Meta:
        verbose_name = "списание"
        verbose_name_plural = "списания"
        ordering = ["date_from", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "date_from"], name="charge_unique_subscription_day"
            ),
            models.CheckConstraint(condition=Q(date_to__gte=F("date_from")), name="charge_days"),
            models.CheckConstraint(condition=Q(closes_on__gte=F("date_to")), name="charge_closes"),
            models.CheckConstraint(condition=Q(amount__gte=0, cost__gte=0), name="charge_amounts"),
            models.CheckConstraint(
                condition=Q(status="closed", closed_on__isnull=False) | ~Q(status="closed"),
                name="charge_closed_has_day",
            ),
        ]
        indexes = [
            # Open charges only: a closed charge leaves them, so they stay the size of what
            # is reserved, and closing one writes no entry into them. The run finds the due
            # days by the first, walks clients in id order and sums reservations by the
            # second.
            models.Index(fields=["closes_on"], condition=Q(status="open"), name="charge_open_due"),
            models.Index(
                fields=["client", "closes_on"],
                condition=Q(status="open"),
                name="charge_open_client",
            ),
            models.Index(fields=["client", "status"], name="charge_client_status"),
        ]

    def __str__(self) -> str:
        return f"{self.date_from} – {self.date_to}: {self.amount}"


class FormSubmission(models.Model):
    """A money form's one-time token, consumed in the transaction of the write it makes
    (DESIGN.md §8): a double click or a reload sends the same token again, the unique
    (user, token) refuses the second row and the person is shown the first result."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        verbose_name=_("пользователь"),
    )
    token = models.CharField(_("токен формы"), max_length=64)
    # Where the first submission led (its result page): a repeat is sent there too.
    result_url = models.CharField(_("результат"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("создано"))

    class Meta:
        verbose_name = _("отправка денежной формы")
        verbose_name_plural = _("отправки денежных форм")
        constraints = [
            models.UniqueConstraint(fields=["user", "token"], name="formsubmission_once"),
        ]
        indexes = [models.Index(fields=["created_at"], name="formsubmission_created")]

    def __str__(self) -> str:
        return self.token


class ReminderSent(models.Model):
    """A renewal reminder told (DESIGN.md §4.10): one row per period and threshold, written
    with its notifications, so that a re-run, a late run or a concurrent one tells nobody
    twice (the unique pair), whoever the recipients are by then."""

    period = models.ForeignKey(
        ServicePeriod,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("период обслуживания"),
    )
    threshold_days = models.PositiveSmallIntegerField(_("дней до окончания"))
    # The run's day and what was missing then, as the notifications said it.
    day = models.DateField(_("день напоминания"))
    shortfall = models.DecimalField(_("не хватало"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("напоминание о продлении")
        verbose_name_plural = _("напоминания о продлении")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "threshold_days"], name="remindersent_once_per_threshold"
            ),
            models.CheckConstraint(condition=Q(shortfall__gt=0), name="remindersent_short"),
        ]

    def __str__(self) -> str:
        return f"{self.day:%d.%m.%Y}: за {self.threshold_days} дн. до окончания периода"
