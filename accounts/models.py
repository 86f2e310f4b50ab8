from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Renewal reminders (DESIGN.md §4.10): how many days before a period's end the client's
# people and the reseller are told that the balance falls short. A reseller's own choice
# lives on Reseller.reminder_days; accounts.services.reseller_set_reminder_days checks it.
REMINDER_DAYS_DEFAULT = (7, 1)
REMINDER_DAYS_MIN = 1
REMINDER_DAYS_MAX = 60
REMINDER_DAYS_COUNT_MAX = 5


def reminder_days_default() -> list[int]:
    return list(REMINDER_DAYS_DEFAULT)


class Reseller(models.Model):
    name = models.CharField("название", max_length=200)
    inn = models.CharField("ИНН", max_length=12, blank=True)
    email = models.EmailField("контактный e-mail")
    is_active = models.BooleanField("активен", default=True)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    # Days before a period's expires_on, largest first; empty: no reminders are sent.
    reminder_days = models.JSONField(
        _("напоминания о продлении, дней до окончания периода"),
        default=reminder_days_default,
        # Also the column's default: rows written by plain SQL (the benchmarks' COPY) too.
        db_default=models.Value(list(REMINDER_DAYS_DEFAULT), output_field=models.JSONField()),
        blank=True,
    )

    class Meta:
        verbose_name = "реселлер"
        verbose_name_plural = "реселлеры"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Client(models.Model):
    reseller = models.ForeignKey(
        Reseller, on_delete=models.PROTECT, related_name="clients", verbose_name=_("реселлер")
    )
    name = models.CharField("название", max_length=200)
    inn = models.CharField("ИНН", max_length=12, blank=True)
    email = models.EmailField("контактный e-mail")
    # The address ESET requires of every customer company (Company/Create/customer):
    # asked for by the client form, checked when an order is confirmed.
    address_state = models.CharField(_("регион"), max_length=100, blank=True)
    address_city = models.CharField(_("город"), max_length=100, blank=True)
    address_street = models.CharField(_("улица, дом"), max_length=200, blank=True)
    address_zip = models.CharField(_("индекс"), max_length=20, blank=True)
    # The subscription owner: receives activation data (S9).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_clients",
        verbose_name=_("владелец"),
    )
    # Cached sum of the client's ledger (billing.BalanceEntry); written only by billing
    # services under a row lock on this client, checked by `manage.py check_ledger`.
    balance = models.DecimalField("баланс", max_digits=14, decimal_places=2, default=Decimal("0"))
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)

    class Meta:
        verbose_name = "клиент"
        verbose_name_plural = "клиенты"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        # Reseller staff (DESIGN.md §3).
        ADMIN = "admin", _("администратор")
        MANAGER = "manager", _("менеджер")
        ACCOUNTANT = "accountant", _("бухгалтер")
        # A client's people; admin and accountant serve both sides.
        OWNER = "owner", _("владелец")
        VIEWER = "viewer", _("наблюдатель")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="membership",
        verbose_name=_("пользователь"),
    )
    reseller = models.ForeignKey(
        Reseller,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="members",
        verbose_name=_("реселлер"),
    )
    client = models.ForeignKey(
        Client,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="members",
        verbose_name=_("клиент"),
    )
    role = models.CharField(_("роль"), max_length=16, choices=Role.choices, default=Role.ADMIN)
    # The person's own choice of the UI language (DESIGN.md §8); empty until they choose,
    # and then Russian applies (accounts.middleware), whatever the browser asks for.
    language = models.CharField(
        _("язык"),
        max_length=8,
        blank=True,
        default="",
        # Also the column's default: rows written by plain SQL (the benchmarks' COPY) too.
        db_default="",
        choices=settings.LANGUAGES,
    )

    class Meta:
        verbose_name = "участник"
        verbose_name_plural = "участники"
        constraints = [
            # A user acts for exactly one reseller or exactly one client.
            models.CheckConstraint(
                condition=(
                    Q(reseller__isnull=False, client__isnull=True)
                    | Q(reseller__isnull=True, client__isnull=False)
                ),
                name="membership_one_tenant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.reseller or self.client}"


class AuditAction(models.TextChoices):
    """What a person (or the system) did; one code per kind of change (DESIGN.md §3)."""

    PAYMENT_REGISTERED = "payment_registered", _("платёж зарегистрирован")
    PAYMENT_REVERSED = "payment_reversed", _("платёж сторнирован")
    REFUND_REGISTERED = "refund_registered", _("возврат зарегистрирован")
    BALANCE_ADJUSTED = "balance_adjusted", _("баланс скорректирован")
    SUBSCRIPTION_CANCELLED = "subscription_cancelled", _("подписка отменена")
    AUTO_RENEW_CHANGED = "auto_renew_changed", _("автопродление изменено")
    SEAT_CHANGE_REQUESTED = "seat_change_requested", _("запрошено изменение числа мест")
    SEAT_CHANGE_CANCELLED = "seat_change_cancelled", _("изменение числа мест отменено")
    ORDER_CONFIRMED = "order_confirmed", _("заказ подтверждён")
    ORDER_CANCELLED = "order_cancelled", _("заказ отменён")
    ORDER_DRAFT_PURGED = "order_draft_purged", _("удалён заброшенный черновик заказа")
    SEAT_PRICE_CHANGED = "seat_price_changed", _("изменена абонентская плата")
    PLAN_STATUS_CHANGED = "plan_status_changed", _("изменён статус тарифного плана")
    PLAN_PUBLICATION_CHANGED = "plan_publication_changed", _("изменена публикация плана")
    CLIENT_CREATED = "client_created", _("клиент создан")
    CLIENT_CHANGED = "client_changed", _("клиент изменён")
    PERSON_INVITED = "person_invited", _("приглашён пользователь")
    PERSON_REMOVED = "person_removed", _("пользователь удалён")
    REMINDER_DAYS_CHANGED = "reminder_days_changed", _("изменены сроки напоминаний")
    REQUISITES_CHANGED = "requisites_changed", _("реквизиты изменены")
    INVOICE_ISSUED = "invoice_issued", _("счёт выставлен")
    INVOICE_CANCELLED = "invoice_cancelled", _("счёт отменён")
    INVOICE_PAID = "invoice_paid", _("счёт оплачен")
    STATEMENT_IMPORTED = "statement_imported", _("загружена банковская выписка")
    STATEMENT_LINE_ASSIGNED = "statement_line_assigned", _("строка выписки разнесена")
    STATEMENT_LINE_IGNORED = "statement_line_ignored", _("строка выписки пропущена")


class AuditEvent(models.Model):
    """The audit trail per tenant: who, when, what, before → after. Written by the services
    that make the change, in their transaction; `actor` empty means the system (the nightly
    run). Append-only."""

    reseller = models.ForeignKey(
        Reseller, on_delete=models.PROTECT, related_name="audit_events", verbose_name=_("реселлер")
    )
    client = models.ForeignKey(
        Client,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
        verbose_name=_("клиент"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("кто"),
    )
    action = models.CharField(_("действие"), max_length=40, choices=AuditAction.choices)
    object_type = models.CharField(_("объект"), max_length=40)
    object_id = models.PositiveBigIntegerField(_("номер объекта"), null=True, blank=True)
    before = models.JSONField(_("было"), default=dict, blank=True)
    after = models.JSONField(_("стало"), default=dict, blank=True)
    at = models.DateTimeField(_("когда"))

    class Meta:
        verbose_name = _("событие аудита")
        verbose_name_plural = _("журнал аудита")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["reseller", "-at"], name="audit_reseller_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%d.%m.%Y %H:%M} {self.get_action_display()}"


class Invitation(models.Model):
    """A one-time link to set a password (DESIGN.md §3), sent when a client's owner, a
    client's person or a reseller's staff member is created, and again on request. The
    link's token is never stored: it is an HMAC of this row and the person's password hash
    (accounts.invitations), so setting a password, a newer invitation or the end of the
    week each make it worthless."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("пользователь"),
    )
    reseller = models.ForeignKey(
        Reseller, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("реселлер")
    )
    client = models.ForeignKey(
        Client,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("клиент"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("кто пригласил"),
    )
    created_at = models.DateTimeField(_("отправлено"))
    expires_at = models.DateTimeField(_("действует до"))
    used_at = models.DateTimeField(_("использовано"), null=True, blank=True)
    # A newer invitation (a resend) or the person's removal closes this one.
    revoked_at = models.DateTimeField(_("отозвано"), null=True, blank=True)

    class Meta:
        verbose_name = _("приглашение")
        verbose_name_plural = _("приглашения")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open link per person: a resend closes the previous one first.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(used_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%d.%m.%Y})"


class VatMode(models.TextChoices):
    """How a reseller's documents show VAT (DESIGN.md §3, §13)."""

    NONE = "none", _("Без НДС (УСН)")
    STANDARD = "standard", _("НДС по ставке на дату документа")


class Requisites(models.Model):
    """The legal requisites of a reseller or of a client (DESIGN.md §3, §13): what an
    invoice, an act or a statement names as its parties. Bank requisites, the signatory and
    the VAT mode matter only for a reseller (the seller). Written by
    accounts.services.requisites_save, which checks every number."""

    VatMode = VatMode

    reseller = models.OneToOneField(
        Reseller,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="requisites",
        verbose_name=_("реселлер"),
    )
    client = models.OneToOneField(
        Client,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="requisites",
        verbose_name=_("клиент"),
    )
    legal_name = models.CharField(_("полное наименование"), max_length=300, blank=True)
    inn = models.CharField(_("ИНН"), max_length=12, blank=True)
    kpp = models.CharField(_("КПП"), max_length=9, blank=True)
    ogrn = models.CharField(_("ОГРН или ОГРНИП"), max_length=15, blank=True)
    legal_address = models.CharField(_("юридический адрес"), max_length=500, blank=True)
    bank_name = models.CharField(_("банк"), max_length=300, blank=True)
    bik = models.CharField(_("БИК"), max_length=9, blank=True)
    corr_account = models.CharField(_("корреспондентский счёт"), max_length=20, blank=True)
    account = models.CharField(_("расчётный счёт"), max_length=20, blank=True)
    signatory_name = models.CharField(_("подписант: ФИО"), max_length=200, blank=True)
    signatory_position = models.CharField(_("подписант: должность"), max_length=200, blank=True)
    vat_mode = models.CharField(
        _("НДС"), max_length=16, choices=VatMode.choices, default=VatMode.STANDARD
    )
    updated_at = models.DateTimeField(_("изменены"), null=True, blank=True)

    class Meta:
        verbose_name = _("реквизиты")
        verbose_name_plural = _("реквизиты")
        constraints = [
            # Requisites belong to exactly one reseller or exactly one client.
            models.CheckConstraint(
                condition=(
                    Q(reseller__isnull=False, client__isnull=True)
                    | Q(reseller__isnull=True, client__isnull=False)
                ),
                name="requisites_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name or str(self.reseller or self.client)
