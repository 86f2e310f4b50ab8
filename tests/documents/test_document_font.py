"""The fonts documents are printed with (documents.pdf.document_font): DejaVu cut once to
the characters documents use, so that each PDF reads and subsets a tenth of the font."""

from fontTools import ttLib

from documents.pdf import DOCUMENT_UNICODES, FONTS, DocumentPdf, document_font


def test_the_cut_font_keeps_every_character_of_russian_documents():
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        path = document_font(FONTS / name)
        assert document_font(FONTS / name) == path  # built once, then reused
        cmap = ttLib.TTFont(path).getBestCmap()
        assert set(cmap) == set(DOCUMENT_UNICODES) & set(ttLib.TTFont(FONTS / name).getBestCmap())
        assert all(ord(c) in cmap for c in "АаЯяЁё№₽«»—–…€ÄÖÜß")
        assert path.stat().st_size < (FONTS / name).stat().st_size / 3


def test_a_pdf_embeds_the_cut_font():
    doc = DocumentPdf(title="Акт № 1")
    doc.paragraph("Итого: 1 099,50 ₽ — «ёлка» № 5", bold=True)
    pdf = doc.output()
    assert pdf.startswith(b"%PDF-") and b"DejaVu" in pdf


def test_the_second_pdf_reuses_the_parsed_fonts_and_prints_the_same():
    import re

    import documents.pdf as pdf

    def build() -> bytes:
        doc = DocumentPdf(title="Акт № 7")
        doc.paragraph("Итого: 1 099,50 ₽ — «ёлка»", bold=True)
        doc.paragraph("Двести девяносто рублей 32 копейки")
        # The creation time, and the file /ID made from it, differ across a second's edge.
        out = re.sub(rb"/CreationDate \(D:[^)]*\)", b"", doc.output())
        return re.sub(rb"/ID \[[^\]]*\]", b"", out)

    pdf._FONT_CACHE.clear()
    first = build()
    assert set(pdf._FONT_CACHE) == {"dejavu", "dejavuB"}
    assert build() == first == build()
