"""PDF documents (DESIGN.md §13) with fpdf2: pure Python from PyPI, with DejaVu Sans
vendored in documents/fonts/ (its licence beside it), so a fresh machine renders Cyrillic
and «₽» with nothing installed but the Python packages.

`DocumentPdf` is the one builder the invoice, the act and the reconciliation statement
share: a title, the parties' blocks, a table of columns, a totals block, the total in
words and the signatures. It lays out strings only; what they say is decided by the
caller (documents.rendering)."""

from __future__ import annotations

import copy
import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from fontTools import ttLib
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import SubsetMap, TTFFont

# fontTools logs every subsetting step at INFO: a line per glyph list for every PDF.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
Align = Literal["L", "C", "R"]


@dataclass(frozen=True)
class Column:
    title: str
    width: float  # in mm; the page's usable width is 180
    align: Align = "L"


@dataclass(frozen=True)
class Party:
    """A labelled block of requisites: «Поставщик», then the lines that name it."""

    label: str
    lines: Sequence[str]


@dataclass(frozen=True)
class Signature:
    position: str  # «Руководитель», «Бухгалтер», or the signatory's position
    name: str = ""


@dataclass
class DocumentPdf:
    title: str
    author: str = ""
    _pdf: FPDF = field(init=False, repr=False)

    def __post_init__(self) -> None:
        pdf = FPDF(orientation="P", unit="mm", format="A4")
        pdf.set_margins(15, 15, 15)
        pdf.set_auto_page_break(auto=True, margin=15)
        _add_font(pdf, "", FONTS / "DejaVuSans.ttf")
        _add_font(pdf, "B", FONTS / "DejaVuSans-Bold.ttf")
        pdf.set_title(self.title)
        if self.author:
            pdf.set_author(self.author)
        pdf.set_creator("ESET reseller platform")
        pdf.add_page()
        pdf.set_font(FONT, "", 9)
        self._pdf = pdf

    @property
    def width(self) -> float:
        return self._pdf.epw

    def _line(self, text: str, *, size: float = 9, bold: bool = False, align: Align = "L") -> None:
        self._pdf.set_font(FONT, "B" if bold else "", size)
        self._pdf.multi_cell(0, size * 0.5, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def space(self, mm: float = 3) -> None:
        self._pdf.ln(mm)

    def paragraph(self, text: str, *, bold: bool = False, size: float = 9) -> None:
        self._line(text, bold=bold, size=size)

    def heading(self, text: str) -> None:
        self.space(2)
        self._line(text, size=13, bold=True)
        self._pdf.set_line_width(0.5)
        y = self._pdf.get_y() + 1
        self._pdf.line(self._pdf.l_margin, y, self._pdf.l_margin + self.width, y)
        self._pdf.set_line_width(0.2)
        self.space(3)

    def grid(self, rows: Sequence[Sequence[str]], widths: Sequence[float]) -> None:
        """A bordered box of cells without a header (the bank requisites of an invoice)."""
        self._pdf.set_font(FONT, "", 9)
        with self._pdf.table(
            col_widths=tuple(widths), first_row_as_headings=False, line_height=5
        ) as table:
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(value)
        self.space(2)

    def parties(self, parties: Sequence[Party]) -> None:
        for party in parties:
            self._pdf.set_font(FONT, "", 9)
            label_width = 28
            x = self._pdf.l_margin
            self._pdf.set_x(x)
            self._pdf.cell(label_width, 5, f"{party.label}:", new_x=XPos.RIGHT, new_y=YPos.TOP)
            self._pdf.set_font(FONT, "B", 9)
            self._pdf.multi_cell(
                self.width - label_width,
                5,
                ", ".join(line for line in party.lines if line),
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
            self.space(1.5)
        self.space(1)

    def table(self, *, columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> None:
        self._pdf.set_font(FONT, "", 8.5)
        aligns = tuple(column.align for column in columns)
        with self._pdf.table(
            col_widths=tuple(column.width for column in columns),
            text_align=aligns,
            line_height=4.5,
            headings_style=_headings_style(),
        ) as table:
            header = table.row()
            for column in columns:
                header.cell(column.title, align="C")
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(value)
        self.space(2)

    def totals(self, rows: Sequence[tuple[str, str]]) -> None:
        """Right-aligned «label: amount» rows under the table, bold."""
        self._pdf.set_font(FONT, "B", 9)
        for label, value in rows:
            self._pdf.cell(self.width - 40, 5, f"{label}:", align="R")
            self._pdf.cell(40, 5, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.space(2)

    def words(self, text: str, *, lead: str = "") -> None:
        if lead:
            self._line(lead)
        self._line(text, bold=True)
        self.space(3)

    def signatures(self, signatures: Sequence[Signature]) -> None:
        self.space(6)
        self._pdf.set_font(FONT, "", 9)
        for sign in signatures:
            self._pdf.cell(45, 6, sign.position)
            x = self._pdf.get_x()
            y = self._pdf.get_y() + 5
            self._pdf.line(x, y, x + 60, y)
            self._pdf.cell(65, 6, "")
            self._pdf.cell(0, 6, sign.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.space(4)

    def output(self) -> bytes:
        return bytes(self._pdf.output())


# The characters documents are written in: Latin with its European extensions, Greek,
# Cyrillic, punctuation, currency (₽), letterlike symbols (№) and arrows. DejaVu Sans has
# some 6,000 glyphs; fpdf2 reads and subsets the whole font for every PDF (150 ms of a
# 180 ms invoice, measured by tests/bench/bench_acts). A font cut to these ranges once per
# machine makes that work a tenth. A character outside them prints as the missing glyph.
DOCUMENT_UNICODES = (
    *range(0x20, 0x250),
    *range(0x370, 0x530),
    *range(0x2000, 0x2070),
    *range(0x20A0, 0x20C1),
    *range(0x2100, 0x2200),
    0xFFFD,
)


def document_font(path: Path) -> Path:
    """`path` cut to DOCUMENT_UNICODES, built once and kept in the temporary directory
    under the hash of the source font and the ranges (a new font or range makes a new
    file; concurrent builders each write their own and the rename is atomic)."""
    digest = hashlib.sha256(path.read_bytes() + repr(DOCUMENT_UNICODES).encode()).hexdigest()
    target = Path(tempfile.gettempdir()) / f"eset-documents-{digest[:16]}-{path.name}"
    if target.exists():
        return target
    from fontTools import subset

    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    # fpdf2 lays text out without shaping, and a PDF viewer does its own hinting.
    options.layout_features = []
    options.hinting = False
    options.drop_tables += ["FFTM", "GSUB", "GPOS", "GDEF"]
    font = ttLib.TTFont(path, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=DOCUMENT_UNICODES)
    subsetter.subset(font)
    partial = target.with_name(f"{target.name}.{os.getpid()}.part")
    font.save(partial)
    os.replace(partial, target)
    return target


# A font's metrics as fpdf2 parses them on add_font (its cmap and width tables, a third of
# a document's time), once per process. Each document gets a copy with its own fontTools
# object (the output subsets that one in place) and its own subset of glyphs; the parsed
# tables are read-only and shared.
_FONT_CACHE: dict[str, TTFFont] = {}


def _add_font(pdf: FPDF, style: str, path: Path) -> None:
    fontkey = f"{FONT.lower()}{style}"
    cached = _FONT_CACHE.get(fontkey)
    if cached is None:
        pdf.add_font(FONT, style, str(document_font(path)))
        parsed = pdf.fonts[fontkey]
        assert isinstance(parsed, TTFFont)
        _FONT_CACHE[fontkey] = copy.copy(parsed)
        return
    font = copy.copy(cached)
    font.i = len(pdf.fonts) + 1
    font.ttfont = ttLib.TTFont(font.ttffile, recalcTimestamp=False, lazy=True)
    font.subset = SubsetMap(font)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    pdf.fonts[fontkey] = font


def _headings_style():
    from fpdf.fonts import FontFace

    return FontFace(family=FONT, emphasis="BOLD", fill_color=(235, 235, 235))
