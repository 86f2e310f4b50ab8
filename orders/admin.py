"""Operator admin for orders, subscriptions and seat changes: read-only views.

Orders are confirmed, subscriptions activated, renewed and suspended, and seat changes
applied only by `orders.services` and the billing run; the operator watches them here."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.utils.safestring import SafeString

from accounts.admin import ReadOnlyAdmin, ReadOnlyInline, rub
from billing.models import Charge, ServicePeriod
from config.formats import format_day
from orders.models import Order, SeatChange, Subscription, SubscriptionEvent


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "client",
        "reseller",
        "reseller_plan",
        "seats",
        "status",
        "source",
        "amount_due_rub",
        "created_at",
        "confirmed_at",
    )
    list_display_links = ("id", "client")
    list_select_related = (
        "client__reseller",
        "reseller_plan__vendor_plan",
        "reseller_plan__reseller",
    )
    list_filter = ("status", "source")
    search_fields = ("=id", "client__name", "client__inn", "reseller_plan__vendor_plan__name")
    date_hierarchy = "created_at"
    readonly_fields = ("amount_due_rub",)

    @admin.display(description="реселлер", ordering="client__reseller__name")
    def reseller(self, obj: Order) -> str:
        return str(obj.client.reseller)

    @admin.display(description="к оплате", ordering="amount_due")
    def amount_due_rub(self, obj: Order) -> SafeString:
        return rub(obj.amount_due)


class ServicePeriodInline(ReadOnlyInline):
    model = ServicePeriod
    fields = ("starts_on", "expires_on", "seat_price", "purchase_price")


class ChargeInline(ReadOnlyInline):
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


class SeatChangeInline(ReadOnlyInline):
    model = SeatChange
    fields = ("previous_seats", "seats", "effective_on", "status", "requested_at", "reason_display")


class SubscriptionEventInline(ReadOnlyInline):
    model = SubscriptionEvent
    fields = ("from_status", "to_status", "day", "reason_display", "created_at")
    show_change_link = False


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "client",
        "reseller",
        "plan",
        "seats",
        "status",
        "paid_through",
        "auto_renew",
        "activated_at",
    )
    list_display_links = ("id", "client")
    list_select_related = ("client__reseller", "reseller_plan__vendor_plan")
    list_filter = ("status", "auto_renew")
    search_fields = ("=id", "client__name", "client__inn", "reseller_plan__vendor_plan__name")
    date_hierarchy = "activated_at"
    inlines = (ServicePeriodInline, ChargeInline, SeatChangeInline, SubscriptionEventInline)

    @admin.display(description="реселлер", ordering="client__reseller__name")
    def reseller(self, obj: Subscription) -> str:
        return str(obj.client.reseller)

    @admin.display(description="тарифный план", ordering="reseller_plan__vendor_plan__name")
    def plan(self, obj: Subscription) -> str:
        return obj.reseller_plan.vendor_plan.name

    @admin.display(description="оплачено по", ordering="expires_on")
    def paid_through(self, obj: Subscription) -> str:
        # expires_on is exclusive: the last day paid for is the day before (DESIGN.md §8).
        return format_day(obj.expires_on - timedelta(days=1)) if obj.expires_on else "—"


@admin.register(SeatChange)
class SeatChangeAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "subscription",
        "client",
        "previous_seats",
        "seats",
        "effective_on",
        "status",
        "requested_at",
        "decided_on",
        "reason_display",
    )
    list_select_related = ("subscription__client",)
    list_filter = ("status",)
    search_fields = ("=subscription__id", "subscription__client__name")
    date_hierarchy = "effective_on"

    @admin.display(description="клиент", ordering="subscription__client__name")
    def client(self, obj: SeatChange) -> str:
        return str(obj.subscription.client)


@admin.register(SubscriptionEvent)
class SubscriptionEventAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "subscription",
        "client",
        "from_status",
        "to_status",
        "day",
        "reason_display",
    )
    list_select_related = ("subscription__client",)
    list_filter = ("to_status",)
    search_fields = ("=subscription__id", "subscription__client__name", "reason")
    date_hierarchy = "day"

    @admin.display(description="клиент", ordering="subscription__client__name")
    def client(self, obj: SubscriptionEvent) -> str:
        return str(obj.subscription.client)
