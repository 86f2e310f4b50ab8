"""What an invoice says, once, for its page and its PDF: the parties from the invoice's
snapshot, the lines, the totals with the VAT line («в т.ч. НДС 22 %: …» or «Без НДС») and
the total in words."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from accounts.models import VatMode
from config.formats import format_rub

from .models import Invoice
from .pdf import Column, DocumentPdf, Party, Signature
from .words import rubles_in_words


def _number(value: Decimal) -> str:
    """A money figure for a table cell: «1 234,50», no sign of the currency."""
    return format_rub(value).removesuffix(" ₽").strip()


def _quantity(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


@dataclass(frozen=True)
class InvoiceLineView:
    position: int
    title: str
    quantity: str
    unit: str
    price: str
    amount: str


@dataclass(frozen=True)
class InvoiceView:
    title: str  # «Счёт на оплату № 7 от 14.12.2026»
    seller: dict[str, str]
    buyer: dict[str, str]
    seller_line: str
    buyer_line: str
    lines: tuple[InvoiceLineView, ...]
    total: str
    vat_label: str  # «В т.ч. НДС 22 %» or «Без НДС»
    vat_amount: str  # «—» without VAT
    words: str
    count_line: str  # «Всего наименований 1, на сумму 1 234,50 ₽»


def party_line(party: dict[str, str]) -> str:
    parts = [party.get("legal_name", "")]
    if party.get("inn"):
        parts.append(f"ИНН {party['inn']}")
    if party.get("kpp"):
        parts.append(f"КПП {party['kpp']}")
    if party.get("ogrn"):
        parts.append(("ОГРНИП " if len(party["ogrn"]) == 15 else "ОГРН ") + party["ogrn"])
    if party.get("legal_address"):
        parts.append(party["legal_address"])
    return ", ".join(p for p in parts if p)


def vat_label(*, vat_mode: str, vat_rate: Decimal | None) -> str:
    if vat_mode == VatMode.NONE or vat_rate is None:
        return "Без НДС"
    return f"В т.ч. НДС {vat_rate.normalize():f} %"


def invoice_view(invoice: Invoice) -> InvoiceView:
    snapshot = invoice.snapshot or {}
    seller = snapshot.get("seller", {})
    buyer = snapshot.get("buyer", {})
    lines = tuple(
        InvoiceLineView(
            position=line.position,
            title=line.title,
            quantity=_quantity(line.quantity),
            unit=line.unit,
            price=_number(line.price),
            amount=_number(line.amount),
        )
        for line in invoice.lines.all()
    )
    return InvoiceView(
        title=f"Счёт на оплату № {invoice.number} от {invoice.date:%d.%m.%Y}",
        seller=seller,
        buyer=buyer,
        seller_line=party_line(seller),
        buyer_line=party_line(buyer),
        lines=lines,
        total=_number(invoice.total),
        vat_label=vat_label(vat_mode=invoice.vat_mode, vat_rate=invoice.vat_rate),
        vat_amount=_number(invoice.vat_amount) if invoice.vat_rate is not None else "—",
        words=rubles_in_words(invoice.total),
        count_line=(f"Всего наименований {len(lines)}, на сумму {format_rub(invoice.total)}"),
    )


INVOICE_COLUMNS = (
    Column("№", 8, "C"),
    Column("Товары (работы, услуги)", 82),
    Column("Кол-во", 16, "R"),
    Column("Ед.", 14, "C"),
    Column("Цена", 30, "R"),
    Column("Сумма", 30, "R"),
)


def invoice_pdf(invoice: Invoice) -> bytes:
    view = invoice_view(invoice)
    seller = view.seller
    doc = DocumentPdf(title=view.title, author=seller.get("legal_name", ""))
    # The bank box every Russian invoice opens with: what a payer's bank needs.
    doc.grid(
        [
            [seller.get("bank_name", ""), f"БИК {seller.get('bik', '')}"],
            ["Банк получателя", f"Сч. № {seller.get('corr_account', '')}"],
            [
                f"ИНН {seller.get('inn', '')}  КПП {seller.get('kpp', '') or '—'}",
                f"Сч. № {seller.get('account', '')}",
            ],
            [f"{seller.get('legal_name', '')}\nПолучатель", ""],
        ],
        widths=(110, 70),
    )
    doc.heading(view.title)
    doc.parties(
        [
            Party("Поставщик (исполнитель)", [view.seller_line]),
            Party("Покупатель (заказчик)", [view.buyer_line]),
        ]
    )
    doc.table(
        columns=INVOICE_COLUMNS,
        rows=[
            [str(line.position), line.title, line.quantity, line.unit, line.price, line.amount]
            for line in view.lines
        ],
    )
    doc.totals(
        [("Итого", view.total), (view.vat_label, view.vat_amount), ("Всего к оплате", view.total)]
    )
    doc.words(view.words, lead=view.count_line)
    doc.signatures(
        [
            Signature(
                seller.get("signatory_position") or "Руководитель", seller.get("signatory_name", "")
            ),
        ]
    )
    return doc.output()
