"""One way to write a time, «17:42 МСК» (with a date: «13.01.2027 17:42 МСК»), through
config.formats, and «платёж» with its ё (DESIGN.md §8, issue 11 item 6). The walks read
every template and module, so a new page cannot bring a fifth spelling back."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

from config.formats import format_amount_input, format_moment, format_time

ROOT = Path(__file__).resolve().parents[1]
# Someone else's page (the dashboard) is out of this walk until it is brought in line.
NOT_YET: set[Path] = set()


def test_a_time_is_written_one_way_in_moscow_time():
    at = datetime(2026, 12, 1, 14, 42, tzinfo=UTC)  # 17:42 in Moscow
    assert format_time(at) == "17:42 МСК"
    assert format_moment(at) == "01.12.2026 17:42 МСК"
    assert format_moment(None) == "—"
    with translation.override("en"):
        assert format_moment(at) == "01.12.2026 17:42 MSK"


def test_the_template_filters():
    at = datetime(2026, 12, 1, 14, 42, tzinfo=UTC)
    text = Template(
        "{% load formats %}{{ at|hm }} | {{ at|moment }} | {{ day|sync_moment }} | "
        "{{ price|amount_input }}"
    ).render(Context({"at": at, "day": date(2026, 12, 2), "price": Decimal("1099.50")}))
    assert text == "17:42 МСК | 01.12.2026 17:42 МСК | 02.12.2026 00:30 МСК | 1099,50"


@pytest.mark.parametrize(("value", "shown"), [(Decimal("1099.5"), "1099,50"), (None, "")])
def test_an_amount_reads_back_into_its_field_with_a_comma(value, shown):
    assert format_amount_input(value) == shown


def _files(*patterns: str) -> list[Path]:
    found: list[Path] = []
    for pattern in patterns:
        found += [
            p
            for p in ROOT.glob(pattern)
            if ".venv" not in p.parts and "tests" not in p.parts and p not in NOT_YET
        ]
    return sorted(found)


# Hand-made times: Django's date filter with hours, «(МСК)», a zone before the date.
OTHER_SPELLINGS = re.compile(r'date:"[^"]*H:i|\(МСК\)|МСК\s*\{\{|МСК \d\d\.\d\d')


def test_no_template_writes_a_time_by_hand():
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in _files("templates/**/*.html", "templates/**/*.txt")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OTHER_SPELLINGS.search(line)
    ]
    assert offenders == []


# «платеж» not followed by an ending (платежа, платежи, …) lacks its ё.
WITHOUT_YO = re.compile(r"[Пп]латеж(?![аеиоуя])|[Пп]латежн")


def test_platyozh_is_spelled_with_yo():
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in _files("templates/**/*.html", "templates/**/*.txt", "*/*.py", "*/services/*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if WITHOUT_YO.search(line)
    ]
    assert offenders == []
