"""How the HTML faces show a domain refusal (config.errors.ApplicationError): beside the form
field it names, else above the form; on a page without a form, as a message. Every panel and
portal view goes through these two, so a refusal reads the same wherever it is made."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from .errors import ApplicationError


def apply_domain_error(
    form: forms.BaseForm,
    error: ApplicationError,
    *,
    aliases: Mapping[str, str] | None = None,
) -> None:
    """The error's message under the form's field it names; a non-field error when the form
    has no such field (or the error names none). `aliases` shows a domain field under a form
    field of another name (the seat form shows "subscription" refusals beside its seats)."""
    name = error.field
    if name is not None and aliases:
        name = aliases.get(name, name)
    form.add_error(name if name in form.fields else None, error.message)


def report_domain_error(request: HttpRequest, error: ApplicationError) -> None:
    """A refused action of a page without a form (confirm, cancel, activate, revoke)."""
    messages.error(request, error.message)
