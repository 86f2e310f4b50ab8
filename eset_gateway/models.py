from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EsetCustomer(models.Model):
    """A client's company at ESET."""

    client = models.OneToOneField(
        "accounts.Client", on_delete=models.PROTECT, related_name="eset_customer"
    )
    company_id = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "компания ESET"
        verbose_name_plural = "компании ESET"

    def __str__(self) -> str:
        return self.company_id


class EsetLicense(models.Model):
    """A subscription's licence at ESET, as last reported by ESET."""

    class State(models.TextChoices):
        ACTIVE = "active", _("активна")
        SUSPENDED = "suspended", _("приостановлена")

    subscription = models.OneToOneField(
        "orders.Subscription", on_delete=models.PROTECT, related_name="eset_license"
    )
    public_license_id = models.CharField(max_length=32, unique=True)
    license_key = models.CharField(max_length=64)
    product_code = models.CharField(max_length=64)
    quantity = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.ACTIVE)
    updated_at = models.DateTimeField(auto_now=True)

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
        "orders.Subscription", on_delete=models.PROTECT, related_name="gateway_commands"
    )
    kind = models.CharField(max_length=20, choices=CommandKind.choices)
    # What makes the command unique (e.g. "change_quantity:seatchange:42"): writing the
    # same effect twice is refused by the database instead of being checked first.
    key = models.CharField(max_length=120, unique=True)
    payload = models.JSONField(default=dict, blank=True)
    seat_change = models.ForeignKey(
        "orders.SeatChange", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        max_length=16, choices=CommandState.choices, default=CommandState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # A claimed (running) command whose worker died is taken again after this moment.
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "команда ESET"
        verbose_name_plural = "команды ESET (outbox)"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="gatewaycommand_due"),
            models.Index(
                fields=["subscription", "id"],
                condition=~Q(state="done"),
                name="gatewaycommand_open_by_sub",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"
