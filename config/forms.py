"""How the HTML faces take numbers and show refusals.

A domain refusal (config.errors.ApplicationError) goes beside the form field it names, else
above the form; on a page without a form, as a message. Every panel and portal view goes
through these two, so a refusal reads the same wherever it is made.

Seats and money are read by the two fields below, shared by every panel and portal form:
whatever is wrong (empty, letters, a minus, too many digits, out of range), the message is
one sentence that states the allowed range (core.bounds), the same the services and the
API give. Every invalid field is marked (aria-invalid, the `invalid` class) by the
project's form renderer."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest

from core.bounds import SEATS_DIGITS, amount_range_text, seats_range_text
from core.money import money_clean

from .errors import ApplicationError

INVALID_CLASS = "invalid"
SEATS_PATTERN = re.compile(rf"[0-9]{{1,{SEATS_DIGITS}}}")
# Digits with a decimal point (after amount_text): no exponent, no "NaN", no "1.".
AMOUNT_PATTERN = re.compile(r"[0-9]+(\.[0-9]+)?")


def apply_domain_error(
    form: forms.BaseForm,
    error: ApplicationError,
    *,
    aliases: Mapping[str, str] | None = None,
) -> None:
    """The error's message under the form's field it names; a non-field error when the form
    has no such field (or the error names none). `aliases` shows a domain field under a form
    field of another name (the seat form shows "subscription" refusals beside its seats).
    Several refusals at once (config.errors.ValidationErrors) are all shown."""
    for one in getattr(error, "errors", [error]):
        name = one.field
        if name is not None and aliases:
            name = aliases.get(name, name)
        target = name if name in form.fields else None
        if target is not None and one.message in form.errors.get(target, []):
            continue
        form.add_error(target, one.message)


def report_domain_error(request: HttpRequest, error: ApplicationError) -> None:
    """A refused action of a page without a form (confirm, cancel, activate, revoke)."""
    for one in getattr(error, "errors", [error]):
        messages.error(request, one.message)


class SeatsField(forms.CharField):
    """A whole number of seats. With its bounds (the plan's Workplace limits) it refuses
    what is outside them; without them (the plan not yet chosen) the service does, in the
    same words."""

    def __init__(
        self, *, min_seats: int | None = None, max_seats: int | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("widget", forms.NumberInput(attrs={"step": 1}))
        super().__init__(**kwargs)
        self.set_bounds(min_seats, max_seats)

    def set_bounds(self, min_seats: int | None, max_seats: int | None) -> None:
        self.min_seats, self.max_seats = min_seats, max_seats
        if min_seats is not None and max_seats is not None:
            self.widget.attrs.update(min=min_seats, max=max_seats)

    def clean(self, value: Any) -> int:
        refused = forms.ValidationError(
            seats_range_text(self.min_seats, self.max_seats), code="invalid"
        )
        text = value.strip() if isinstance(value, str) else ""
        if not SEATS_PATTERN.fullmatch(text):
            raise refused
        seats = int(text)
        low = self.min_seats if self.min_seats is not None else 1
        if seats < low or (self.max_seats is not None and seats > self.max_seats):
            raise refused
        return seats


def amount_text(raw: str) -> str:
    """People write "1 234,50" (and "−50" with a typographic minus): the decimal comma,
    grouping spaces and that minus are not errors."""
    return (
        raw.strip()
        .replace("\u00a0", "")
        .replace("\u202f", "")
        .replace(" ", "")
        .replace(",", ".")
        .replace("\u2212", "-")
    )


class MoneyField(forms.CharField):
    """An amount in roubles with kopecks, read exactly (never a float) by core.money's rules:
    more than zero (or zero, `allow_zero`), or either sign but not zero (`signed`), at most
    core.bounds.MAX_AMOUNT. Shown back as people write it: «1 099,50»."""

    def __init__(self, *, allow_zero: bool = False, signed: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allow_zero, self.signed = allow_zero, signed

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal) and value.is_finite():
            sign = "−" if value < 0 else ""
            whole, _dot, cents = f"{abs(value):.2f}".partition(".")
            return f"{sign}{int(whole):,}".replace(",", " ") + f",{cents}"
        return value

    def clean(self, value: Any) -> Decimal:
        text = amount_text(value) if isinstance(value, str) else ""
        negative = self.signed and text.startswith("-")
        if negative:
            text = text[1:]
        if not AMOUNT_PATTERN.fullmatch(text):
            raise forms.ValidationError(
                amount_range_text(allow_zero=self.allow_zero, signed=self.signed), code="invalid"
            )
        try:
            amount = money_clean(text, field="", allow_zero=self.allow_zero, signed=self.signed)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message, code="invalid") from None
        return -amount if negative else amount


class ProductBoundField(forms.BoundField):
    """Every invalid field carries the `invalid` class beside Django's aria-invalid and
    aria-describedby (which points at the message under it, templates/panel/_field.html)."""

    def build_widget_attrs(self, attrs: dict[str, Any], widget: Any = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if self.errors and not widget.is_hidden:
            classes = attrs.get("class") or widget.attrs.get("class", "")
            attrs["class"] = f"{classes} {INVALID_CLASS}".strip()
        return attrs


class ProductFormRenderer(DjangoTemplates):
    """settings.FORM_RENDERER: Django's renderer with the bound field above, for every form."""

    bound_field_class = ProductBoundField
