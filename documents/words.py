"""A sum in Russian words, as an invoice and an act write it below the total:
«Двенадцать тысяч семьсот шестьдесят восемь рублей 39 копеек»."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from num2words import num2words

from core.money import CENT


def plural(n: int, one: str, few: str, many: str) -> str:
    """The Russian plural for `n`: 1, 21 → one; 2–4, 22–24 → few; 0, 5–20, 11–14 → many."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def rubles_in_words(amount: Decimal) -> str:
    amount = amount.quantize(CENT, ROUND_HALF_UP)
    if amount < 0:
        raise ValueError("a document's sum is not negative")
    rubles = int(amount)
    kopecks = int((amount - rubles) * 100)
    words = num2words(rubles, lang="ru")
    return (
        f"{words[:1].upper()}{words[1:]} {plural(rubles, 'рубль', 'рубля', 'рублей')} "
        f"{kopecks:02d} {plural(kopecks, 'копейка', 'копейки', 'копеек')}"
    )
