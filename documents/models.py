"""Documents (DESIGN.md §3, §13): VAT rates as dated rows, per-reseller counters that
number documents without gaps, and invoices for payment (счёт на оплату) with their lines
and the payments that paid them."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Client, Reseller, VatMode


class VatRate(models.Model):
    """The VAT rate in force from `valid_from` until the next row's date (20 % from
    2019-01-01, 22 % from 2026-01-01 by Federal Law No. 425-FZ): rows, not a constant, so
    the operator enters the next change in the admin."""

    valid_from = models.DateField(_("действует с"), unique=True)
    rate = models.DecimalField(_("ставка, %"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("ставка НДС")
        verbose_name_plural = _("ставки НДС")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lt=100), name="vatrate_rate_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rate} % с {self.valid_from:%d.%m.%Y}"


class DocumentKind(models.TextChoices):
    """What a counter numbers: each kind of document has its own series per reseller and
    year."""

    INVOICE = "invoice", _("счёт на оплату")
    ACT = "act", _("акт")
    RECONCILIATION = "reconciliation", _("акт сверки")


class DocumentCounter(models.Model):
    """The last number given to a kind of document of a reseller in a year. Taken under a
    row lock inside the issuing transaction (documents.numbering), so numbers have no gaps
    and no repeats."""

    reseller = models.ForeignKey(
        Reseller, on_delete=models.CASCADE, related_name="+", verbose_name=_("реселлер")
    )
    kind = models.CharField(_("вид документа"), max_length=32, choices=DocumentKind.choices)
    year = models.PositiveIntegerField(_("год"))
    last_number = models.PositiveIntegerField(_("последний номер"), default=0)

    class Meta:
        verbose_name = _("счётчик номеров")
        verbose_name_plural = _("счётчики номеров")
        constraints = [
            models.UniqueConstraint(
                fields=["reseller", "kind", "year"], name="documentcounter_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reseller}: {self.get_kind_display()} {self.year}, {self.last_number}"


class InvoiceStatus(models.TextChoices):
    ISSUED = "issued", _("выставлен")
    PAID = "paid", _("оплачен")
    CANCELLED = "cancelled", _("отменён")


# The allowed moves of an invoice's status; moved by compare-and-set (documents.services).
INVOICE_TRANSITIONS: dict[str, frozenset[str]] = {
    InvoiceStatus.ISSUED: frozenset({InvoiceStatus.PAID, InvoiceStatus.CANCELLED}),
    InvoiceStatus.PAID: frozenset(),
    InvoiceStatus.CANCELLED: frozenset(),
}


class InvoicePurpose(models.TextChoices):
    ORDER = "order", _("оплата заказа")
    RENEWAL_SHORTFALL = "renewal_shortfall", _("недостаток для продления")
    ANY = "any", _("пополнение баланса")


class Invoice(models.Model):
    """A reseller's invoice for payment to a client (DESIGN.md §13). The parties'
    requisites are copied into `snapshot` at issue: a later change of requisites does not
    rewrite an issued document."""

    reseller = models.ForeignKey(
        Reseller, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("реселлер")
    )
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("клиент")
    )
    year = models.PositiveIntegerField(_("год"))
    number = models.PositiveIntegerField(_("номер"))
    date = models.DateField(_("дата"))
    status = models.CharField(
        _("статус"), max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.ISSUED
    )
    purpose = models.CharField(
        _("назначение"), max_length=32, choices=InvoicePurpose.choices, default=InvoicePurpose.ANY
    )
    order = models.ForeignKey(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
        verbose_name=_("заказ"),
    )
    subscription = models.ForeignKey(
        "orders.Subscription",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
        verbose_name=_("подписка"),
    )
    total = models.DecimalField(_("сумма"), max_digits=14, decimal_places=2)
    vat_mode = models.CharField(_("НДС"), max_length=16, choices=VatMode.choices)
    vat_rate = models.DecimalField(
        _("ставка НДС, %"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    vat_amount = models.DecimalField(
        _("в т.ч. НДС"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    # {"seller": {...}, "buyer": {...}}: the requisites as they were on the invoice's date.
    snapshot = models.JSONField(_("реквизиты сторон"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("кто выставил"),
    )
    created_at = models.DateTimeField(_("выставлен"))
    paid_at = models.DateTimeField(_("оплачен"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("отменён"), null=True, blank=True)

    class Meta:
        verbose_name = _("счёт на оплату")
        verbose_name_plural = _("счета на оплату")
        ordering = ["-date", "-number", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reseller", "year", "number"], name="invoice_unique_number"
            ),
            models.CheckConstraint(condition=Q(total__gt=0), name="invoice_total_positive"),
            models.CheckConstraint(
                condition=(
                    Q(vat_mode=VatMode.NONE, vat_rate__isnull=True, vat_amount=0)
                    | Q(vat_mode=VatMode.STANDARD, vat_rate__isnull=False)
                ),
                name="invoice_vat_consistent",
            ),
        ]
        indexes = [
            models.Index(fields=["reseller", "-date"], name="invoice_reseller_date"),
            models.Index(fields=["client", "-date"], name="invoice_client_date"),
        ]

    def __str__(self) -> str:
        return f"№ {self.number} от {self.date:%d.%m.%Y}"


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="lines", verbose_name=_("счёт")
    )
    position = models.PositiveSmallIntegerField(_("№"))
    title = models.CharField(_("наименование"), max_length=500)
    quantity = models.DecimalField(_("количество"), max_digits=12, decimal_places=3)
    unit = models.CharField(_("ед."), max_length=16)
    price = models.DecimalField(_("цена"), max_digits=14, decimal_places=2)
    amount = models.DecimalField(_("сумма"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("строка счёта")
        verbose_name_plural = _("строки счёта")
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "position"], name="invoiceline_unique_position"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class InvoicePayment(models.Model):
    """A payment that names an invoice. The link lives here, not on billing.Payment:
    billing sits below documents and may not know invoices (DESIGN.md §2)."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="payment_links", verbose_name=_("счёт")
    )
    payment = models.OneToOneField(
        "billing.Payment",
        on_delete=models.PROTECT,
        related_name="invoice_link",
        verbose_name=_("платёж"),
    )

    class Meta:
        verbose_name = _("оплата счёта")
        verbose_name_plural = _("оплаты счетов")

    def __str__(self) -> str:
        return f"{self.invoice} ← {self.payment_id}"


# --------------------------------------------------------------------------- bank statements


class BankStatement(models.Model):
    """An uploaded 1CClientBankExchange file (DESIGN.md §13): who, when, which file (its
    SHA-256) and what came of its lines. The lines themselves are StatementLine rows; a line
    already imported from an earlier file stays with that file and is counted here as a
    duplicate."""

    reseller = models.ForeignKey(
        Reseller,
        on_delete=models.PROTECT,
        related_name="bank_statements",
        verbose_name=_("реселлер"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("кто загрузил"),
    )
    at = models.DateTimeField(_("загружена"))
    filename = models.CharField(_("файл"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    encoding = models.CharField(_("кодировка"), max_length=16, blank=True)
    documents_total = models.PositiveIntegerField(_("документов в файле"), default=0)
    incoming = models.PositiveIntegerField(_("поступлений на счёт реселлера"), default=0)
    new_lines = models.PositiveIntegerField(_("новых строк"), default=0)
    duplicates = models.PositiveIntegerField(_("уже загруженных"), default=0)
    matched = models.PositiveIntegerField(_("сопоставлено"), default=0)
    unmatched = models.PositiveIntegerField(_("ждут разбора"), default=0)
    amount_matched = models.DecimalField(
        _("зачислено"), max_digits=16, decimal_places=2, default=Decimal("0.00")
    )

    class Meta:
        verbose_name = _("банковская выписка")
        verbose_name_plural = _("банковские выписки")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["reseller", "-at"], name="bankstatement_reseller_at")]

    def __str__(self) -> str:
        return f"{self.filename or self.sha256[:12]} ({self.at:%d.%m.%Y})"


class StatementLineStatus(models.TextChoices):
    MATCHED = "matched", _("сопоставлена")
    UNMATCHED = "unmatched", _("ждёт разбора")
    IGNORED = "ignored", _("пропущена")
    ASSIGNED = "assigned", _("разнесена вручную")


# The allowed moves of a statement line; moved by compare-and-set (documents.statements).
STATEMENT_LINE_TRANSITIONS: dict[str, frozenset[str]] = {
    StatementLineStatus.UNMATCHED: frozenset(
        {StatementLineStatus.ASSIGNED, StatementLineStatus.IGNORED}
    ),
    StatementLineStatus.MATCHED: frozenset(),
    StatementLineStatus.ASSIGNED: frozenset(),
    StatementLineStatus.IGNORED: frozenset(),
}


class StatementMatch(models.TextChoices):
    INVOICE = "invoice", _("по номеру счёта")
    INN = "inn", _("по ИНН плательщика")
    PERSON = "person", _("вручную")


class StatementLine(models.Model):
    """An incoming payment of a statement to the reseller's account. Unique per reseller by
    the payment order's number, date, amount and payer: the same payment in a second file
    (or twice in one) is the same line, so it registers money once."""

    statement = models.ForeignKey(
        BankStatement, on_delete=models.PROTECT, related_name="lines", verbose_name=_("выписка")
    )
    reseller = models.ForeignKey(
        Reseller, on_delete=models.PROTECT, related_name="+", verbose_name=_("реселлер")
    )
    file_line = models.PositiveIntegerField(_("строка файла"), default=0)
    number = models.CharField(_("номер п/п"), max_length=64)
    date = models.DateField(_("дата п/п"))
    amount = models.DecimalField(_("сумма"), max_digits=14, decimal_places=2)
    payer_inn = models.CharField(_("ИНН плательщика"), max_length=12, blank=True)
    payer_name = models.CharField(_("плательщик"), max_length=500, blank=True)
    payer_account = models.CharField(_("счёт плательщика"), max_length=34, blank=True)
    purpose = models.TextField(_("назначение платежа"), blank=True)
    status = models.CharField(
        _("статус"),
        max_length=16,
        choices=StatementLineStatus.choices,
        default=StatementLineStatus.UNMATCHED,
    )
    match = models.CharField(
        _("как сопоставлена"), max_length=16, choices=StatementMatch.choices, blank=True
    )
    client = models.ForeignKey(
        Client,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("клиент"),
    )
    invoice = models.ForeignKey(
        Invoice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statement_lines",
        verbose_name=_("счёт"),
    )
    payment = models.OneToOneField(
        "billing.Payment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statement_line",
        verbose_name=_("платёж"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("кто разобрал"),
    )
    decided_at = models.DateTimeField(_("разобрана"), null=True, blank=True)

    class Meta:
        verbose_name = _("строка выписки")
        verbose_name_plural = _("строки выписок")
        ordering = ["statement", "file_line", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reseller", "number", "date", "amount", "payer_inn"],
                name="statementline_unique_payment",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="statementline_amount_gt_0"),
            models.CheckConstraint(
                condition=(
                    Q(
                        status__in=["matched", "assigned"],
                        client__isnull=False,
                        payment__isnull=False,
                    )
                    | Q(status__in=["unmatched", "ignored"], payment__isnull=True)
                ),
                name="statementline_status_consistent",
            ),
        ]
        indexes = [
            models.Index(fields=["reseller", "status"], name="statementline_reseller_status"),
        ]

    def __str__(self) -> str:
        return f"п/п № {self.number} от {self.date:%d.%m.%Y}: {self.amount}"

    @property
    def reference(self) -> str:
        return f"п/п № {self.number} от {self.date:%d.%m.%Y}"


class Act(models.Model):
    """A client's monthly act (акт, DESIGN.md §13): the charges closed in a month, by
    subscription, with VAT at the rate in force on its date (the month's last day). One
    per client and month; written set-based by documents.acts.acts_issue."""

    reseller = models.ForeignKey(
        Reseller, on_delete=models.PROTECT, related_name="acts", verbose_name=_("реселлер")
    )
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="acts", verbose_name=_("клиент")
    )
    month = models.DateField(_("месяц"), help_text="its first day")
    year = models.PositiveIntegerField(_("год"))
    number = models.PositiveIntegerField(_("номер"))
    date = models.DateField(_("дата"))
    total = models.DecimalField(_("сумма"), max_digits=14, decimal_places=2)
    vat_mode = models.CharField(_("НДС"), max_length=16, choices=VatMode.choices)
    vat_rate = models.DecimalField(
        _("ставка НДС, %"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    vat_amount = models.DecimalField(
        _("в т.ч. НДС"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    # {"seller": {...}, "buyer": {...}}: the requisites as they were when it was issued.
    snapshot = models.JSONField(_("реквизиты сторон"), default=dict)
    created_at = models.DateTimeField(_("выставлен"))

    class Meta:
        verbose_name = _("акт")
        verbose_name_plural = _("акты")
        ordering = ["-month", "-number", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "month"], name="act_unique_client_month"),
            models.UniqueConstraint(
                fields=["reseller", "year", "number"], name="act_unique_number"
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="act_total_ge_0"),
            models.CheckConstraint(
                condition=(
                    Q(vat_mode=VatMode.NONE, vat_rate__isnull=True, vat_amount=0)
                    | Q(vat_mode=VatMode.STANDARD, vat_rate__isnull=False)
                ),
                name="act_vat_consistent",
            ),
        ]
        indexes = [
            models.Index(fields=["reseller", "-month"], name="act_reseller_month"),
        ]

    def __str__(self) -> str:
        return f"Акт № {self.number} от {self.date:%d.%m.%Y}"


class ActLine(models.Model):
    """One closed charge in an act. The charge is unique here: a charge is never in two
    acts, whatever runs twice."""

    act = models.ForeignKey(
        Act, on_delete=models.CASCADE, related_name="lines", verbose_name=_("акт")
    )
    subscription = models.ForeignKey(
        "orders.Subscription",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("подписка"),
    )
    product = models.CharField(_("продукт"), max_length=200)
    seats = models.PositiveIntegerField(_("мест"))
    seat_days = models.PositiveIntegerField(_("место-дней"))
    date_from = models.DateField(_("с"))
    date_to = models.DateField(_("по"))
    days = models.PositiveIntegerField(_("дней"))
    amount = models.DecimalField(_("сумма"), max_digits=14, decimal_places=2)
    charge = models.OneToOneField(
        "billing.Charge",
        on_delete=models.PROTECT,
        related_name="act_line",
        verbose_name=_("списание"),
    )

    class Meta:
        verbose_name = _("строка акта")
        verbose_name_plural = _("строки акта")
        ordering = ["act", "subscription_id", "date_from", "id"]

    def __str__(self) -> str:
        return f"{self.product}: {self.amount}"
