"""VAT on documents (DESIGN.md §3, §13): the rate in force on the document's date, and
the VAT a total includes («в т.ч. НДС»)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from config.errors import NotFound
from core.money import CENT

from .models import VatRate

HUNDRED = Decimal("100")


def vat_rate_on(day: date) -> Decimal:
    """The rate (in percent) of the latest row that starts on or before `day`."""
    rate = (
        VatRate.objects.filter(valid_from__lte=day)
        .order_by("-valid_from")
        .values_list("rate", flat=True)
        .first()
    )
    if rate is None:
        raise NotFound(
            _("Нет ставки НДС на %(day)s: оператор вносит ставки в администрировании.")
            % {"day": day.strftime("%d.%m.%Y")},
            field="vat_rate",
        )
    return rate


def vat_included(*, total: Decimal, rate: Decimal) -> Decimal:
    """The VAT inside a total that includes it: total × rate / (100 + rate), half up to
    the kopeck (12 000,00 at 20 % → 2 000,00; 100,00 at 22 % → 18,03)."""
    return (total * rate / (HUNDRED + rate)).quantize(CENT, ROUND_HALF_UP)
