from django import forms
from django.utils.translation import gettext_lazy as _

from .services import MAX_NAME


class TokenForm(forms.Form):
    """Only parses the input; token_create checks the name."""

    name = forms.CharField(
        label=_("Название"),
        max_length=MAX_NAME,
        help_text=_("Чтобы отличать токены: например, «Интеграция с 1С»."),
    )
