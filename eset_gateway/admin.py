from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from .models import (
    CommandState,
    EsetCustomer,
    EsetLicense,
    EsetResellerCompany,
    GatewayCommand,
    LicenseDrift,
)
from .services import commands_retry_now


@admin.register(EsetCustomer)
class EsetCustomerAdmin(admin.ModelAdmin):
    list_display = ["id", "client", "company_id", "created_at"]
    search_fields = ["company_id", "client__name", "client__inn"]
    list_select_related = ["client"]
    raw_id_fields = ["client"]
    readonly_fields = ["created_at"]


@admin.register(EsetResellerCompany)
class EsetResellerCompanyAdmin(admin.ModelAdmin):
    """A reseller's MSP company at ESET. The operator links an existing one by entering
    its company id here before the reseller's first order; otherwise the gateway creates
    one (Company/Create/msp) when the first client needs it."""

    list_display = ["id", "reseller", "company_id", "linked_by_operator", "created_at"]
    list_filter = ["linked_by_operator"]
    search_fields = ["company_id", "reseller__name"]
    list_select_related = ["reseller"]
    raw_id_fields = ["reseller"]
    readonly_fields = ["created_at"]

    def save_model(self, request: HttpRequest, obj: EsetResellerCompany, form, change) -> None:
        if not change:
            obj.linked_by_operator = True
        super().save_model(request, obj, form, change)


@admin.register(EsetLicense)
class EsetLicenseAdmin(admin.ModelAdmin):
    list_display = [
        "public_license_id",
        "subscription",
        "product_code",
        "quantity",
        "state",
        "updated_at",
    ]
    list_filter = ["state", "product_code"]
    search_fields = [
        "public_license_id",
        "license_key",
        "subscription__id",
        "subscription__client__name",
    ]
    list_select_related = ["subscription"]
    raw_id_fields = ["subscription"]
    readonly_fields = ["updated_at"]


@admin.register(GatewayCommand)
class GatewayCommandAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "state",
        "subscription",
        "attempts",
        "next_attempt_at",
        "locked_until",
        "short_error",
        "created_at",
        "done_at",
    ]
    list_filter = ["state", "kind"]
    search_fields = ["key", "last_error", "subscription__id", "subscription__client__name"]
    list_select_related = ["subscription"]
    raw_id_fields = ["subscription", "seat_change"]
    readonly_fields = [
        "key",
        "attempts",
        "locked_until",
        "last_error",
        "result",
        "created_at",
        "done_at",
    ]
    date_hierarchy = "created_at"
    actions = ["retry_now"]

    @admin.display(description="последняя ошибка")
    def short_error(self, obj: GatewayCommand) -> str:
        return obj.last_error[:80]

    @admin.action(description="Повторить сейчас (ошибочные и ожидающие)")
    def retry_now(self, request: HttpRequest, queryset: QuerySet[GatewayCommand]) -> None:
        eligible = queryset.filter(state__in=[CommandState.FAILED, CommandState.PENDING])
        count = commands_retry_now(
            command_ids=eligible.values_list("pk", flat=True), at=timezone.now()
        )
        self.message_user(request, f"Поставлено в очередь: {count}", messages.SUCCESS)


@admin.register(LicenseDrift)
class LicenseDriftAdmin(admin.ModelAdmin):
    """What the nightly reconciliation found: read-only, the record of a night."""

    list_display = [
        "night",
        "public_license_id",
        "subscription",
        "kind",
        "platform_quantity",
        "eset_quantity",
        "platform_state",
        "eset_state",
        "action",
        "command",
        "note",
    ]
    list_filter = ["night", "kind", "action"]
    search_fields = ["public_license_id", "subscription__id", "subscription__client__name"]
    list_select_related = ["subscription", "command"]
    date_hierarchy = "night"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
