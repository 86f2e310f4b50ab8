"""Exports of lists (DESIGN.md §8, §13): every list of the panel and the portal downloads as
CSV and XLSX with the list's filters applied, streamed, memory flat in the number of rows.

One mechanism for every list. An app describes a list once as a `Table` (its columns:
a header in the reader's language, how to read the value from a row, and the value's kind)
and registers it; the list's view hands the same rows its page shows (the same selector
and filter form) to `export_response`. Adding a list (invoices, acts, statement lines) is
a `register(Table(...))` and one call in its view.

- CSV as Russian Excel opens it by a double click: UTF-8 with a BOM (without it Excel reads
  the file as cp1251), `;` between cells (`,` is the decimal separator there), CRLF line
  ends, amounts with a decimal comma and no thousands separators (so they stay numbers),
  dates `31.12.2026`, times in Moscow time `31.12.2026 17:42`.
- XLSX (openpyxl's write-only mode, which writes each row out as it comes and keeps inline
  strings, so memory does not grow with the rows): amounts are numbers with a number
  format, dates are dates, never text.

Rows are read from the database in chunks (`QuerySet.iterator(chunk_size=…)`): a table
of 100,000 rows never sits in memory (tests/bench/bench_exports.py measures it).
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import IO, Any

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.functional import Promise

CHUNK_SIZE = 2000  # rows per database fetch and per CSV write
FORMATS = ("csv", "xlsx")

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Kind(StrEnum):
    TEXT = "text"
    INT = "int"
    MONEY = "money"
    DATE = "date"
    DATETIME = "datetime"
    MONTH = "month"  # a month's first day, read as `12.2026`


# Excel's number formats: 1 234,50 in a Russian Excel; dates as the panel writes them.
XLSX_FORMATS = {
    Kind.MONEY: "#,##0.00",
    Kind.DATE: "DD.MM.YYYY",
    Kind.DATETIME: "DD.MM.YYYY HH:MM",
    Kind.MONTH: "MM.YYYY",
}
XLSX_WIDTHS = {
    Kind.TEXT: 28,
    Kind.INT: 10,
    Kind.MONEY: 16,
    Kind.DATE: 12,
    Kind.DATETIME: 17,
    Kind.MONTH: 10,
}

# A text cell that starts like a formula is written so that Excel does not run it
# (a client's name «=HYPERLINK(…)» is text, not a link): OWASP's CSV injection advice.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What XML 1.0 cannot carry (openpyxl refuses it): control characters of pasted text.
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class Column:
    """`value`: a dotted attribute path of the row (`client.name`) or a function of the row;
    None reads as an empty cell."""

    header: str | Promise
    value: str | Callable[[Any], Any]
    kind: Kind = Kind.TEXT

    def read(self, row: Any) -> Any:
        if callable(self.value):
            return self.value(row)
        value = row
        for part in self.value.split("."):
            if value is None:
                return None
            value = getattr(value, part)
        return value() if callable(value) else value


@dataclass(frozen=True)
class Table:
    name: str  # the file name without its extension, and the key in TABLES
    title: str | Promise  # the XLSX sheet's name
    columns: tuple[Column, ...]
    # select_related/only hints are the selector's business; this is only for the export.
    chunk_size: int = field(default=CHUNK_SIZE)

    def headers(self) -> list[str]:
        return [str(column.header) for column in self.columns]


TABLES: dict[str, Table] = {}


def register(table: Table) -> Table:
    """Adds a list to the exports; names are unique (they are the files' names)."""
    if table.name in TABLES and TABLES[table.name] is not table:
        raise ValueError(f"export table {table.name!r} is registered twice")
    TABLES[table.name] = table
    return table


def rows_of(table: Table, rows: Iterable[Any]) -> Iterator[Any]:
    """The rows in chunks from the database: a QuerySet's iterator never caches them."""
    if isinstance(rows, QuerySet):
        return rows.iterator(chunk_size=table.chunk_size)
    return iter(rows)


# --------------------------------------------------------------------------- CSV


def _moscow(value: Any, kind: Kind) -> Any:
    """A moment as the Moscow wall time the pages show; a day column of a moment is its
    Moscow day (a row created at 01:00 МСК is not the day before, as in UTC)."""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value if kind == Kind.DATETIME else value.date()
    return value


def csv_cell(value: Any, kind: Kind) -> str:
    if value is None:
        return ""
    value = _moscow(value, kind)
    if kind == Kind.MONEY:
        return f"{Decimal(value):.2f}".replace(".", ",")
    if kind == Kind.DATETIME and isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if kind == Kind.MONTH and isinstance(value, date):
        return value.strftime("%m.%Y")
    if kind in (Kind.DATE, Kind.DATETIME) and isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    text = str(value)
    if kind == Kind.TEXT and text.startswith(FORMULA_START):
        return "'" + text
    return text


def csv_lines(table: Table, rows: Iterable[Any]) -> Iterator[str]:
    """The file's text in pieces of CHUNK_SIZE rows: the BOM, the headers, the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    columns = table.columns
    buffer.write("\ufeff")
    writer.writerow(table.headers())
    for count, row in enumerate(rows_of(table, rows), start=1):
        writer.writerow([csv_cell(column.read(row), column.kind) for column in columns])
        if count % table.chunk_size == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


# --------------------------------------------------------------------------- XLSX


def xlsx_write(table: Table, rows: Iterable[Any], target: IO[bytes]) -> None:
    """The workbook into `target` (a binary file), one row at a time."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(str(table.title)))
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = XLSX_WIDTHS[column.kind]
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for text in table.headers():
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)

    columns = table.columns
    for row in rows_of(table, rows):
        sheet.append([_xlsx_cell(sheet, column.read(row), column.kind) for column in columns])
    workbook.save(target)


def _xlsx_cell(sheet: Any, value: Any, kind: Kind) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if value is None:
        return None
    value = _moscow(value, kind)
    if kind == Kind.MONEY:
        cell = WriteOnlyCell(sheet, value=Decimal(value))
    elif kind == Kind.DATETIME and isinstance(value, datetime):
        # Excel has no time zones: the cell holds the Moscow wall time the pages show.
        cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
    elif kind == Kind.MONTH and isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
    elif kind in (Kind.DATE, Kind.DATETIME) and isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        kind = Kind.DATE
    elif kind == Kind.INT:
        return int(value)
    else:
        text = ILLEGAL_XML.sub("", str(value))
        if not text.startswith("="):
            return text
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"  # a string, not a formula
        return cell
    cell.number_format = XLSX_FORMATS[kind]
    return cell


def _sheet_title(title: str) -> str:
    """Excel's sheet names: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Sheet1"


# --------------------------------------------------------------------------- responses


def export_response(
    table: Table, rows: Iterable[Any], *, fmt: str
) -> StreamingHttpResponse | FileResponse:
    """The list as a download. CSV streams as it is read. XLSX is a zip whose directory
    comes last and which openpyxl writes through a seekable file: it is built in an
    anonymous temporary file (rows streamed in, memory flat) and then streamed out by
    FileResponse in blocks; the file is gone when the response closes it."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    language = translation.get_language()
    if fmt == "csv":
        response = StreamingHttpResponse(
            _in_language(language, csv_lines(table, rows)), content_type=CSV_CONTENT_TYPE
        )
        response["Content-Disposition"] = f'attachment; filename="{table.name}.csv"'
        return response
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    try:
        xlsx_write(table, rows, target)
    except BaseException:
        target.close()
        raise
    target.seek(0)
    return FileResponse(
        target,
        as_attachment=True,
        filename=f"{table.name}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )


def _in_language(language: str | None, pieces: Iterator[str]) -> Iterator[str]:
    """A streamed body is written after the view has returned: the reader's language is
    held for it, so that statuses and kinds read as the headers do."""
    with translation.override(language):
        yield from pieces
