"""The summary above a form (templates/panel/_form_errors.html): every invalid field at once,
each a link to the field, whose own message stands beside it."""

from __future__ import annotations

from django import template
from django.forms import BaseForm, BoundField

register = template.Library()


@register.filter
def invalid_fields(form: BaseForm) -> list[BoundField]:
    return [field for field in form.visible_fields() if field.errors]
