from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .errors_text import error_in_words
from .models import (
    CommandState,
    EsetCustomer,
    EsetLicense,
    EsetResellerCompany,
    GatewayCommand,
    GatewayDelayAlert,
    LicenseDrift,
    UsageDifference,
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
    """Each subscription's licence: the platform's view (seats, status) next to ESET's as
    ESET last reported it (quantity, state: by a command's answer or the reconciliation)."""

    list_display = [
        "public_license_id",
        "subscription",
        "product_code",
        "platform_seats",
        "quantity",
        "platform_status",
        "state",
        "agreement",
        "updated_at",
    ]
    list_filter = ["state", "product_code", "subscription__status"]
    search_fields = [
        "public_license_id",
        "license_key",
        "subscription__id",
        "subscription__client__name",
    ]
    list_select_related = ["subscription"]
    raw_id_fields = ["subscription"]
    readonly_fields = ["updated_at"]

    @admin.display(description="мест на платформе", ordering="subscription__seats")
    def platform_seats(self, obj: EsetLicense) -> int:
        return obj.subscription.seats

    @admin.display(description="подписка на платформе", ordering="subscription__status")
    def platform_status(self, obj: EsetLicense) -> str:
        return obj.subscription.get_status_display()

    @admin.display(description="ESET и платформа")
    def agreement(self, obj: EsetLicense) -> str:
        return license_agreement(obj)


# The licence state a subscription's status means at ESET.
EXPECTED_STATE = {"active": EsetLicense.State.ACTIVE, "suspended": EsetLicense.State.SUSPENDED}


def license_agreement(lic: EsetLicense) -> str:
    subscription = lic.subscription
    differences = []
    if lic.quantity != subscription.seats:
        differences.append(f"мест: ESET {lic.quantity}, платформа {subscription.seats}")
    expected = EXPECTED_STATE.get(subscription.status, EsetLicense.State.SUSPENDED)
    if lic.state != expected:
        differences.append(
            f"состояние: ESET «{lic.get_state_display()}», "
            f"платформа «{subscription.get_status_display()}»"
        )
    return "; ".join(differences) if differences else "совпадает"


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
        "error_words",
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
    # Counts by state above the list (templates/admin/eset_gateway/gatewaycommand/).
    change_list_template = "admin/eset_gateway/gatewaycommand/change_list.html"

    @admin.display(description="что случилось")
    def error_words(self, obj: GatewayCommand) -> str:
        return error_in_words(last_error=obj.last_error, result=obj.result)

    @admin.display(description="сообщение ESET")
    def short_error(self, obj: GatewayCommand) -> str:
        return obj.last_error[:80]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        counts = dict(
            GatewayCommand.objects.values_list("state").annotate(n=Count("id")).order_by()
        )
        by_state = [
            {"state": state, "label": label, "count": counts.get(state, 0)}
            for state, label in CommandState.choices
        ]
        return super().changelist_view(
            request, extra_context={**(extra_context or {}), "by_state": by_state}
        )

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


@admin.register(GatewayDelayAlert)
class GatewayDelayAlertAdmin(admin.ModelAdmin):
    """Episodes of ESET commands waiting too long, as told to resellers and the operator:
    read-only, the record of what was said and when."""

    list_display = [
        "opened_at",
        "scope",
        "reseller",
        "waiting",
        "waiting_since",
        "oldest_command",
        "resolved_at",
    ]
    list_filter = ["resolved_at"]
    list_select_related = ["reseller", "oldest_command"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(UsageDifference)
class UsageDifferenceAdmin(admin.ModelAdmin):
    """The monthly seat-day reconciliation: every company and product whose seat-days at
    ESET differ from the platform's, with the difference at the purchase price. Read-only,
    the record of a month."""

    list_display = [
        "month",
        "reseller",
        "client",
        "company_id",
        "product_code",
        "product_name",
        "eset_seat_days",
        "platform_seat_days",
        "difference",
        "purchase_value",
        "detected_at",
    ]
    list_filter = ["month", "reseller"]
    search_fields = ["company_id", "client__name", "reseller__name"]
    list_select_related = ["reseller", "client"]
    date_hierarchy = "month"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
