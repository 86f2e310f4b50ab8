"""What an act and a reconciliation statement say, once, for their pages and their PDFs
(the invoice's counterpart is documents.rendering, whose helpers these reuse)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from accounts.models import Requisites
from config.formats import format_rub

from .acts import month_text
from .models import Act
from .pdf import Column, DocumentPdf, Party, Signature
from .reconciliation import ReconciliationStatement
from .rendering import party_line, vat_label
from .words import rubles_in_words


def _number(value: Decimal) -> str:
    return format_rub(value).removesuffix(" ₽").strip()


@dataclass(frozen=True)
class ActLineView:
    position: int
    title: str
    seats: int
    days: int
    amount: str


@dataclass(frozen=True)
class ActView:
    title: str  # «Акт № 3 от 31.12.2026»
    month: str  # «декабрь 2026»
    seller: dict[str, str]
    buyer: dict[str, str]
    seller_line: str
    buyer_line: str
    lines: tuple[ActLineView, ...]
    total: str
    vat_label: str
    vat_amount: str
    words: str
    count_line: str


def act_view(act: Act) -> ActView:
    snapshot = act.snapshot or {}
    seller, buyer = snapshot.get("seller", {}), snapshot.get("buyer", {})
    lines = tuple(
        ActLineView(
            position=i,
            title=(
                f"Антивирусная защита {line.product}, подписка № {line.subscription_id}, "
                f"{line.date_from:%d.%m.%Y}–{line.date_to:%d.%m.%Y}"
            ),
            seats=line.seats,
            days=line.days,
            amount=_number(line.amount),
        )
        for i, line in enumerate(act.lines.order_by("subscription_id", "date_from", "id"), 1)
    )
    return ActView(
        title=f"Акт № {act.number} от {act.date:%d.%m.%Y}",
        month=month_text(act.month),
        seller=seller,
        buyer=buyer,
        seller_line=party_line(seller),
        buyer_line=party_line(buyer),
        lines=lines,
        total=_number(act.total),
        vat_label=vat_label(vat_mode=act.vat_mode, vat_rate=act.vat_rate),
        vat_amount=_number(act.vat_amount) if act.vat_rate is not None else "—",
        words=rubles_in_words(act.total),
        count_line=f"Всего оказано услуг {len(lines)}, на сумму {format_rub(act.total)}",
    )


ACT_COLUMNS = (
    Column("№", 8, "C"),
    Column("Наименование услуги", 102),
    Column("Мест", 16, "R"),
    Column("Дней", 16, "R"),
    Column("Сумма", 38, "R"),
)


def act_pdf(act: Act) -> bytes:
    view = act_view(act)
    doc = DocumentPdf(title=view.title, author=view.seller.get("legal_name", ""))
    doc.heading(f"{view.title} за {view.month}")
    doc.parties([Party("Исполнитель", [view.seller_line]), Party("Заказчик", [view.buyer_line])])
    doc.table(
        columns=ACT_COLUMNS,
        rows=[
            [str(line.position), line.title, str(line.seats), str(line.days), line.amount]
            for line in view.lines
        ],
    )
    doc.totals([("Итого", view.total), (view.vat_label, view.vat_amount)])
    doc.words(view.words, lead=view.count_line)
    doc.paragraph(
        "Вышеперечисленные услуги оказаны полностью и в срок. Заказчик претензий по объёму, "
        "качеству и срокам оказания услуг не имеет."
    )
    doc.signatures(
        [
            Signature(
                f"Исполнитель: {view.seller.get('signatory_position') or 'Руководитель'}",
                view.seller.get("signatory_name", ""),
            ),
            Signature("Заказчик", ""),
        ]
    )
    return doc.output()


# --------------------------------------------------------------------------- statement


@dataclass(frozen=True)
class StatementView:
    title: str
    period: str
    seller_line: str
    buyer_line: str
    seller_name: str
    buyer_name: str
    rows: tuple[tuple[str, str, str, str], ...]  # date, document, debit, credit
    opening: str
    debit_total: str
    credit_total: str
    closing: str
    conclusion: str


def _side(value: Decimal) -> tuple[str, str]:
    """A balance in the act's columns: the client's advance is a credit, its debt a debit."""
    return ("", _number(value)) if value >= 0 else (_number(-value), "")


def statement_view(statement: ReconciliationStatement) -> StatementView:
    client = statement.client
    requisites = Requisites.objects.filter(reseller_id=client.reseller_id).first()
    seller = (
        {name: getattr(requisites, name) for name in ("legal_name", "inn", "kpp", "ogrn")}
        if requisites is not None and requisites.legal_name
        else {"legal_name": client.reseller.name, "inn": client.reseller.inn}
    )
    buyer_req = Requisites.objects.filter(client=client).first()
    buyer = (
        {name: getattr(buyer_req, name) for name in ("legal_name", "inn", "kpp", "ogrn")}
        if buyer_req is not None and buyer_req.legal_name
        else {"legal_name": client.name, "inn": client.inn}
    )
    period = f"{statement.date_from:%d.%m.%Y} – {statement.date_to:%d.%m.%Y}"
    closing = statement.closing_balance
    if closing > 0:
        conclusion = (
            f"На {statement.date_to:%d.%m.%Y} задолженность {seller['legal_name']} перед "
            f"{buyer['legal_name']} (аванс заказчика) составляет {format_rub(closing)}."
        )
    elif closing < 0:
        conclusion = (
            f"На {statement.date_to:%d.%m.%Y} задолженность {buyer['legal_name']} перед "
            f"{seller['legal_name']} составляет {format_rub(-closing)}."
        )
    else:
        conclusion = f"На {statement.date_to:%d.%m.%Y} задолженность отсутствует."
    return StatementView(
        title="Акт сверки взаимных расчётов",
        period=period,
        seller_line=party_line(seller),
        buyer_line=party_line(buyer),
        seller_name=seller["legal_name"],
        buyer_name=buyer["legal_name"],
        rows=tuple(
            (
                f"{entry.date:%d.%m.%Y}",
                entry.document,
                _number(entry.debit) if entry.debit else "",
                _number(entry.credit) if entry.credit else "",
            )
            for entry in statement.entries
        ),
        opening=format_rub(statement.opening_balance),
        debit_total=_number(statement.debit_total),
        credit_total=_number(statement.credit_total),
        closing=format_rub(closing),
        conclusion=conclusion,
    )


STATEMENT_COLUMNS = (
    Column("Дата", 22, "C"),
    Column("Документ", 102),
    Column("Дебет", 28, "R"),
    Column("Кредит", 28, "R"),
)


def statement_pdf(statement: ReconciliationStatement) -> bytes:
    view = statement_view(statement)
    doc = DocumentPdf(title=f"{view.title} {view.period}", author=view.seller_name)
    doc.heading(view.title)
    doc.paragraph(f"за период {view.period}")
    doc.space(2)
    doc.parties([Party("Исполнитель", [view.seller_line]), Party("Заказчик", [view.buyer_line])])
    opening = _side(statement.opening_balance)
    closing = _side(statement.closing_balance)
    doc.table(
        columns=STATEMENT_COLUMNS,
        rows=[
            ["", "Сальдо начальное", *opening],
            *[list(row) for row in view.rows],
            ["", "Обороты за период", view.debit_total, view.credit_total],
            ["", "Сальдо конечное", *closing],
        ],
    )
    doc.paragraph(view.conclusion, bold=True)
    doc.signatures([Signature("От исполнителя", ""), Signature("От заказчика", "")])
    return doc.output()
