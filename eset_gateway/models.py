from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.reasons import Reason


class EsetCustomer(models.Model):
    """A client's company at ESET."""

    client = models.OneToOneField(
        "accounts.Client",
        on_delete=models.PROTECT,
        related_name="eset_customer",
        verbose_name=_("клиент"),
    )
    company_id = models.CharField(_("ID компании в ESET"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)

    class Meta:
        verbose_name = "компания ESET"
        verbose_name_plural = "компании ESET"

    def __str__(self) -> str:
        return self.company_id


class EsetResellerCompany(models.Model):
    """A reseller's MSP company at ESET: created by the gateway when the reseller's first
    client needs one (Company/Create/msp), or linked by the operator to an existing one."""

    reseller = models.OneToOneField(
        "accounts.Reseller",
        on_delete=models.PROTECT,
        related_name="eset_company",
        verbose_name=_("реселлер"),
    )
    company_id = models.CharField(_("ID компании в ESET"), max_length=64, unique=True)
    linked_by_operator = models.BooleanField(_("привязана оператором"), default=False)
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)

    class Meta:
        verbose_name = _("компания реселлера в ESET (MSP)")
        verbose_name_plural = _("компании реселлеров в ESET (MSP)")

    def __str__(self) -> str:
        return self.company_id


class EsetLicense(models.Model):
    """A subscription's licence at ESET, as last reported by ESET."""

    class State(models.TextChoices):
        ACTIVE = "active", _("активна")
        SUSPENDED = "suspended", _("приостановлена")
        # Replaced at ESET (a product change): no longer in service.
        OBSOLETE = "obsolete", _("устарела")

    subscription = models.OneToOneField(
        "orders.Subscription",
        on_delete=models.PROTECT,
        related_name="eset_license",
        verbose_name=_("подписка"),
    )
    public_license_id = models.CharField(_("публичный ID лицензии"), max_length=32, unique=True)
    # The activation key when ESET provides one (its guide documents no field for it).
    license_key = models.CharField(_("лицензионный ключ"), max_length=64, blank=True)
    # ESET's numeric product code, as License/Detail reports it.
    product_code = models.CharField(_("код продукта"), max_length=64)
    quantity = models.PositiveIntegerField(_("количество мест"))
    state = models.CharField(
        _("состояние"), max_length=16, choices=State.choices, default=State.ACTIVE
    )
    updated_at = models.DateTimeField(_("изменена"), auto_now=True)

    class Meta:
        verbose_name = "лицензия ESET"
        verbose_name_plural = "лицензии ESET"

    def __str__(self) -> str:
        return self.public_license_id


class CommandKind(models.TextChoices):
    CREATE = "create", _("заказ лицензии")
    CHANGE_QUANTITY = "change_quantity", _("изменение количества")
    SUSPEND = "suspend", _("приостановка")
    RESUME = "resume", _("возобновление")


class CommandState(models.TextChoices):
    PENDING = "pending", _("в очереди")
    RUNNING = "running", _("выполняется")
    DONE = "done", _("выполнена")
    FAILED = "failed", _("ошибка (окончательная)")


class GatewayCommand(models.Model):
    """The outbox: an ESET effect written in the domain transaction, executed after commit."""

    subscription = models.ForeignKey(
        "orders.Subscription",
        on_delete=models.PROTECT,
        related_name="gateway_commands",
        verbose_name=_("подписка"),
    )
    kind = models.CharField(_("команда"), max_length=20, choices=CommandKind.choices)
    # What makes the command unique (e.g. "change_quantity:seatchange:42"): writing the
    # same effect twice is refused by the database instead of being checked first.
    key = models.CharField(_("ключ идемпотентности"), max_length=120, unique=True)
    payload = models.JSONField(_("параметры"), default=dict, blank=True)
    seat_change = models.ForeignKey(
        "orders.SeatChange",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("изменение числа мест"),
    )
    state = models.CharField(
        _("состояние"), max_length=16, choices=CommandState.choices, default=CommandState.PENDING
    )
    attempts = models.PositiveIntegerField(_("попыток"), default=0)
    next_attempt_at = models.DateTimeField(_("следующая попытка"))
    # A claimed (running) command whose worker died is taken again after this moment.
    locked_until = models.DateTimeField(_("занято до"), null=True, blank=True)
    last_error = models.TextField(_("последняя ошибка"), blank=True)
    result = models.JSONField(_("результат"), default=dict, blank=True)
    created_at = models.DateTimeField(_("поставлена"))
    done_at = models.DateTimeField(_("выполнена"), null=True, blank=True)

    class Meta:
        verbose_name = "команда ESET"
        verbose_name_plural = "команды ESET (очередь отправки)"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="gatewaycommand_due"),
            models.Index(
                fields=["subscription", "id"],
                condition=~Q(state="done"),
                name="gatewaycommand_open_by_sub",
            ),
            # The drain claims the oldest open commands first: in id order, without walking
            # past the done ones (all but a few, once the outbox has a history).
            models.Index(
                fields=["id"],
                condition=Q(state__in=["pending", "running"]),
                name="gatewaycommand_open_by_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} №{self.pk} ({self.get_state_display()})"


class DriftKind(models.TextChoices):
    QUANTITY = "quantity", _("число мест")
    STATE = "state", _("состояние")
    QUANTITY_STATE = "quantity_state", _("число мест и состояние")
    MISSING = "missing", _("нет в ESET")
    UNKNOWN = "unknown", _("нет на платформе")


class DriftAction(models.TextChoices):
    REPAIRED = "repaired", _("исправляется: команда поставлена")
    COMMAND_OPEN = "command_open", _("не тронуто: команда ещё выполняется")
    COMMAND_FAILED = "command_failed", _("не тронуто: команда завершилась ошибкой")
    DEFERRED = "deferred", _("отложено: лицензия приостановлена")
    MANUAL = "manual", _("нужно решение оператора")


class LicenseDrift(models.Model):
    """What the nightly reconciliation found different at ESET from the platform's view,
    once per licence and night, and what it did about it."""

    night = models.DateField(_("ночь сверки"))
    # Not a key to EsetLicense: a licence ESET has and the platform does not is drift too.
    public_license_id = models.CharField(_("публичный ID лицензии"), max_length=32)
    subscription = models.ForeignKey(
        "orders.Subscription",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="license_drifts",
        verbose_name=_("подписка"),
    )
    kind = models.CharField(_("вид расхождения"), max_length=16, choices=DriftKind.choices)
    platform_quantity = models.PositiveIntegerField(_("мест у нас"), null=True, blank=True)
    platform_state = models.CharField(_("состояние у нас"), max_length=16, blank=True)
    eset_quantity = models.PositiveIntegerField(_("мест в ESET"), null=True, blank=True)
    eset_state = models.CharField(_("состояние в ESET"), max_length=16, blank=True)
    action = models.CharField(_("действие"), max_length=16, choices=DriftAction.choices)
    # The repair written, or the command in the way.
    command = models.ForeignKey(
        GatewayCommand,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("команда ESET"),
    )
    # Why it was left as it is: a code (core.reasons).
    note = models.CharField(_("примечание"), max_length=40, blank=True, choices=Reason.choices)
    detected_at = models.DateTimeField(_("обнаружено"))

    class Meta:
        verbose_name = "расхождение с ESET"
        verbose_name_plural = "расхождения с ESET (сверка)"
        ordering = ["-night", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["public_license_id", "night"], name="licensedrift_once_a_night"
            )
        ]
        indexes = [models.Index(fields=["night", "action"], name="licensedrift_night")]

    def __str__(self) -> str:
        return f"{self.public_license_id} {self.night}: {self.get_kind_display()}"


class GatewayDelayAlert(models.Model):
    """An episode of ESET commands waiting longer than ESET_DELAY_ALERT_MINUTES (an ESET
    outage, usually), told once to whom it concerns: a reseller (its commands), or the
    operator (reseller empty: all commands). It closes when none of its scope's commands
    waits that long any more; the next such wait is a new episode, told again."""

    OPERATOR_SCOPE = "operator"

    # "operator" or "reseller:<id>": one open episode per scope, held by the database.
    scope = models.CharField(_("охват"), max_length=40)
    reseller = models.ForeignKey(
        "accounts.Reseller",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="eset_delay_alerts",
        verbose_name=_("реселлер"),
    )
    opened_at = models.DateTimeField(_("открыто"))
    # The scope's oldest waiting command when it was told, and how many were waiting.
    oldest_command = models.ForeignKey(
        GatewayCommand,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("самая старая команда"),
    )
    waiting_since = models.DateTimeField(_("ждёт с"))
    waiting = models.PositiveIntegerField(_("команд в ожидании"))
    resolved_at = models.DateTimeField(_("снято"), null=True, blank=True)

    class Meta:
        verbose_name = "задержка команд ESET"
        verbose_name_plural = "задержки команд ESET (оповещения)"
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope"],
                condition=Q(resolved_at__isnull=True),
                name="gatewaydelayalert_one_open_per_scope",
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} с {self.waiting_since:%d.%m.%Y %H:%M}"


class UsageDifference(models.Model):
    """A month's seat-days ESET bills for one company's product that differ from the
    platform's (Σ Charge.seat_days): the monthly seat-day reconciliation (DESIGN.md §5).
    ESET's report is per company (a client) and product, so is this; once per month."""

    month = models.DateField(_("месяц"), help_text=_("первое число месяца"))
    # ESET's company; the client and its reseller when the platform knows the company.
    company_id = models.CharField(_("ID компании в ESET"), max_length=64)
    reseller = models.ForeignKey(
        "accounts.Reseller",
        verbose_name=_("реселлер"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="usage_differences",
    )
    client = models.ForeignKey(
        "accounts.Client",
        verbose_name=_("клиент"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="usage_differences",
    )
    product_code = models.PositiveIntegerField(_("код продукта ESET"))
    product_name = models.CharField(_("продукт"), max_length=200, blank=True)
    eset_seat_days = models.PositiveIntegerField(_("место-дней у ESET"))
    platform_seat_days = models.PositiveIntegerField(_("место-дней у платформы"))
    # ESET's minus the platform's: > 0 when ESET bills seat-days the platform did not charge.
    difference = models.IntegerField(_("разница, место-дней"))
    # The difference at the purchase price (per seat and month) / the month's days.
    purchase_value = models.DecimalField(
        _("разница по закупочной цене"), max_digits=14, decimal_places=2
    )
    detected_at = models.DateTimeField(_("обнаружено"))

    class Meta:
        verbose_name = _("расхождение место-дней с ESET")
        verbose_name_plural = _("расхождения место-дней с ESET (месячная сверка)")
        ordering = ["-month", "company_id", "product_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "company_id", "product_code"], name="usagedifference_once"
            )
        ]
        indexes = [
            models.Index(fields=["reseller", "month"], name="usagedifference_reseller"),
        ]

    def __str__(self) -> str:
        return f"{self.company_id} {self.product_code} {self.month:%Y-%m}: {self.difference:+d}"
