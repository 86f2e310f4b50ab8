"""The bank statement pages' forms: they only parse the input; what a file must be and
whom a line may go to are the services' rules (documents.bank, documents.statements)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Client
from billing.forms import ClientChoiceField
from billing.submissions import OnceField
from config.formats import format_day, format_rub

from .models import Invoice
from .statements import MAX_FILE_BYTES


class StatementUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Файл выписки"),
        help_text=_(
            "Выгрузка из банка в формате 1С (1CClientBankExchange, обычно kl_to_1c.txt), "
            "в кодировке windows-1251 или UTF-8, до 50 МБ."
        ),
        error_messages={"required": _("Выберите файл выписки.")},
    )
    form_token = OnceField()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("Файл больше 50 МБ: загрузите выписку за более короткий период.")
            )
        return upload


class InvoiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return _("№ %(n)s от %(d)s: %(client)s, %(total)s") % {
            "n": obj.number,
            "d": format_day(obj.date),
            "client": obj.client.name,
            "total": format_rub(obj.total),
        }


class StatementAssignForm(forms.Form):
    client = ClientChoiceField(
        label=_("Клиент"),
        queryset=Client.objects.none(),
        empty_label=_("Выберите клиента"),
        error_messages={"required": _("Выберите клиента, чей это платёж.")},
    )
    invoice = InvoiceChoiceField(
        label=_("Счёт (необязательно)"),
        queryset=Invoice.objects.none(),
        required=False,
        empty_label=_("Без счёта: пополнение баланса"),
    )
    form_token = OnceField()

    def __init__(self, *args, clients, invoices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients  # type: ignore[attr-defined]
        self.fields["invoice"].queryset = invoices  # type: ignore[attr-defined]


class StatementIgnoreForm(forms.Form):
    form_token = OnceField()
