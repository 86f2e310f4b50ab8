"""DESIGN.md §4.11: reasons are codes, rendered in the reader's language."""

import re

import pytest
from django.utils import translation

from core.reasons import Reason, reason_text

CYRILLIC = re.compile("[а-яА-ЯёЁ]")
PARAMS = {Reason.GRACE_EXPIRED: {"days": 30}}


@pytest.mark.parametrize("code", Reason.values)
def test_every_code_reads_in_russian(code):
    with translation.override("ru"):
        text = reason_text(code, PARAMS.get(code))
    assert CYRILLIC.search(text) and "%(" not in text and text != code


@pytest.mark.parametrize("code", Reason.values)
def test_every_code_reads_in_english(code):
    with translation.override("en"):
        text = reason_text(code, PARAMS.get(code))
    assert text and not CYRILLIC.search(text) and "%(" not in text


def test_parameters_fill_the_sentence():
    with translation.override("ru"):
        assert reason_text(Reason.GRACE_EXPIRED, {"days": 14}) == (
            "не оплачена в течение 14 дней после приостановки"
        )
    with translation.override("en"):
        assert reason_text(Reason.GRACE_EXPIRED, {"days": 14}) == (
            "not paid within 14 days of suspension"
        )


def test_no_reason_is_blank_and_an_unknown_code_shows_as_itself():
    assert reason_text("") == ""
    assert reason_text(None) == ""
    assert reason_text("some_future_code") == "some_future_code"
