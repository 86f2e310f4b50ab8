"""The requisites form of the panel and the portal (DESIGN.md §13)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import VatMode
from .services import CLIENT_REQUISITES_FIELDS, RESELLER_REQUISITES_FIELDS

LABELS = {
    "legal_name": _("Полное наименование"),
    "inn": _("ИНН"),
    "kpp": _("КПП"),
    "ogrn": _("ОГРН или ОГРНИП"),
    "legal_address": _("Юридический адрес"),
    "bank_name": _("Банк"),
    "bik": _("БИК"),
    "corr_account": _("Корреспондентский счёт"),
    "account": _("Расчётный счёт"),
    "signatory_name": _("Подписант: фамилия и инициалы"),
    "signatory_position": _("Подписант: должность"),
    "vat_mode": _("НДС"),
}
HELP = {
    "kpp": _("9 цифр; у индивидуального предпринимателя КПП нет."),
    "ogrn": _("13 цифр у организации, 15 цифр у индивидуального предпринимателя."),
    "bik": _("9 цифр, начинается с 04."),
    "account": _("20 цифр; проверяется вместе с БИК."),
    "vat_mode": _("Ставка НДС берётся на дату документа: 20 % до 2026 года, 22 % с 2026 года."),
}


class RequisitesForm(forms.Form):
    """Every field as text: the lengths and check digits are requisites_save's, so a
    refusal names the field in one wording wherever the requisites are entered."""

    def __init__(self, *args, seller: bool, **kwargs):
        super().__init__(*args, **kwargs)
        names = RESELLER_REQUISITES_FIELDS if seller else CLIENT_REQUISITES_FIELDS
        for name in names:
            if name == "vat_mode":
                self.fields[name] = forms.ChoiceField(
                    label=LABELS[name],
                    choices=VatMode.choices,
                    initial=VatMode.STANDARD,
                    help_text=HELP[name],
                )
            else:
                self.fields[name] = forms.CharField(
                    label=LABELS[name],
                    required=False,
                    max_length=500,
                    help_text=HELP.get(name, ""),
                    widget=forms.Textarea(attrs={"rows": 2})
                    if name in ("legal_address", "legal_name")
                    else forms.TextInput,
                )
