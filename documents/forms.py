"""The documents' HTML forms. They only parse the input; the rules (amounts, requisites'
check digits, what an invoice may be issued for) live in the services."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Client
from billing.forms import ClientChoiceField
from billing.models import Payment
from billing.submissions import OnceField
from config.forms import MoneyField

from .models import InvoiceStatus


class InvoiceFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Статус"), required=False, choices=[("", _("Все")), *InvoiceStatus.choices]
    )


class PanelInvoiceFilterForm(InvoiceFilterForm):
    client = ClientChoiceField(
        label=_("Клиент"), queryset=Client.objects.none(), required=False, empty_label=_("Все")
    )

    def __init__(self, *args, clients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients  # type: ignore[attr-defined]


class OptionalAmountField(forms.CharField):
    """Empty or an amount (read by MoneyField in the form's clean); a renewal's shortfall
    put in it is shown as people write it, «1 696,78», not «1696.78»."""

    prepare_value = MoneyField.prepare_value


class InvoiceIssueForm(forms.Form):
    """An invoice for any amount, for a renewal's shortfall (`subscription`) or for an
    order (`order`: the amount is the order's, the field is not shown)."""

    amount = OptionalAmountField(
        label=_("Сумма счёта, ₽"),
        max_length=32,
        required=False,
        help_text=_("Например, 1 234,50. НДС, если он есть, входит в сумму."),
    )
    order = forms.IntegerField(widget=forms.HiddenInput, required=False)
    subscription = forms.IntegerField(widget=forms.HiddenInput, required=False)
    form_token = OnceField()

    def clean_amount(self) -> Decimal | None:
        # Empty: the amount comes from the order or the renewal's shortfall.
        raw = (self.cleaned_data.get("amount") or "").strip()
        return MoneyField().clean(raw) if raw else None


class InvoicePaymentForm(forms.Form):
    """A payment that names the invoice; the money rules are billing's."""

    amount = MoneyField(label=_("Сумма, ₽"))
    method = forms.ChoiceField(
        label=_("Способ оплаты"),
        choices=Payment.Method.choices,
        initial=Payment.Method.BANK_TRANSFER,
    )
    reference = forms.CharField(
        label=_("Основание"),
        max_length=200,
        required=False,
        help_text=_("Номер платёжного поручения, например «п/п № 15 от 14.12.2026»."),
    )
    form_token = OnceField()
