from django.contrib import admin

from .models import MockCall, MockCompany, MockControl, MockLicense, MockLicenseEvent, MockToken


@admin.register(MockCompany)
class MockCompanyAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "entity_type", "public_id", "custom_identifier", "parent"]
    list_filter = ["entity_type"]
    search_fields = ["name", "public_id", "custom_identifier", "email"]
    raw_id_fields = ["parent"]


class MockLicenseEventInline(admin.TabularInline):
    model = MockLicenseEvent
    extra = 0


@admin.register(MockLicense)
class MockLicenseAdmin(admin.ModelAdmin):
    list_display = [
        "public_license_id",
        "product_code",
        "quantity",
        "state",
        "customer",
        "key_generation",
        "updated_at",
    ]
    list_filter = ["state", "product_code"]
    search_fields = ["public_license_id", "license_key", "customer__name"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    inlines = [MockLicenseEventInline]


@admin.register(MockToken)
class MockTokenAdmin(admin.ModelAdmin):
    list_display = ["id", "username", "expires_at", "session_expires_at", "revoked"]
    list_filter = ["revoked"]


@admin.register(MockCall)
class MockCallAdmin(admin.ModelAdmin):
    list_display = ["id", "path", "status", "fault", "created_at"]
    list_filter = ["path", "status", "fault"]


@admin.register(MockControl)
class MockControlAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "latency_ms",
        "fail_rate",
        "token_ttl_seconds",
        "session_ttl_seconds",
        "maintenance",
        "concurrency_limit",
        "max_quantity",
        "log_calls",
    ]
