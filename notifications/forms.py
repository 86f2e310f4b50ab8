from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Client
from billing.forms import ClientChoiceField

from .models import NotificationKind


class JournalFilterForm(forms.Form):
    client = ClientChoiceField(
        label=_("Клиент"), queryset=Client.objects.none(), required=False, empty_label=_("Все")
    )
    kind = forms.ChoiceField(
        label=_("Тип"), required=False, choices=[("", _("Все")), *NotificationKind.choices]
    )
    read = forms.ChoiceField(
        label=_("Прочтение"),
        required=False,
        choices=[("", _("Все")), ("unread", _("Непрочитанные")), ("read", _("Прочитанные"))],
    )

    def __init__(self, *args, clients: QuerySet[Client] | None, **kwargs):
        """`clients`: the reseller's, to filter by; None in the portal (one client)."""
        super().__init__(*args, **kwargs)
        if clients is None:
            del self.fields["client"]
        else:
            self.fields["client"].queryset = clients  # type: ignore[attr-defined]
