"""The bank's statement file, 1CClientBankExchange (the 1C "Клиент-банк" exchange
standard, DESIGN.md §13), read into dataclasses. Pure: no database, no clock.

A parser of our own. Checked on PyPI (December 2026):
- odin-palace-py 0.2.1 (2026-08, Tochka's Rust core with Python bindings): maintained and
  fast, but it does not do the job as this import needs it: a document with a comma
  decimal amount («1500,50», which banks do write) or a bad date is silently dropped into
  `warnings` instead of refusing the file, a truncated file is refused without a line
  number, and a UTF-8 file that declares `Кодировка=Windows` parses into no documents
  without an error. It is also a compiled wheel the shared environment would have to
  carry for ~300 lines of plain text reading.
- client-bank-1c 0.3 (2023-05) and client-bank-exchange-1c 0.1.8 (2017-10, its -py2 fork
  2019-03), 1c-format 0.1 (2021-04): unmaintained for years, no downloads to speak of,
  no line numbers in their errors.

What is checked: the first line is `1CClientBankExchange`; the encoding is UTF-8 (a BOM,
or bytes that decode as UTF-8) or the declared one (`Кодировка=Windows` → windows-1251,
`DOS` → cp866); sections `СекцияРасчСчет` … `КонецРасчСчет` and `СекцияДокумент=…` …
`КонецДокумента` are closed, the file ends with `КонецФайла`; each document has Номер, a
Дата as dd.mm.yyyy and a Сумма > 0 with a dot or a comma. Any of these broken raises a
ValidationError (field "file") whose message starts with the line number."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from config.errors import ValidationError
from core.money import MAX_AMOUNT

HEADER = "1CClientBankExchange"
BOM = b"\xef\xbb\xbf"
# Keys a genuine header carries (at least one of them is always there): a header whose
# keys are none of these was decoded with the wrong code page.
HEADER_KEYS = frozenset(
    {
        "ВерсияФормата",
        "Кодировка",
        "Отправитель",
        "Получатель",
        "ДатаСоздания",
        "ВремяСоздания",
        "ДатаНачала",
        "ДатаКонца",
        "РасчСчет",
        "Документ",
    }
)
DECLARED = {"windows": "cp1251", "dos": "cp866", "utf-8": "utf-8", "utf8": "utf-8"}
MAX_NUMBER = 64
MAX_INN = 12
_AMOUNT = re.compile(r"^\d{1,12}(?:[.,]\d{1,2})?$")
_DATE = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})$")
_LINES = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class StatementDocument:
    """One payment document of the file: `line` is where its section starts."""

    line: int
    kind: str
    number: str
    date: date
    amount: Decimal
    payer_inn: str
    payer_name: str
    payer_account: str
    payee_inn: str
    payee_name: str
    payee_account: str
    purpose: str
    received_on: dt.date | None


@dataclass(frozen=True)
class StatementAccount:
    account: str
    date_from: date | None
    date_to: date | None
    opening_balance: Decimal | None
    closing_balance: Decimal | None


@dataclass(frozen=True)
class ParsedStatement:
    encoding: str
    header: dict[str, str]
    accounts: list[str]  # the header's РасчСчет lines: the accounts the file is about
    sections: list[StatementAccount] = field(default_factory=list)
    documents: list[StatementDocument] = field(default_factory=list)


def _refuse(line: int, reason: str) -> ValidationError:
    return ValidationError(
        _("Строка %(line)s: %(reason)s") % {"line": line, "reason": reason}, field="file"
    )


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _declared(data: bytes) -> str | None:
    """The `Кодировка=` value, found as bytes in either code page (the key itself is
    Cyrillic, so it is looked for before the file can be decoded)."""
    for probe in ("cp1251", "utf-8"):
        key = "Кодировка=".encode(probe)
        at = data.find(key)
        if at >= 0:
            end = data.find(b"\n", at)
            raw = data[at + len(key) : end if end >= 0 else len(data)]
            return raw.decode("ascii", "replace").strip().lower()
    return None


def statement_decode(data: bytes) -> tuple[str, str]:
    """The text and its encoding: UTF-8 when the bytes say so (a BOM, or they decode as
    UTF-8: windows-1251 Cyrillic practically never does), else the declared code page
    (windows-1251 when none is declared, as 1C writes by default)."""
    if data.startswith(BOM):
        try:
            return data[len(BOM) :].decode("utf-8"), "utf-8"
        except UnicodeDecodeError as exc:
            raise _refuse(
                _line_of(data, exc.start + len(BOM)),
                _("файл начинается как UTF-8, но эта строка не в UTF-8."),
            ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    declared = _declared(data)
    encoding = DECLARED.get(declared or "windows")
    if encoding is None:
        raise _refuse(
            1,
            _("неизвестная кодировка «%(name)s»: допустимы Windows (windows-1251) и UTF-8.")
            % {"name": declared},
        )
    if encoding == "utf-8":
        raise _refuse(
            _line_of(data, utf8_error.start),
            _("в заголовке объявлена кодировка UTF-8, но эта строка не в UTF-8."),
        )
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as exc:
        raise _refuse(
            _line_of(data, exc.start),
            _("байт, которого нет в кодировке %(enc)s: файл в другой кодировке.")
            % {"enc": encoding},
        ) from None


def _day(value: str, line: int, key: str) -> date:
    found = _DATE.match(value.strip())
    if found is None:
        raise _refuse(
            line,
            _("«%(key)s» — «%(value)s»: нужна дата в виде ДД.ММ.ГГГГ.")
            % {"key": key, "value": value},
        )
    dd, mm, yyyy = (int(part) for part in found.groups())
    try:
        return date(yyyy, mm, dd)
    except ValueError:
        raise _refuse(
            line,
            _("«%(key)s» — «%(value)s»: такой даты нет.") % {"key": key, "value": value},
        ) from None


def _amount(value: str, line: int, key: str, *, positive: bool) -> Decimal:
    raw = value.strip().replace(" ", "").replace("\u00a0", "")
    if not _AMOUNT.match(raw):
        raise _refuse(
            line,
            _(
                "«%(key)s» — «%(value)s»: нужна сумма числом, с точкой или запятой "
                "и не больше двух знаков после неё."
            )
            % {"key": key, "value": value},
        )
    try:
        amount = Decimal(raw.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise _refuse(line, _("«%(key)s»: нужна сумма числом.") % {"key": key}) from None
    if positive and not (Decimal("0") < amount <= MAX_AMOUNT):
        raise _refuse(
            line,
            _("«%(key)s» — «%(value)s»: сумма должна быть от 0,01 до 9 999 999 999,99.")
            % {"key": key, "value": value},
        )
    return amount.quantize(Decimal("0.01"))


class _Section:
    def __init__(self, kind: str, start: int, title: str = "") -> None:
        self.kind = kind  # "document" or "account"
        self.start = start
        self.title = title
        self.values: dict[str, tuple[str, int]] = {}


def _document(section: _Section) -> StatementDocument:
    values = section.values

    def need(key: str) -> tuple[str, int]:
        value, line = values.get(key, ("", section.start))
        if not value.strip():
            raise _refuse(
                line,
                _("в документе, начатом в строке %(start)s, нет поля «%(key)s».")
                % {"start": section.start, "key": key},
            )
        return value.strip(), line

    def text(key: str) -> str:
        return values.get(key, ("", 0))[0].strip()

    number, number_line = need("Номер")
    if len(number) > MAX_NUMBER:
        raise _refuse(
            number_line,
            _("номер документа длиннее %(max)s символов.") % {"max": MAX_NUMBER},
        )
    day = _day(*need("Дата"), "Дата")
    amount = _amount(*need("Сумма"), "Сумма", positive=True)
    received = values.get("ДатаПоступило")
    received_on = (
        _day(received[0], received[1], "ДатаПоступило")
        if received and received[0].strip()
        else None
    )
    for key in ("ПлательщикИНН", "ПолучательИНН"):
        value = text(key)
        if len(value) > MAX_INN or (value and not value.isdigit()):
            raise _refuse(
                values[key][1],
                _("«%(key)s» — «%(value)s»: ИНН — это до 12 цифр.") % {"key": key, "value": value},
            )
    purpose = text("НазначениеПлатежа") or " ".join(
        part for part in (text(f"НазначениеПлатежа{i}") for i in range(1, 7)) if part
    )
    return StatementDocument(
        line=section.start,
        kind=section.title,
        number=number,
        date=day,
        amount=amount,
        payer_inn=text("ПлательщикИНН"),
        payer_name=text("Плательщик1") or text("Плательщик"),
        payer_account=text("ПлательщикСчет") or text("ПлательщикРасчСчет"),
        payee_inn=text("ПолучательИНН"),
        payee_name=text("Получатель1") or text("Получатель"),
        payee_account=text("ПолучательСчет") or text("ПолучательРасчСчет"),
        purpose=purpose,
        received_on=received_on,
    )


def _account(section: _Section) -> StatementAccount:
    values = section.values

    def day(key: str) -> date | None:
        value = values.get(key)
        return _day(value[0], value[1], key) if value and value[0].strip() else None

    def amount(key: str) -> Decimal | None:
        value = values.get(key)
        if not value or not value[0].strip():
            return None
        raw = value[0].strip()
        negative = raw.startswith("-")
        parsed = _amount(raw.lstrip("-"), value[1], key, positive=False)
        return -parsed if negative else parsed

    return StatementAccount(
        account=values.get("РасчСчет", ("", 0))[0].strip(),
        date_from=day("ДатаНачала"),
        date_to=day("ДатаКонца"),
        opening_balance=amount("НачальныйОстаток"),
        closing_balance=amount("КонечныйОстаток"),
    )


def statement_parse(data: bytes) -> ParsedStatement:
    """The whole file, or a ValidationError naming the first line that is wrong."""
    if not data.strip():
        raise _refuse(1, _("файл пуст."))
    text, encoding = statement_decode(data)
    lines = _LINES.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    if lines[0].strip().lstrip("\ufeff") != HEADER:
        raise _refuse(
            1,
            _("файл не в формате 1CClientBankExchange: первая строка должна быть «%(h)s».")
            % {"h": HEADER},
        )
    header: dict[str, str] = {}
    accounts: list[str] = []
    sections: list[StatementAccount] = []
    documents: list[StatementDocument] = []
    section: _Section | None = None
    finished = False
    last = 1  # the last line with something on it: where a cut file ends
    for number, raw in enumerate(lines[1:], start=2):
        line = raw.strip()
        if not line:
            continue
        last = number
        key, eq, value = line.partition("=")
        key = key.strip()
        if key == "КонецФайла":
            if section is not None:
                raise _refuse(number, _unclosed(section))
            finished = True
            break
        if key in ("СекцияДокумент", "СекцияРасчСчет"):
            if section is not None:
                raise _refuse(number, _unclosed(section))
            if not documents and not sections:
                _header_check(header, number)
            section = _Section(
                "document" if key == "СекцияДокумент" else "account", number, value.strip()
            )
            continue
        if key in ("КонецДокумента", "КонецРасчСчет"):
            expected = "document" if key == "КонецДокумента" else "account"
            if section is None or section.kind != expected:
                raise _refuse(number, _("«%(key)s» без начала своей секции.") % {"key": key})
            if expected == "document":
                documents.append(_document(section))
            else:
                sections.append(_account(section))
            section = None
            continue
        if not eq:
            if section is None and not documents and not sections:
                _header_check(header, number)
            raise _refuse(
                number,
                _("ожидается «Ключ=значение», а не «%(line)s».") % {"line": line[:60]},
            )
        if section is not None:
            section.values.setdefault(key, (value, number))
        elif key == "РасчСчет":
            accounts.append(value.strip())
        else:
            header.setdefault(key, value.strip())
    if not finished:
        if not documents and not sections:
            _header_check(header, last)
        if section is not None:
            raise _refuse(last, _unclosed(section))
        raise _refuse(last, _("файл обрезан: нет строки «КонецФайла»."))
    if not documents and not sections:
        _header_check(header, len(lines))
    return ParsedStatement(
        encoding=encoding,
        header=header,
        accounts=accounts,
        sections=sections,
        documents=documents,
    )


def _unclosed(section: _Section) -> str:
    if section.kind == "document":
        return _("документ, начатый в строке %(start)s, не закончен строкой «КонецДокумента».") % {
            "start": section.start
        }
    return _("секция счёта, начатая в строке %(start)s, не закончена строкой «КонецРасчСчет».") % {
        "start": section.start
    }


def _header_check(header: dict[str, str], line: int) -> None:
    if header and not HEADER_KEYS & header.keys():
        raise _refuse(
            2,
            _(
                "заголовок не читается (нет «ВерсияФормата», «Кодировка»…): "
                "файл не в кодировке windows-1251 или UTF-8."
            ),
        )
