"""Operator admin for the ESET catalogue and the resellers' plans.

The catalogue (VendorPlan) is the operator's own data and is edited here. A reseller's plan
moves only through `plans.services` (the admin actions below call them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString

from accounts.admin import rub
from config.errors import ApplicationError
from eset_gateway.services import available_products
from plans.models import ResellerPlan, VendorPlan
from plans.services import (
    reseller_plan_activate,
    reseller_plan_deactivate,
    reseller_plan_publish,
    reseller_plan_unpublish,
)


class VendorPlanForm(forms.ModelForm):
    """The ESET product code is picked from ESET's AvailableProducts, read when the form
    opens; when ESET cannot be asked, a number is typed (and checked by the model)."""

    class Meta:
        model = VendorPlan
        fields = (
            "name",
            "product_code",
            "eset_product_code",
            "description",
            "is_available",
            "min_seats",
            "max_seats",
            "purchase_price",
            "billing_cycle",
            "suspension_grace_days",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["eset_product_code"]
        field.required = True
        products = available_products()
        if products is None:
            field.help_text = "ESET недоступен: введите числовой код продукта из AvailableProducts."
            return
        choices = [(p.code, f"{p.code} — {p.name}") for p in products]
        current = self.instance.eset_product_code if self.instance.pk else None
        if current is not None and current not in {p.code for p in products}:
            # A code ESET no longer lists stays visible (and must be replaced to save).
            choices.append((current, f"{current} — нет в AvailableProducts"))
        self.fields["eset_product_code"] = forms.TypedChoiceField(
            label=field.label,
            choices=[("", "---------"), *choices],
            coerce=int,
            help_text="Из списка AvailableProducts учётной записи ESET.",
        )
        self._listed = {p.code for p in products}

    def clean_eset_product_code(self) -> int:
        code = self.cleaned_data["eset_product_code"]
        listed = getattr(self, "_listed", None)
        if listed is not None and code not in listed:
            raise forms.ValidationError("ESET не предлагает продукт с этим кодом.")
        return code


@admin.register(VendorPlan)
class VendorPlanAdmin(admin.ModelAdmin):
    form = VendorPlanForm
    list_display = (
        "name",
        "product_code",
        "eset_product_code",
        "min_seats",
        "max_seats",
        "purchase_price_rub",
        "billing_cycle",
        "suspension_grace_days",
        "is_available",
    )
    list_filter = ("is_available", "billing_cycle")
    search_fields = ("name", "product_code")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "product_code",
                    "eset_product_code",
                    "description",
                    "is_available",
                )
            },
        ),
        (
            "Ресурс «Рабочее место»",
            {
                "fields": (
                    "min_seats",
                    "max_seats",
                    "purchase_price",
                    "billing_cycle",
                    "suspension_grace_days",
                )
            },
        ),
    )

    @admin.display(description="закупочная цена / место / мес.", ordering="purchase_price")
    def purchase_price_rub(self, obj: VendorPlan) -> SafeString:
        return rub(obj.purchase_price)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A catalogue entry is withdrawn (is_available off), not deleted: plans refer to it.
        return False


def _run_each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[ResellerPlan],
    service: Callable[[ResellerPlan], object],
    done: str,
) -> None:
    ok = 0
    for plan in queryset.select_related("reseller", "vendor_plan"):
        try:
            service(plan)
        except ApplicationError as exc:
            modeladmin.message_user(request, f"{plan}: {exc.message}", messages.ERROR)
        else:
            ok += 1
    if ok:
        modeladmin.message_user(request, f"{done}: {ok}", messages.SUCCESS)


@admin.register(ResellerPlan)
class ResellerPlanAdmin(admin.ModelAdmin):
    list_display = (
        "vendor_plan",
        "reseller",
        "status",
        "seat_price_rub",
        "purchase_price_rub",
        "is_published",
        "activated_at",
    )
    list_select_related = ("vendor_plan", "reseller")
    list_filter = ("status", "is_published", ("vendor_plan", admin.RelatedOnlyFieldListFilter))
    search_fields = ("vendor_plan__name", "vendor_plan__product_code", "reseller__name")
    date_hierarchy = "activated_at"
    fields = (
        "reseller",
        "vendor_plan",
        "status",
        "seat_price_rub",
        "purchase_price_rub",
        "is_published",
        "activated_at",
        "updated_at",
    )
    readonly_fields = fields
    actions = ("activate", "deactivate", "publish", "unpublish")

    @admin.display(description="абонентская плата / место / мес.", ordering="seat_price")
    def seat_price_rub(self, obj: ResellerPlan) -> SafeString | str:
        if obj.seat_price is None:
            return "не задана: продажа по закупочной цене, без наценки"
        return rub(obj.seat_price)

    @admin.display(description="закупочная цена", ordering="vendor_plan__purchase_price")
    def purchase_price_rub(self, obj: ResellerPlan) -> SafeString:
        return rub(obj.vendor_plan.purchase_price)

    # Plans appear when a reseller activates one (the panel, or the action below) and
    # change only through the actions: the page itself is read-only.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_manage_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("plans.change_resellerplan")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Активировать", permissions=["manage"])
    def activate(self, request: HttpRequest, queryset: QuerySet[ResellerPlan]) -> None:
        _run_each(
            self,
            request,
            queryset,
            lambda p: reseller_plan_activate(reseller=p.reseller, vendor_plan=p.vendor_plan),
            "Активировано",
        )

    @admin.action(description="Деактивировать (и снять с публикации)", permissions=["manage"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[ResellerPlan]) -> None:
        _run_each(
            self,
            request,
            queryset,
            lambda p: reseller_plan_deactivate(reseller_plan=p),
            "Деактивировано",
        )

    @admin.action(description="Опубликовать в клиентском портале", permissions=["manage"])
    def publish(self, request: HttpRequest, queryset: QuerySet[ResellerPlan]) -> None:
        _run_each(
            self,
            request,
            queryset,
            lambda p: reseller_plan_publish(reseller_plan=p),
            "Опубликовано",
        )

    @admin.action(description="Снять с публикации", permissions=["manage"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[ResellerPlan]) -> None:
        _run_each(
            self,
            request,
            queryset,
            lambda p: reseller_plan_unpublish(reseller_plan=p),
            "Снято с публикации",
        )
