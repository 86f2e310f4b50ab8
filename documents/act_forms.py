"""The forms of the acts' and statements' pages: they parse; the rules are the services'."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Client
from billing.forms import ClientChoiceField


class ActFilterForm(forms.Form):
    month = forms.DateField(
        label=_("Месяц"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )


class PanelActFilterForm(ActFilterForm):
    client = ClientChoiceField(
        label=_("Клиент"), queryset=Client.objects.none(), required=False, empty_label=_("Все")
    )

    def __init__(self, *args, clients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients  # type: ignore[attr-defined]


class StatementForm(forms.Form):
    date_from = forms.DateField(
        label=_("С"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("По"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


def statement_initial(today: date) -> dict[str, date]:
    """The year so far: what an accountant asks for most."""
    return {"date_from": today.replace(month=1, day=1), "date_to": today}
