"""Operator admin for resellers, clients and the people who sign in for them.

Also holds the two helpers the other apps' admins share: `rub` (money as `1 234,50 ₽`) and
`ReadOnlyAdmin` (rows that only services write: the ledger, charges, payments...).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from accounts.audit_text import changes_line, object_text
from accounts.models import AuditEvent, Client, Invitation, Membership, Requisites, Reseller
from accounts.services import client_create, reseller_create
from config.formats import format_rub

from .login_throttle import ThrottledLoginMixin

User = get_user_model()

admin.site.site_header = "Платформа ESET: администрирование"
admin.site.site_title = "Платформа ESET"
admin.site.index_title = "Оператор"


def rub(amount: Decimal | None) -> SafeString:
    """Money for an admin column: one line, never wrapped between the digits."""
    return format_html('<span class="rub">{}</span>', format_rub(amount))


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that only domain services write: the operator may look, never add, edit or
    delete (money moves only through services, and each move is in the ledger)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _inn_clean(inn: str) -> str:
    inn = (inn or "").strip()
    if inn and (not inn.isdigit() or len(inn) not in (10, 12)):
        raise forms.ValidationError("ИНН состоит из 10 или 12 цифр.")
    return inn


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "reseller"
    extra = 0
    fields = ("user", "role")
    autocomplete_fields = ("user",)
    verbose_name_plural = "пользователи реселлера"


class ResellerForm(forms.ModelForm):
    class Meta:
        model = Reseller
        fields = ("name", "inn", "email", "is_active")

    def clean_inn(self) -> str:
        return _inn_clean(self.cleaned_data.get("inn", ""))


@admin.register(Reseller)
class ResellerAdmin(admin.ModelAdmin):
    form = ResellerForm
    list_display = ("name", "inn", "email", "is_active", "clients_link", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "inn", "email")
    date_hierarchy = "created_at"
    readonly_fields = ("created_at",)
    inlines = (MembershipInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Reseller]:
        return super().get_queryset(request).annotate(client_count=Count("clients"))

    @admin.display(description="клиенты", ordering="client_count")
    def clients_link(self, obj: Reseller) -> SafeString:
        url = reverse("admin:accounts_client_changelist") + f"?reseller__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.client_count)  # type: ignore[attr-defined]

    def get_inlines(self, request: HttpRequest, obj: Reseller | None) -> Any:
        # A new reseller gets its users once it exists (reseller_user_create, the panel).
        return self.inlines if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Reseller, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = reseller_create(name=obj.name, email=obj.email, inn=obj.inn)
        if not obj.is_active:
            Reseller.objects.filter(pk=created.pk).update(is_active=False)
        obj.pk = created.pk
        obj.created_at = created.created_at
        obj._state.adding = False
        obj._state.db = created._state.db

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Resellers are deactivated, not deleted: their clients' ledgers refer to them.
        return False


class ClientAddForm(forms.ModelForm):
    """A new client: its owner user (login = the e-mail) and membership come from
    `client_create`, not from this form."""

    class Meta:
        model = Client
        fields = ("reseller", "name", "inn", "email")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "reseller" in self.fields:
            self.fields["reseller"].queryset = Reseller.objects.filter(is_active=True)  # type: ignore[attr-defined]

    def clean_inn(self) -> str:
        return _inn_clean(self.cleaned_data.get("inn", ""))

    def clean_email(self) -> str:
        email = (self.cleaned_data.get("email") or "").strip().lower()
        if User.objects.filter(username=email).exists():
            raise forms.ValidationError("Пользователь с таким e-mail уже существует.")
        return email


class ClientChangeForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = ("name", "inn", "email")

    def clean_inn(self) -> str:
        return _inn_clean(self.cleaned_data.get("inn", ""))


class ClientMembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "client"
    extra = 0
    fields = ("user", "role")
    autocomplete_fields = ("user",)
    verbose_name_plural = "пользователи клиента"


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ("name", "reseller", "inn", "email", "owner", "balance_rub", "created_at")
    list_select_related = ("reseller", "owner")
    list_filter = (("reseller", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name", "inn", "email", "reseller__name", "owner__username")
    date_hierarchy = "created_at"
    autocomplete_fields = ("reseller",)
    inlines = (ClientMembershipInline,)

    def get_form(
        self, request: HttpRequest, obj: Any | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        kwargs["form"] = ClientChangeForm if obj is not None else ClientAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Client | None = None) -> Any:
        if obj is None:
            return ("reseller", "name", "inn", "email")
        return ("reseller", "name", "inn", "email", "owner", "balance_rub", "created_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Client | None = None) -> Any:
        # The reseller (tenancy) and the balance (the ledger's sum) never change by hand.
        return ("reseller", "owner", "balance_rub", "created_at") if obj is not None else ()

    def get_inlines(self, request: HttpRequest, obj: Client | None) -> Any:
        return self.inlines if obj is not None else ()

    @admin.display(description="баланс", ordering="balance")
    def balance_rub(self, obj: Client) -> SafeString:
        return rub(obj.balance)

    def save_model(self, request: HttpRequest, obj: Client, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = client_create(
            reseller=obj.reseller,
            name=obj.name,
            email=obj.email,
            inn=obj.inn,
            by=request.user,
            at=timezone.now(),
        )
        obj.pk = created.pk
        obj.owner = created.owner
        obj.created_at = created.created_at
        obj._state.adding = False
        obj._state.db = created._state.db

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Invitations are sent by the services (a new client, staff, a resend); the link's
    token is nowhere to be seen, it is not stored."""

    list_display = (
        "user",
        "reseller",
        "client",
        "created_by",
        "created_at",
        "expires_at",
        "used_at",
        "revoked_at",
    )
    list_select_related = ("user", "reseller", "client", "created_by")
    list_filter = (("reseller", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("user__username", "user__email", "client__name", "reseller__name")
    date_hierarchy = "created_at"


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "reseller", "client")
    list_select_related = ("user", "reseller", "client")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email", "reseller__name", "client__name")
    autocomplete_fields = ("user", "reseller", "client")


class UserMembershipInline(admin.StackedInline):
    model = Membership
    extra = 0
    max_num = 1
    fields = ("reseller", "client", "role")
    autocomplete_fields = ("reseller", "client")


# The stock user admin, plus whom the user acts for (a reseller or a client).
admin.site.unregister(User)


@admin.register(User)
class PlatformUserAdmin(UserAdmin):
    inlines = (UserMembershipInline,)
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "tenant")
    list_select_related = ("membership__reseller", "membership__client")

    @admin.display(description="работает для")
    def tenant(self, obj: Any) -> str:
        membership = getattr(obj, "membership", None)
        if membership is None:
            return "оператор" if obj.is_staff else "—"
        return str(membership.reseller or membership.client)


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The operator admin's sign-in, throttled like the panel's and the portal's."""


admin.site.login_form = ThrottledAdminAuthenticationForm


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The operator reads every tenant's trail; services write it, nobody edits it."""

    list_display = ("at", "reseller", "client", "who", "action", "object", "changes")
    list_filter = ("action", "reseller", ("at", admin.DateFieldListFilter))
    search_fields = ("actor__username", "client__name", "reseller__name")
    date_hierarchy = "at"
    list_select_related = ("reseller", "client", "actor")
    fields = ("at", "reseller", "client", "who", "action", "object", "changes")
    readonly_fields = fields

    @admin.display(description="кто")
    def who(self, obj: AuditEvent) -> str:
        return obj.actor.get_username() if obj.actor else "система"

    @admin.display(description="объект")
    def object(self, obj: AuditEvent) -> str:
        return object_text(obj)

    @admin.display(description="было → стало")
    def changes(self, obj: AuditEvent) -> str:
        return changes_line(obj)


@admin.register(Requisites)
class RequisitesAdmin(ReadOnlyAdmin):
    """Requisites are entered by the reseller and the client, each number checked by
    accounts.services.requisites_save; the operator reads them."""

    list_display = ("id", "legal_name", "inn", "kpp", "reseller", "client", "vat_mode")
    list_select_related = ("reseller", "client")
    list_filter = ("vat_mode",)
    search_fields = ("legal_name", "inn")
