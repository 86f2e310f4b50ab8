"""The panel's «Журнал аудита» (DESIGN.md §3, §8): the reseller's trail, for its admins
(accounts.permissions: audit_read), filterable by action, person, client and dates,
exported as CSV (`;`, UTF-8 with a BOM, as Excel opens it in Russian locales), streamed."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import cast

from django import forms
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.correction_views import require_page

from .audit_text import changes_line, object_text
from .models import AuditAction, AuditEvent, Client
from .panel import PanelRequest, list_filters, list_page, reseller_required
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
    if request.GET.get("export") == "csv":
        # A streamed response (rows read in chunks, memory flat): the panel's door is typed
        # for plain pages.
        return cast(HttpResponse, _csv(rows))
    return list_page(request, "panel/audit/list.html", rows, section="audit", filters=filters)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv(rows) -> StreamingHttpResponse:
    writer = csv.writer(_Echo(), delimiter=";")

    def lines() -> Iterator[str]:
        yield "\ufeff"  # Excel reads the file as UTF-8 only with the BOM
        yield writer.writerow(
            [_("Когда (МСК)"), _("Кто"), _("Действие"), _("Клиент"), _("Объект"), _("Изменения")]
        )
        for event in rows.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    timezone.localtime(event.at).strftime("%d.%m.%Y %H:%M"),
                    event.actor.get_username() if event.actor else _("система"),
                    event.get_action_display(),
                    event.client.name if event.client else "",
                    object_text(event),
                    changes_line(event),
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit.csv"'
    return response
