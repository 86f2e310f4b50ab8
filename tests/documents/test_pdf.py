"""The PDF builder and the invoice PDF (DESIGN.md §13): a valid PDF with DejaVu Sans
embedded (vendored, so nothing but PyPI is needed) that renders Cyrillic and «₽».

No PDF text extractor is installed, so the text is checked through what fpdf2 writes:
the font's ToUnicode map, which lists every character the pages use, and the embedded
font file itself."""

from __future__ import annotations

import re
import zlib
from decimal import Decimal

import pytest

from documents.pdf import FONTS, Column, DocumentPdf, Party, Signature
from documents.rendering import invoice_pdf, invoice_view
from documents.services import invoice_issue
from tests.factories import msk

pytestmark = pytest.mark.django_db


def streams(pdf: bytes) -> list[bytes]:
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        data = match.group(1)
        try:
            out.append(zlib.decompress(data))
        except zlib.error:
            out.append(data)
    return out


def used_characters(pdf: bytes) -> set[str]:
    """The characters of the ToUnicode maps: «<0001> <0421>» lines, glyph → code point."""
    chars: set[str] = set()
    for data in streams(pdf):
        if b"beginbfchar" not in data and b"beginbfrange" not in data:
            continue
        for code in re.findall(rb"<[0-9A-Fa-f]+>\s*<([0-9A-Fa-f]{4,})>", data):
            chars.add(chr(int(code, 16)))
    return chars


def test_fonts_and_licence_are_vendored():
    assert (FONTS / "DejaVuSans.ttf").stat().st_size > 500_000
    assert (FONTS / "DejaVuSans-Bold.ttf").stat().st_size > 500_000
    assert "Bitstream" in (FONTS / "LICENSE").read_text()


def test_builder_renders_cyrillic_with_the_font_embedded():
    doc = DocumentPdf(title="Проверка")
    doc.heading("Акт сверки взаимных расчётов")
    doc.parties([Party("Поставщик", ["ООО «Ёлка»", "ИНН 7707083893"])])
    doc.table(
        columns=[Column("№", 10, "C"), Column("Наименование", 130), Column("Сумма", 40, "R")],
        rows=[["1", "Щётка, ЭЮЯ", "1 099,50"]],
    )
    doc.totals([("Итого", "1 099,50 ₽")])
    doc.words("Одна тысяча девяносто девять рублей 50 копеек")
    doc.signatures([Signature("Директор", "Иванов И. И.")])
    pdf = doc.output()
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert b"/FontFile2" in pdf  # a TrueType font program is embedded
    assert re.search(rb"/BaseFont /[A-Z]{6}\+DejaVuSansBook", pdf)  # subsets, regular
    assert re.search(rb"/BaseFont /[A-Z]{6}\+DejaVuSansBold", pdf)  # and bold
    chars = used_characters(pdf)
    assert set("АктсверкиЁлкаЩётЭЮЯ«»₽") <= chars


def test_invoice_pdf_and_view(buyer):
    invoice = invoice_issue(client=buyer, amount=Decimal("12768.39"), at=msk(2026, 12, 14))
    view = invoice_view(invoice)
    assert view.title == f"Счёт на оплату № {invoice.number} от 14.12.2026"
    assert view.total == "12 768,39"
    assert view.vat_label == "В т.ч. НДС 22 %"
    assert view.vat_amount == "2 302,50"
    assert view.words == "Двенадцать тысяч семьсот шестьдесят восемь рублей 39 копеек"
    assert view.seller_line.startswith("ООО «Демо-реселлер», ИНН 7707083893, КПП 773601001")
    assert view.buyer_line.startswith("ООО «Ромашка», ИНН 7736207543")
    pdf = invoice_pdf(invoice)
    assert pdf.startswith(b"%PDF-") and b"/FontFile2" in pdf
    chars = used_characters(pdf)
    assert set("СчётнаоплатуДвенадцатьтысячкопеекПАОСбербанкБИКНДС") <= chars
