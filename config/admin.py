"""The operator admin in Russian with correct cases (issue 11, DESIGN.md §8).

Django's admin puts a model's verbose_name (nominative) into phrases that need the
accusative: «Выберите %s для изменения», «Добавить %s», «Изменить %s». This site gives
every registered ModelAdmin those titles with the accusative below, and shows the id column
as «№». It replaces django.contrib.admin's default site (OperatorAdminConfig in
INSTALLED_APPS), so every app's `@admin.register` goes through it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

# The accusative of each registered model's verbose_name ("app_label.model_name"); masculine
# inanimate and neuter nouns read as their nominative. tests/test_admin_russian.py checks
# that every registered model is here.
ACCUSATIVE: dict[str, str] = {
    "auth.user": "пользователя",
    "auth.group": "группу",
    "accounts.reseller": "реселлера",
    "accounts.client": "клиента",
    "accounts.membership": "участника",
    "accounts.auditevent": "событие аудита",
    "accounts.invitation": "приглашение",
    "plans.vendorplan": "тарифный план ESET",
    "plans.resellerplan": "тарифный план реселлера",
    "orders.order": "заказ",
    "orders.subscription": "подписку",
    "orders.seatchange": "изменение числа мест",
    "orders.subscriptionevent": "событие подписки",
    "billing.payment": "платёж",
    "billing.balanceentry": "запись журнала баланса",
    "billing.serviceperiod": "сервисный период",
    "billing.charge": "списание",
    "billing.formsubmission": "отправку денежной формы",
    "notifications.notification": "уведомление",
    "eset_gateway.esetcustomer": "компанию ESET",
    "eset_gateway.esetresellercompany": "компанию реселлера в ESET (MSP)",
    "eset_gateway.esetlicense": "лицензию ESET",
    "eset_gateway.gatewaycommand": "команду ESET",
    "eset_gateway.licensedrift": "расхождение с ESET",
    "eset_gateway.gatewaydelayalert": "задержку команд ESET",
    "eset_gateway.usagedifference": "расхождение место-дней с ESET",
    "eset_mock.mockcompany": "компанию (имитация ESET)",
    "eset_mock.mocklicense": "лицензию (имитация ESET)",
    "eset_mock.mocktoken": "токен (имитация ESET)",
    "eset_mock.mockcall": "вызов (имитация ESET)",
    "eset_mock.mockcontrol": "настройки (имитация ESET)",
    "api.apitoken": "API-токен",
    "api.idempotencyrecord": "ключ идемпотентности",
    "documents.invoice": "счёт",
    "documents.act": "акт",
    "documents.actline": "строку акта",
    "documents.invoiceline": "строку счёта",
    "documents.invoicepayment": "оплату счёта",
    "documents.documentcounter": "счётчик номеров",
    "documents.vatrate": "ставку НДС",
    "documents.bankstatement": "банковскую выписку",
    "documents.statementline": "строку выписки",
    "accounts.requisites": "реквизиты",
    "billing.remindersent": "напоминание о продлении",
}


def accusative(model: type[Model]) -> str:
    return ACCUSATIVE.get(model._meta.label_lower, str(model._meta.verbose_name))


class OperatorTitles:
    """Mixed into every registered ModelAdmin by OperatorAdminSite.register."""

    model: type[Model]

    @admin.display(description="№", ordering="pk")
    def number(self, obj: Model) -> Any:
        return obj.pk

    def get_list_display(self, request: HttpRequest) -> Any:
        shown = super().get_list_display(request)  # type: ignore[misc]
        return tuple("number" if name in ("id", "pk") else name for name in shown)

    def get_list_display_links(self, request: HttpRequest, list_display: Any) -> Any:
        links = super().get_list_display_links(request, list_display)  # type: ignore[misc]
        if links is None:
            return links
        return tuple("number" if name in ("id", "pk") else name for name in links)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        name = accusative(self.model)
        if self.has_change_permission(request):  # type: ignore[attr-defined]
            title = _("Выберите %s для изменения") % name
        else:
            title = _("Выберите %s для просмотра") % name
        context = {"title": title, "add_label": _("Добавить %s") % name, **(extra_context or {})}
        return super().changelist_view(request, context)  # type: ignore[misc]

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: Any = None,
    ) -> HttpResponse:
        name = accusative(self.model)
        if object_id is None:
            title = _("Добавить %s") % name
        elif self.has_change_permission(request):  # type: ignore[attr-defined]
            title = _("Изменить %s") % name
        else:
            title = _("Просмотреть %s") % name
        context = {"title": title, **(extra_context or {})}
        return super().changeform_view(request, object_id, form_url, context)  # type: ignore[misc]

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        # «Вы уверены, что хотите удалить %(object_name)s …?»
        context = {"object_name": accusative(self.model), **(extra_context or {})}
        return super().delete_view(request, object_id, context)  # type: ignore[misc]


class OperatorAdminSite(admin.AdminSite):
    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        base = admin_class or admin.ModelAdmin
        if not issubclass(base, OperatorTitles):
            base = type(base.__name__, (OperatorTitles, base), {"__module__": base.__module__})
        super().register(model_or_iterable, base, **options)


class OperatorAdminConfig(AdminConfig):
    default_site = "config.admin.OperatorAdminSite"
