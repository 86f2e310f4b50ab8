"""The total in words (DESIGN.md §13) against worked examples."""

from decimal import Decimal

import pytest

from documents.words import plural, rubles_in_words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "Ноль рублей 00 копеек"),
        ("1.00", "Один рубль 00 копеек"),
        ("2.02", "Два рубля 02 копейки"),
        ("5.05", "Пять рублей 05 копеек"),
        ("11.11", "Одиннадцать рублей 11 копеек"),
        ("21.21", "Двадцать один рубль 21 копейка"),
        ("112.14", "Сто двенадцать рублей 14 копеек"),
        ("1000000.05", "Один миллион рублей 05 копеек"),
        ("12768.39", "Двенадцать тысяч семьсот шестьдесят восемь рублей 39 копеек"),
        ("2001.22", "Две тысячи один рубль 22 копейки"),
        ("290.32", "Двести девяносто рублей 32 копейки"),
    ],
)
def test_rubles_in_words(amount, words):
    assert rubles_in_words(Decimal(amount)) == words


@pytest.mark.parametrize(
    ("n", "form"),
    [
        (1, "a"),
        (2, "b"),
        (4, "b"),
        (5, "c"),
        (11, "c"),
        (12, "c"),
        (14, "c"),
        (21, "a"),
        (22, "b"),
        (25, "c"),
        (101, "a"),
        (111, "c"),
        (0, "c"),
    ],
)
def test_plural(n, form):
    assert plural(n, "a", "b", "c") == form


def test_negative_is_refused():
    with pytest.raises(ValueError):
        rubles_in_words(Decimal("-1.00"))
