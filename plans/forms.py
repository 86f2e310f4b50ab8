from django import forms
from django.utils.translation import gettext_lazy as _


class SeatPriceForm(forms.Form):
    """S4. Only parses the input; the money rules live in reseller_plan_set_seat_price."""

    seat_price = forms.CharField(
        label=_("Абонентская плата/ежемесячно"),
        max_length=32,
        help_text=_("Стоимость лицензии на одно рабочее место в месяц для ваших клиентов, ₽."),
    )

    # Shown (and needed) only once the price was found to sell at a loss: the second step.
    confirm_loss = forms.BooleanField(
        label=_("Да, продавать по этой цене в убыток"),
        required=False,
    )

    def clean_seat_price(self) -> str:
        # People write "1 234,50": the decimal comma and grouping spaces are not errors.
        raw: str = self.cleaned_data["seat_price"]
        return raw.replace("\u00a0", "").replace(" ", "").replace(",", ".")


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Статус"),
        required=False,
        choices=[("", _("Все")), ("active", _("Активен")), ("inactive", _("Неактивен"))],
    )
