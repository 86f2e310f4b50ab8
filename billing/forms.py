from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Client
from config.forms import MoneyField
from core.reasons import ADJUSTMENT_REASONS, REVERSAL_REASONS, Reason
from orders.models import Order

from .models import ChargeStatus, Payment
from .submissions import OnceField

DATE_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]


class ClientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class OrderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return _("Заказ №%(id)s: %(plan)s, %(seats)s раб. мест") % {
            "id": obj.pk,
            "plan": obj.reseller_plan.vendor_plan.name,
            "seats": obj.seats,
        }


class PaymentFilterForm(forms.Form):
    client = ClientChoiceField(
        label=_("Клиент"), queryset=Client.objects.none(), required=False, empty_label=_("Все")
    )
    date_from = forms.DateField(label=_("С даты"), required=False, input_formats=DATE_FORMATS)
    date_to = forms.DateField(label=_("По дату"), required=False, input_formats=DATE_FORMATS)
    method = forms.ChoiceField(
        label=_("Способ"), required=False, choices=[("", _("Все")), *Payment.Method.choices]
    )

    def __init__(self, *args, clients: QuerySet[Client], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients  # type: ignore[attr-defined]


class ClientPickForm(forms.Form):
    client = ClientChoiceField(
        label=_("Клиент"),
        queryset=Client.objects.none(),
        error_messages={
            "required": _("Выберите клиента."),
            "invalid_choice": _("Выберите клиента из списка."),
        },
    )

    def __init__(self, *args, clients: QuerySet[Client], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients  # type: ignore[attr-defined]


class PaymentForm(forms.Form):
    """S8. Only parses the input; the money rules live in payment_register_outcome."""

    amount = MoneyField(label=_("Сумма, ₽"), help_text=_("Например, 1 234,50."))
    method = forms.ChoiceField(
        label=_("Способ оплаты"),
        choices=Payment.Method.choices,
        initial=Payment.Method.BANK_TRANSFER,
    )
    reference = forms.CharField(
        label=_("Основание"),
        max_length=200,
        required=False,
        help_text=_("Номер платёжного поручения или другой документ."),
    )
    order = OrderChoiceField(
        label=_("Заказ"),
        queryset=Order.objects.none(),
        required=False,
        empty_label=_("Без заказа: пополнить баланс"),
        help_text=_("Подтверждённый заказ клиента, ожидающий оплаты."),
    )

    form_token = OnceField()

    def __init__(self, *args, orders: QuerySet[Order], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].queryset = orders  # type: ignore[attr-defined]


def _reasons(codes) -> list[tuple[str, object]]:
    return [(str(code), Reason(code).label) for code in codes]


class CorrectionForm(forms.Form):
    """A correction's two steps (DESIGN.md §8): the person fills it in (`step` empty), sees
    what will follow, and confirms (`step` = confirm) with the same values and token."""

    step = forms.CharField(widget=forms.HiddenInput, required=False)
    form_token = OnceField()

    @property
    def confirmed(self) -> bool:
        return self.is_valid() and self.cleaned_data.get("step") == "confirm"


class ReversalForm(CorrectionForm):
    reason = forms.ChoiceField(
        label=_("Причина сторно"),
        choices=[("", "—"), *_reasons(REVERSAL_REASONS)],
        error_messages={
            "required": _("Укажите причину сторно."),
            "invalid_choice": _("Укажите причину сторно из списка."),
        },
    )


class RefundForm(CorrectionForm):
    amount = MoneyField(
        label=_("Сумма возврата, ₽"),
        help_text=_("Не больше доступного баланса. Например, 1 234,50."),
    )
    reference = forms.CharField(
        label=_("Основание"),
        max_length=200,
        required=False,
        help_text=_("Номер платёжного поручения, которым деньги возвращены клиенту."),
        error_messages={"max_length": _("Основание длиннее 200 символов.")},
    )


class AdjustmentForm(CorrectionForm):
    amount = MoneyField(
        label=_("Сумма корректировки, ₽"),
        signed=True,
        help_text=_("Со знаком: 500 зачисляет на баланс, −500 списывает (не больше доступного)."),
    )
    reason = forms.ChoiceField(
        label=_("Причина корректировки"),
        choices=[("", "—"), *_reasons(ADJUSTMENT_REASONS)],
        error_messages={
            "required": _("Укажите причину корректировки."),
            "invalid_choice": _("Укажите причину корректировки из списка."),
        },
    )


class ChargeStatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Статус списания"), required=False, choices=[("", _("Все")), *ChargeStatus.choices]
    )
