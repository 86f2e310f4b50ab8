"""The panel's «Журнал аудита» (DESIGN.md §3, §8): the reseller's trail, for its admins
(accounts.permissions: audit_read), filterable by action, person, client and dates,
exported as CSV and XLSX by the one mechanism of every list (config.exports)."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.utils.translation import gettext_lazy

from billing.correction_views import require_page

from .exports import AUDIT
from .models import AuditAction, AuditEvent, Client
from .panel import PanelRequest, list_export, list_filters, list_page, reseller_required
from .permissions import Action
from .selectors import audit_actors, audit_events, client_list

DATE_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_username()


class ClientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=gettext_lazy("Действие"),
        required=False,
        choices=[("", gettext_lazy("Все")), *AuditAction.choices],
    )
    actor = PersonChoiceField(
        label=gettext_lazy("Кто"),
        queryset=AuditEvent.objects.none(),
        required=False,
        empty_label=gettext_lazy("Все"),
    )
    client = ClientChoiceField(
        label=gettext_lazy("Клиент"),
        queryset=Client.objects.none(),
        required=False,
        empty_label=gettext_lazy("Все"),
    )
    date_from = forms.DateField(
        label=gettext_lazy("С даты"), required=False, input_formats=DATE_FORMATS
    )
    date_to = forms.DateField(
        label=gettext_lazy("По дату"), required=False, input_formats=DATE_FORMATS
    )

    def __init__(self, *args, reseller, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = audit_actors(reseller=reseller)  # type: ignore[attr-defined]
        self.fields["client"].queryset = client_list(reseller=reseller)  # type: ignore[attr-defined]


def _rows(request: PanelRequest):
    filters, chosen = list_filters(request, AuditFilterForm, reseller=request.reseller)
    actor, client = chosen.get("actor"), chosen.get("client")
    rows = audit_events(
        reseller=request.reseller,
        action=chosen.get("action") or None,
        actor_id=actor.pk if actor else None,
        client_id=client.pk if client else None,
        date_from=chosen.get("date_from"),
        date_to=chosen.get("date_to"),
    )
    return filters, rows


@reseller_required
def audit_list(request: PanelRequest) -> HttpResponse:
    require_page(request, Action.AUDIT_READ)
    filters, rows = _rows(request)
    if exported := list_export(request, AUDIT, rows):
        return exported
    return list_page(request, "panel/audit/list.html", rows, section="audit", filters=filters)
