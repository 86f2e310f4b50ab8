from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .login_throttle import ThrottledLoginMixin
from .selectors import membership_for


class PanelAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    """Only a reseller's members sign in to the panel; a client's users have the portal."""

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        membership = membership_for(user=user)
        if membership is None or membership.reseller is None or not membership.reseller.is_active:
            raise forms.ValidationError(
                _("Эта учётная запись не даёт доступа к панели реселлера."), code="no_reseller"
            )


class ClientForm(forms.Form):
    """Only parses the input; the rules (e-mail, INN, duplicates) live in client_create."""

    name = forms.CharField(label=_("Название"), max_length=200)
    email = forms.CharField(
        label=_("E-mail владельца"),
        max_length=254,
        help_text=_("Логин владельца подписок: ему приходят активационные данные."),
    )
    inn = forms.CharField(label=_("ИНН"), max_length=12, required=False)
    # ESET requires an address for every client company (Company/Create/customer).
    address_state = forms.CharField(label=_("Регион"), max_length=100)
    address_city = forms.CharField(label=_("Город"), max_length=100)
    address_street = forms.CharField(label=_("Улица, дом"), max_length=200)
    address_zip = forms.CharField(label=_("Индекс"), max_length=20)


class ClientSearchForm(forms.Form):
    q = forms.CharField(label=_("Поиск по названию"), required=False)


class PlanSearchForm(forms.Form):
    q = forms.CharField(label=_("Поиск по названию"), required=False, max_length=100)
