"""Operator admin for money: payments, the ledger, service periods and charges.

All read-only. Money moves only through `billing.services` (payment registration, the daily
run), each move recorded in the ledger with who made it."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.utils.safestring import SafeString

from accounts.admin import ReadOnlyAdmin, ReadOnlyInline, rub
from billing.models import (
    BalanceEntry,
    Charge,
    FormSubmission,
    Payment,
    ReminderSent,
    ServicePeriod,
)
from config.formats import format_day


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "client",
        "reseller",
        "amount_rub",
        "method",
        "order",
        "reference",
        "day",
        "paid_at",
        "registered_by",
    )
    list_display_links = ("id", "client")
    list_select_related = ("client__reseller", "order", "registered_by")
    list_filter = ("method",)
    search_fields = ("=id", "client__name", "client__inn", "reference", "=order__id")
    date_hierarchy = "day"
    readonly_fields = ("amount_rub",)

    @admin.display(description="реселлер", ordering="client__reseller__name")
    def reseller(self, obj: Payment) -> str:
        return str(obj.client.reseller)

    @admin.display(description="сумма", ordering="amount")
    def amount_rub(self, obj: Payment) -> SafeString:
        return rub(obj.amount)


@admin.register(BalanceEntry)
class BalanceEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "day",
        "client",
        "kind",
        "amount_rub",
        "balance_after_rub",
        "payment",
        "charge",
        "created_by",
        "created_at",
    )
    list_display_links = ("id", "day")
    list_select_related = ("client", "payment", "charge", "created_by")
    list_filter = ("kind",)
    search_fields = ("=id", "client__name", "client__inn", "=payment__id", "=charge__id")
    date_hierarchy = "day"
    readonly_fields = ("amount_rub", "balance_after_rub")

    @admin.display(description="сумма", ordering="amount")
    def amount_rub(self, obj: BalanceEntry) -> SafeString:
        return rub(obj.amount)

    @admin.display(description="баланс после", ordering="balance_after")
    def balance_after_rub(self, obj: BalanceEntry) -> SafeString:
        return rub(obj.balance_after)


class PeriodChargeInline(ReadOnlyInline):
    model = Charge
    fields = (
        "date_from",
        "date_to",
        "closes_on",
        "seat_days",
        "amount",
        "cost",
        "status",
        "closed_on",
    )


@admin.register(ServicePeriod)
class ServicePeriodAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "subscription",
        "client",
        "starts_on",
        "last_day",
        "seat_price_rub",
        "purchase_price_rub",
    )
    list_select_related = ("subscription__client",)
    search_fields = ("=subscription__id", "subscription__client__name")
    date_hierarchy = "starts_on"
    inlines = (PeriodChargeInline,)

    @admin.display(description="клиент", ordering="subscription__client__name")
    def client(self, obj: ServicePeriod) -> str:
        return str(obj.subscription.client)

    @admin.display(description="последний день", ordering="expires_on")
    def last_day(self, obj: ServicePeriod) -> str:
        # expires_on is exclusive: the period's last paid day is the day before (§8).
        return format_day(obj.expires_on - timedelta(days=1))

    @admin.display(description="цена места", ordering="seat_price")
    def seat_price_rub(self, obj: ServicePeriod) -> SafeString:
        return rub(obj.seat_price)

    @admin.display(description="закупочная цена", ordering="purchase_price")
    def purchase_price_rub(self, obj: ServicePeriod) -> SafeString:
        return rub(obj.purchase_price)


@admin.register(Charge)
class ChargeAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "client",
        "subscription",
        "date_from",
        "date_to",
        "closes_on",
        "seat_days",
        "amount_rub",
        "cost_rub",
        "margin_rub",
        "status",
        "closed_on",
    )
    list_display_links = ("id", "client")
    list_select_related = ("client", "subscription")
    list_filter = ("status",)
    search_fields = ("=id", "=subscription__id", "client__name", "client__inn")
    date_hierarchy = "closes_on"
    readonly_fields = ("amount_rub", "cost_rub", "margin_rub")

    @admin.display(description="сумма клиенту", ordering="amount")
    def amount_rub(self, obj: Charge) -> SafeString:
        return rub(obj.amount)

    @admin.display(description="закупка", ordering="cost")
    def cost_rub(self, obj: Charge) -> SafeString:
        return rub(obj.cost)

    @admin.display(description="маржа реселлера")
    def margin_rub(self, obj: Charge) -> SafeString:
        return rub(obj.amount - obj.cost)


@admin.register(FormSubmission)
class FormSubmissionAdmin(ReadOnlyAdmin):
    """Money forms' used one-time tokens (billing.submissions): what a repeat was shown."""

    list_display = ("created_at", "user", "result_url")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    date_hierarchy = "created_at"


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyAdmin):
    """Renewal reminders told (§4.10): one per period and threshold; the notifications
    themselves are in the journal."""

    list_display = ("day", "client", "subscription", "threshold_days", "shortfall_rub")
    list_select_related = ("period__subscription__client",)
    search_fields = ("=period__subscription__id", "period__subscription__client__name")
    date_hierarchy = "day"

    @admin.display(description="клиент", ordering="period__subscription__client__name")
    def client(self, obj: ReminderSent) -> str:
        return str(obj.period.subscription.client)

    @admin.display(description="подписка", ordering="period__subscription_id")
    def subscription(self, obj: ReminderSent) -> str:
        return str(obj.period.subscription)

    @admin.display(description="не хватало", ordering="shortfall")
    def shortfall_rub(self, obj: ReminderSent) -> SafeString:
        return rub(obj.shortfall)
