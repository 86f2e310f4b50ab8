from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from config.errors import ApplicationError
from config.forms import apply_domain_error

from .login_throttle import ThrottledLoginMixin
from .models import Membership
from .selectors import membership_for
from .services import client_fields_clean


class PanelAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    """Only a reseller's members sign in to the panel; a client's users have the portal.

    The field is a login: the one given to a staff member, or their e-mail when they were
    invited by e-mail; the error names it as the label does, not as Django's «имя
    пользователя»."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Неверный логин или пароль. Пароль вводится с учётом регистра."),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Логин")
        self.fields["username"].help_text = _("Если вас пригласили по e-mail — ваш e-mail.")

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

    def clean(self) -> dict:
        """Every mistake in one round: the service's checks of the fields the form itself
        accepted (a wrong e-mail and INN are shown together with an empty city)."""
        data = super().clean() or {}
        try:
            client_fields_clean(
                **{name: data.get(name, "") for name in self.fields}  # type: ignore[arg-type]
            )
        except ApplicationError as exc:
            for one in getattr(exc, "errors", [exc]):
                if one.field not in self.errors:
                    apply_domain_error(self, one)
        return data


class ClientSearchForm(forms.Form):
    q = forms.CharField(label=_("Поиск по названию"), required=False)


class PlanSearchForm(forms.Form):
    q = forms.CharField(label=_("Поиск по названию"), required=False, max_length=100)


class InviteForm(forms.Form):
    """A person to invite: the e-mail is their login. Only parses; person_invite checks."""

    email = forms.CharField(label=_("E-mail"), max_length=254)
    role = forms.CharField(label=_("Роль"), max_length=16, widget=forms.Select)

    def __init__(self, *args, roles: tuple[str, ...], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].widget.choices = [(r, Membership.Role(r).label) for r in roles]


class PasswordsForm(forms.Form):
    """A new password, typed twice; the validators run in the service."""

    new_password1 = forms.CharField(
        label=_("Новый пароль"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("Новый пароль ещё раз"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean() or {}
        one, two = cleaned.get("new_password1"), cleaned.get("new_password2")
        if one and two and one != two:
            self.add_error("new_password2", _("Пароли не совпадают."))
        return cleaned


class PasswordChangeForm(PasswordsForm):
    old_password = forms.CharField(
        label=_("Текущий пароль"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["old_password", "new_password1", "new_password2"]


class LanguageForm(forms.Form):
    language = forms.CharField(label=_("Язык интерфейса"), max_length=8, widget=forms.Select)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].widget.choices = list(settings.LANGUAGES)


class ReminderDaysForm(forms.Form):
    """Only parses; reseller_set_reminder_days checks the days."""

    reminder_days = forms.CharField(
        label=_("За сколько дней до окончания периода напоминать"),
        max_length=100,
        required=False,
        help_text=_(
            "Дни от 1 до 60 через запятую, не больше пяти, например «7, 1». Если оставить "
            "поле пустым, напоминания не отправляются."
        ),
    )
