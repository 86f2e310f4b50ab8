from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    ACTIVATION_DATA = "activation_data", _("данные активации")
    SEATS_CHANGED = "seats_changed", _("изменено число мест")
    SEAT_CHANGE_REJECTED = "seat_change_rejected", _("изменение числа мест отклонено")
    RENEWED = "renewed", _("подписка продлена")
    RENEWAL_FAILED = "renewal_failed", _("продление не удалось")
    RESUMED = "resumed", _("подписка возобновлена")
    PAYMENT_RECEIVED = "payment_received", _("платёж получен")
    CANCELLED = "cancelled", _("подписка отменена")
    ESET_ERROR = "eset_error", _("ошибка ESET")
    LICENSE_DRIFT = "license_drift", _("расхождение с ESET")
    BALANCE_CORRECTED = "balance_corrected", _("баланс скорректирован")
    ESET_DELAYED = "eset_delayed", _("ESET не отвечает")
    INVITATION = "invitation", _("приглашение")
    RENEWAL_REMINDER = "renewal_reminder", _("напоминание о продлении")
    INVOICE_ISSUED = "invoice_issued", _("выставлен счёт")
    ACT_ISSUED = "act_issued", _("выставлен акт")


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("ожидает отправки")
    SENDING = "sending", _("отправляется")
    SENT = "sent", _("отправлено")
    FAILED = "failed", _("ошибка")
    SKIPPED = "skipped", _("без e-mail")


class Notification(models.Model):
    """The notification journal (S9): one row per notification, e-mailed after commit."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
        verbose_name=_("получатель"),
    )
    reseller = models.ForeignKey(
        "accounts.Reseller",
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("реселлер"),
    )
    client = models.ForeignKey(
        "accounts.Client",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("клиент"),
    )
    subscription = models.ForeignKey(
        "orders.Subscription",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("подписка"),
    )
    kind = models.CharField(
        _("вид уведомления"), max_length=32, choices=NotificationKind.choices, db_index=True
    )
    subject = models.CharField(_("тема"), max_length=300)
    body = models.TextField(_("текст"))
    payload = models.JSONField(_("данные"), default=dict, blank=True)
    # Identifies the event notified (e.g. "seats_changed:seatchange:42:owner"): a second
    # notification of the same event is refused by the database.
    key = models.CharField(_("ключ"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("создано"))
    read_at = models.DateTimeField(_("прочитано"), null=True, blank=True)
    email_to = models.EmailField(_("e-mail получателя"), blank=True)
    email_status = models.CharField(
        _("статус e-mail"), max_length=16, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(_("попыток отправки"), default=0)
    email_error = models.TextField(_("ошибка отправки"), blank=True)
    emailed_at = models.DateTimeField(_("отправлено"), null=True, blank=True)
    # A pending e-mail is due from this moment (none: at once): a failed attempt moves it back
    # exponentially (notifications.services.email_retry_delay), so an SMTP outage of hours
    # spends a few attempts, not all of them in a minute.
    email_next_attempt_at = models.DateTimeField(
        _("следующая попытка отправки"), null=True, blank=True
    )
    # The lease of a drain that claimed the e-mail (status `sending`): a worker killed while
    # sending leaves the row behind, and the first drain after this moment takes it back.
    email_locked_until = models.DateTimeField(_("занято отправкой до"), null=True, blank=True)

    class Meta:
        verbose_name = "уведомление"
        verbose_name_plural = "журнал уведомлений"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["email_status", "email_next_attempt_at"], name="notification_email_due"
            ),
            models.Index(fields=["reseller", "-created_at"], name="notification_reseller"),
            models.Index(fields=["client", "-created_at"], name="notification_client"),
        ]

    def __str__(self) -> str:
        return self.subject
