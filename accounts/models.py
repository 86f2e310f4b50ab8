from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Reseller(models.Model):
    name = models.CharField("название", max_length=200)
    inn = models.CharField("ИНН", max_length=12, blank=True)
    email = models.EmailField("контактный e-mail")
    is_active = models.BooleanField("активен", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "реселлер"
        verbose_name_plural = "реселлеры"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Client(models.Model):
    reseller = models.ForeignKey(Reseller, on_delete=models.PROTECT, related_name="clients")
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
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_clients"
    )
    # Cached sum of the client's ledger (billing.BalanceEntry); written only by billing
    # services under a row lock on this client, checked by `manage.py check_ledger`.
    balance = models.DecimalField("баланс", max_digits=14, decimal_places=2, default=Decimal("0"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "клиент"
        verbose_name_plural = "клиенты"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("администратор")
        MANAGER = "manager", _("менеджер")
        OWNER = "owner", _("владелец")
        USER = "user", _("пользователь")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    reseller = models.ForeignKey(
        Reseller, null=True, blank=True, on_delete=models.CASCADE, related_name="members"
    )
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.CASCADE, related_name="members"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ADMIN)

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
