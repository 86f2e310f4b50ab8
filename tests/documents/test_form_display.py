"""What the documents' forms show back (issue 11 item 6: an amount in its field reads as
people write it), and the statement filter's months prefilled with the period shown."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from django.http import QueryDict

from billing.statement_views import StatementFilterForm, _statement
from documents.forms import InvoiceIssueForm
from documents.statement_forms import InvoiceChoiceField


def test_a_shortfall_in_the_issue_form_reads_with_a_comma_and_spaces():
    form = InvoiceIssueForm(initial={"amount": Decimal("1696.78")})
    assert 'value="1 696,78"' in str(form["amount"])
    # Typed back the same way, it reads as the same amount.
    typed = InvoiceIssueForm(data={"amount": "1 696,78"})
    typed.is_valid()
    assert typed.cleaned_data["amount"] == Decimal("1696.78")


def test_an_invoice_choice_names_its_total_in_roubles():
    invoice = SimpleNamespace(
        number=7,
        date=date(2026, 12, 14),
        client=SimpleNamespace(name="ООО «Ромашка»"),
        total=Decimal("12768.39"),
    )
    label = InvoiceChoiceField(queryset=None).label_from_instance(invoice)
    assert label == "№ 7 от 14.12.2026: ООО «Ромашка», 12 768,39 ₽"


def test_the_statement_filter_shows_the_period_it_uses(db, rf):
    form = StatementFilterForm(QueryDict(""))
    _rows, month_from, month_to = _statement(rf.get("/"), form, this_month=date(2026, 12, 1))
    assert (form["month_from"].value(), form["month_to"].value()) == (
        month_from.strftime("%Y-%m"),
        month_to.strftime("%Y-%m"),
    )
    assert (month_from.isoformat(), month_to.isoformat()) == ("2026-01-01", "2026-12-01")
