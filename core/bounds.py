"""What a refused number says (DESIGN.md §8): the range it must fall in, in one wording for
the panel, the portal and the API, whether the input was empty, letters, negative or too
long."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from config.formats import format_rub

# The largest single amount accepted from outside (a price, a payment).
MAX_AMOUNT = Decimal("9999999999.99")
CENT = Decimal("0.01")
# More digits than any seat bound: longer input is refused before it is read as a number.
SEATS_DIGITS = 9


def seats_range_text(min_seats: int | None, max_seats: int | None) -> str:
    if min_seats is None or max_seats is None:
        return _("Введите целое число мест.")
    return _("Введите целое число мест от %(min)s до %(max)s.") % {
        "min": min_seats,
        "max": max_seats,
    }


def amount_range_text(*, allow_zero: bool = False, signed: bool = False) -> str:
    top = format_rub(MAX_AMOUNT)
    if signed:
        return _("Введите сумму от −%(top)s до %(top)s ₽, кроме нуля.") % {
            "top": top.removesuffix(" ₽")
        }
    low = format_rub(Decimal("0") if allow_zero else CENT).removesuffix(" ₽")
    return _("Введите сумму от %(min)s до %(max)s.") % {"min": low, "max": top}


def kopecks_text(*, allow_zero: bool = False, signed: bool = False) -> str:
    return _("Не больше двух знаков после запятой. %(range)s") % {
        "range": amount_range_text(allow_zero=allow_zero, signed=signed)
    }
