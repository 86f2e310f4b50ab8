"""config.forms: the one way the HTML faces show a domain refusal (issue 9, item 6)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from config.errors import ApplicationError, Conflict, NotFound, ValidationError
from config.forms import apply_domain_error, report_domain_error

ROOT = Path(__file__).resolve().parent.parent


class SeatsForm(forms.Form):
    seats = forms.CharField()
    note = forms.CharField(required=False)


def bound(**data: str) -> SeatsForm:
    form = SeatsForm({"seats": "5", "note": "", **data})
    assert form.is_valid()
    return form


def test_a_named_field_the_form_has_gets_the_message_beside_it():
    form = bound()
    apply_domain_error(form, ValidationError("Число мест от 5 до 50.", field="seats"))
    assert form.errors == {"seats": ["Число мест от 5 до 50."]}
    assert form.non_field_errors() == []
    assert "seats" not in form.cleaned_data  # the refused value is not taken as clean


def test_a_field_the_form_lacks_becomes_a_non_field_error():
    form = bound()
    apply_domain_error(form, Conflict("Заказ не ожидает оплаты.", field="order"))
    assert form.errors == {"__all__": ["Заказ не ожидает оплаты."]}
    assert form.cleaned_data == {"seats": "5", "note": ""}


def test_an_error_naming_no_field_is_a_non_field_error():
    form = bound()
    apply_domain_error(form, ApplicationError("Тарифный план недоступен."))
    assert form.errors == {"__all__": ["Тарифный план недоступен."]}


def test_an_alias_shows_a_domain_field_under_a_form_field():
    form = bound()
    error = Conflict("Изменить число мест можно только у активной подписки.", field="subscription")
    apply_domain_error(form, error, aliases={"subscription": "seats"})
    assert form.errors == {"seats": ["Изменить число мест можно только у активной подписки."]}
    # An alias only renames; a field it does not name keeps its own rule.
    other = bound()
    apply_domain_error(other, NotFound("Клиент не найден.", field="client"), aliases={"x": "seats"})
    assert other.errors == {"__all__": ["Клиент не найден."]}


def test_errors_add_up_beside_the_form_errors():
    form = bound()
    apply_domain_error(form, ValidationError("Первое.", field="note"))
    apply_domain_error(form, ValidationError("Второе.", field="note"))
    assert form.errors == {"note": ["Первое.", "Второе."]}


def test_a_page_without_a_form_shows_the_refusal_as_an_error_message():
    request = RequestFactory().post("/")
    request.session = {}  # type: ignore[attr-defined]
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    report_domain_error(request, Conflict("Заказ уже подтверждён или отменён.", field="order"))
    shown = [(m.level_tag, m.message) for m in get_messages(request)]
    assert shown == [("error", "Заказ уже подтверждён или отменён.")]


# The HTML faces: every module whose views catch a domain error.
HTML_VIEWS = sorted(
    [
        *ROOT.glob("*/views.py"),
        ROOT / "accounts" / "portal_views.py",
        ROOT / "accounts" / "requisites_views.py",
        ROOT / "api" / "panel_views.py",
        ROOT / "documents" / "statement_views.py",
        ROOT / "documents" / "page_views.py",
        ROOT / "documents" / "portal_views.py",
    ]
)
HELPERS = {"apply_domain_error", "report_domain_error"}


def _handlers(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            names = {n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)}
            names |= {n.attr for n in ast.walk(node.type) if isinstance(n, ast.Attribute)}
            if names & {"ApplicationError", "ValidationError", "Conflict", "NotFound"}:
                yield node


def test_the_list_of_html_view_modules_is_real():
    names = {str(p.relative_to(ROOT)) for p in HTML_VIEWS}
    assert {"orders/views.py", "billing/views.py", "plans/views.py", "accounts/views.py"} <= names
    assert {"accounts/portal_views.py", "api/panel_views.py"} <= names


@pytest.mark.parametrize("path", HTML_VIEWS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_html_view_maps_domain_errors_through_the_helper(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for handler in _handlers(tree):
        called = {
            n.func.id
            for n in ast.walk(handler)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
        }
        assert called & HELPERS, f"{path.name}:{handler.lineno} maps a domain error by hand"
    # Nobody reads the error's field to place it: the helper does.
    fields = [
        n.lineno
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute)
        and n.attr in ("field", "fields")
        and isinstance(n.value, ast.Name)
        and n.value.id in ("exc", "error", "e", "err")
    ]
    assert fields == [], f"{path.name} reads error.field at lines {fields}"
