"""Reads of bank statements, scoped to the reseller: another reseller's statement or line
is not found."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import Reseller
from config.errors import NotFound

from .models import BankStatement, StatementLine, StatementLineStatus


def statement_list(*, reseller: Reseller) -> QuerySet[BankStatement]:
    return BankStatement.objects.filter(reseller=reseller).select_related("uploaded_by")


def statement_get(*, reseller: Reseller, statement_id: int) -> BankStatement:
    statement = statement_list(reseller=reseller).filter(pk=statement_id).first()
    if statement is None:
        raise NotFound(_("Выписка не найдена."), field="statement")
    return statement


def statement_lines(*, reseller: Reseller, statement: BankStatement) -> QuerySet[StatementLine]:
    """The lines the statement brought (a line imported before stays with its first file)."""
    return (
        StatementLine.objects.filter(reseller=reseller, statement=statement)
        .select_related("client", "invoice", "payment", "decided_by")
        .order_by("file_line", "pk")
    )


def statement_queue(*, reseller: Reseller) -> QuerySet[StatementLine]:
    """The lines that wait for a person, oldest payment first."""
    return (
        StatementLine.objects.filter(reseller=reseller, status=StatementLineStatus.UNMATCHED)
        .select_related("statement")
        .order_by("date", "statement_id", "file_line", "pk")
    )


def statement_line_get(*, reseller: Reseller, line_id: int) -> StatementLine:
    line = (
        StatementLine.objects.filter(reseller=reseller, pk=line_id)
        .select_related("statement", "client", "invoice", "payment")
        .first()
    )
    if line is None:
        raise NotFound(_("Строка выписки не найдена."), field="line")
    return line
