"""Portal forms. They only parse the input; the rules (seat bounds, publication, funds)
live in orders.services and come back as ApplicationError beside the field they name."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from config.forms import SeatsField

from .login_throttle import ThrottledLoginMixin
from .selectors import portal_client_for


class PortalAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    """Only a client's users sign in to the portal; a reseller's members have the panel.

    The field is an e-mail, and so is what the error names (Django's says «имя
    пользователя»)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Неверный e-mail или пароль. Пароль вводится с учётом регистра."),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("E-mail")

    def clean_username(self) -> str:
        # Client people sign in with their e-mail, stored lower-cased (accounts.services).
        return str(self.cleaned_data.get("username") or "").strip().lower()

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if portal_client_for(user=user) is None:
            raise forms.ValidationError(
                _("Эта учётная запись не даёт доступа к порталу клиента."), code="no_client"
            )


class PortalOrderForm(forms.Form):
    """S5-S6. The seats are bounded by the plan (order_create checks them again)."""

    seats = SeatsField(label=_("Количество лицензий (рабочих мест)"))

    def __init__(self, *args, min_seats: int, max_seats: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["seats"].set_bounds(min_seats, max_seats)  # type: ignore[attr-defined]
        self.fields["seats"].help_text = _(
            "Минимальное количество лицензий включено автоматически; "
            "можно указать от %(min)s до %(max)s."
        ) % {"min": min_seats, "max": max_seats}
