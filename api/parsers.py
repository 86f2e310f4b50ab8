"""JSON with exact decimals: a number in a body (`"amount": 100.10`) is read as a Decimal,
never as a float, so that a kopeck is never lost on the way to the money rules.

The API reads JSON only (issue 9): a form body would read as "no fields", and DRF takes a
missing boolean of a form as false. A body over DATA_UPLOAD_MAX_MEMORY_SIZE is refused by
Django as it is read (RequestDataTooBig), answered as a 413 by api.errors."""

from __future__ import annotations

import json
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class DecimalJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
            return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(_("Тело запроса — не JSON: %(error)s") % {"error": exc}) from None


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")
