from django.contrib import admin

from .models import MockCall, MockCompany, MockControl, MockLicense, MockToken


@admin.register(MockCompany)
class MockCompanyAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "company_id", "reference", "created_at"]
    search_fields = ["name", "company_id", "reference"]


@admin.register(MockLicense)
class MockLicenseAdmin(admin.ModelAdmin):
    list_display = [
        "public_license_id",
        "product_code",
        "quantity",
        "state",
        "reference",
        "company",
        "key_generation",
        "updated_at",
    ]
    list_filter = ["state", "product_code"]
    search_fields = ["public_license_id", "license_key", "reference", "company__name"]
    list_select_related = ["company"]
    raw_id_fields = ["company"]


@admin.register(MockToken)
class MockTokenAdmin(admin.ModelAdmin):
    list_display = ["id", "username", "expires_at", "refresh_expires_at", "revoked"]
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
        "concurrency_limit",
        "max_quantity",
        "log_calls",
    ]
