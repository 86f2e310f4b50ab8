from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import MoneyField


class SeatPriceForm(forms.Form):
    """S4. Only parses the input; the money rules live in reseller_plan_set_seat_price."""

    seat_price = MoneyField(
        label=_("Абонентская плата/ежемесячно"),
        allow_zero=True,
        help_text=_("Стоимость лицензии на одно рабочее место в месяц для ваших клиентов, ₽."),
    )

    # Shown (and needed) only once the price was found to sell at a loss: the second step.
    confirm_loss = forms.BooleanField(
        label=_("Да, продавать по этой цене в убыток"),
        required=False,
    )


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Статус"),
        required=False,
        choices=[("", _("Все")), ("active", _("Активен")), ("inactive", _("Неактивен"))],
    )
