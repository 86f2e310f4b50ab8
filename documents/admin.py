"""Operator admin for documents: VAT rates are the operator's to enter (dated rows);
invoices and counters are written only by documents.services and are read-only here."""

from __future__ import annotations

from django.contrib import admin
from django.utils.safestring import SafeString

from accounts.admin import ReadOnlyAdmin, ReadOnlyInline, rub

from .models import (
    Act,
    ActLine,
    BankStatement,
    DocumentCounter,
    Invoice,
    InvoiceLine,
    InvoicePayment,
    StatementLine,
    VatRate,
)


@admin.register(VatRate)
class VatRateAdmin(admin.ModelAdmin):
    list_display = ("valid_from", "rate")
    ordering = ("-valid_from",)


@admin.register(DocumentCounter)
class DocumentCounterAdmin(ReadOnlyAdmin):
    list_display = ("reseller", "kind", "year", "last_number")
    list_select_related = ("reseller",)
    list_filter = ("kind", "year")


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = ("position", "title", "quantity", "unit", "price", "amount")
    show_change_link = False


class InvoicePaymentInline(ReadOnlyInline):
    model = InvoicePayment
    fields = ("payment",)
    show_change_link = False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("id", "number", "year", "date", "reseller", "client", "total_rub", "status")
    list_display_links = ("id", "number")
    list_select_related = ("reseller", "client")
    list_filter = ("status", "purpose", "vat_mode", "year")
    search_fields = ("=number", "client__name", "client__inn", "reseller__name")
    date_hierarchy = "date"
    inlines = [InvoiceLineInline, InvoicePaymentInline]

    @admin.display(description="сумма", ordering="total")
    def total_rub(self, obj: Invoice) -> SafeString:
        return rub(obj.total)


@admin.register(InvoicePayment)
class InvoicePaymentAdmin(ReadOnlyAdmin):
    list_display = ("id", "invoice", "payment")
    list_select_related = ("invoice", "payment")


@admin.register(InvoiceLine)
class InvoiceLineAdmin(ReadOnlyAdmin):
    list_display = ("id", "invoice", "position", "title", "amount")
    list_select_related = ("invoice",)


# --------------------------------------------------------------------------- bank statements


@admin.register(BankStatement)
class BankStatementAdmin(ReadOnlyAdmin):
    """Imported by documents.statements only; its lines are a changelist of their own
    (a statement may hold thousands)."""

    list_display = (
        "id",
        "at",
        "reseller",
        "filename",
        "incoming",
        "new_lines",
        "duplicates",
        "matched",
        "unmatched",
        "matched_rub",
    )
    list_select_related = ("reseller",)
    search_fields = ("filename", "sha256", "reseller__name")
    date_hierarchy = "at"

    @admin.display(description="зачислено", ordering="amount_matched")
    def matched_rub(self, obj: BankStatement) -> SafeString:
        return rub(obj.amount_matched)


@admin.register(StatementLine)
class StatementLineAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "statement",
        "number",
        "date",
        "amount_rub",
        "payer_inn",
        "payer_name",
        "status",
        "match",
        "client",
        "invoice",
        "payment",
    )
    list_select_related = ("statement", "client", "invoice", "payment")
    list_filter = ("status", "match")
    search_fields = ("=number", "=payer_inn", "payer_name", "purpose")
    raw_id_fields = ("statement", "client", "invoice", "payment")

    @admin.display(description="сумма", ordering="amount")
    def amount_rub(self, obj: StatementLine) -> SafeString:
        return rub(obj.amount)


class ActLineInline(ReadOnlyInline):
    model = ActLine
    fields = (
        "subscription",
        "product",
        "seats",
        "date_from",
        "date_to",
        "days",
        "amount",
        "charge",
    )
    show_change_link = False


@admin.register(Act)
class ActAdmin(ReadOnlyAdmin):
    """Acts are written only by documents.acts.acts_issue (set-based, on the 1st)."""

    list_display = ("id", "number", "year", "date", "reseller", "client", "total_rub")
    list_display_links = ("id", "number")
    list_select_related = ("reseller", "client")
    list_filter = ("vat_mode", "year", "month")
    search_fields = ("=number", "client__name", "client__inn", "reseller__name")
    date_hierarchy = "date"
    inlines = [ActLineInline]

    @admin.display(description="сумма", ordering="total")
    def total_rub(self, obj: Act) -> SafeString:
        return rub(obj.total)


@admin.register(ActLine)
class ActLineAdmin(ReadOnlyAdmin):
    list_display = ("id", "act", "product", "date_from", "date_to", "amount")
    list_select_related = ("act",)
