"""Set-based writes the ORM spells slowly."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Field, Model
from django.db.models.constants import OnConflict

# Rows per statement: large enough to amortise the round trip, small enough for the
# database's parameter limits (SQLite allows 32,766).
BATCH_ROWS = 1000


def bulk_set(
    objects: Sequence[Model], fields: Sequence[str], *, where: dict[str, Any] | None = None
) -> int:
    """Writes `fields` of `objects` (same model) with one UPDATE … FROM (VALUES …) per batch.
    `where` adds equality conditions on the rows' current values (a compare-and-set).

    Django's bulk_update builds a CASE expression per field and row, whose compilation costs
    more than the database's work at the daily run's sizes; a joined VALUES list is what a
    hand-written set-based UPDATE would be. Returns the number of rows written."""
    if not objects:
        return 0
    meta = type(objects[0])._meta
    quote = connection.ops.quote_name
    columns = [field for name in fields if isinstance(field := meta.get_field(name), Field)]
    if len(columns) != len(fields):
        raise ValueError(f"bulk_set writes concrete fields only: {fields}")
    postgres = connection.vendor == "postgresql"
    # SQLite names a VALUES list's columns column1, column2, …; PostgreSQL takes an alias list.
    names = (
        ["pk"] + [f"c{i}" for i in range(len(columns))]
        if postgres
        else [f"column{i + 1}" for i in range(len(columns) + 1)]
    )
    alias = f"v({', '.join(names)})" if postgres else "v"

    def placeholder(field: Any) -> str:
        # PostgreSQL types a VALUES list from its first row; an untyped parameter is text.
        return f"CAST(%s AS {field.db_type(connection)})" if postgres else "%s"

    row_sql = "(" + ", ".join([placeholder(meta.pk)] + [placeholder(f) for f in columns]) + ")"
    assignments = ", ".join(
        f"{quote(field.column)} = v.{name}" for field, name in zip(columns, names[1:], strict=True)
    )
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    guard, guard_params = "", []
    for name, value in (where or {}).items():
        field = meta.get_field(name)
        assert isinstance(field, Field)
        guard += f" AND {table}.{quote(field.column)} = %s"
        guard_params.append(field.get_db_prep_value(value, connection))
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objects), BATCH_ROWS):
            batch = objects[start : start + BATCH_ROWS]
            params: list[Any] = []
            for obj in batch:
                params.append(obj.pk)
                params.extend(
                    f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns
                )
            cursor.execute(
                f"UPDATE {table} SET {assignments} "
                f"FROM (VALUES {', '.join([row_sql] * len(batch))}) AS {alias} "
                f"WHERE {table}.{pk} = v.{names[0]}{guard}",
                params + guard_params,
            )
            written += cursor.rowcount
    return written


def bulk_insert(
    model: type[Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    ignore_conflicts: bool = False,
) -> int:
    """Inserts `rows` (tuples of values for `fields`, in that order) with one multi-row
    INSERT per batch, without a model instance per row: what bulk_create does minus the
    objects, their defaults and its compiler, which cost more than the database's work when
    the daily run writes thousands of rows. The caller passes every value, auto_now ones
    included. With `ignore_conflicts` a row that meets a unique constraint is skipped.
    Returns the number of rows written (those skipped for a conflict not counted)."""
    if not rows:
        return 0
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [field for name in fields if isinstance(field := meta.get_field(name), Field)]
    if len(columns) != len(fields) or any(len(row) != len(columns) for row in rows):
        raise ValueError(f"bulk_insert takes one value per concrete field: {fields}")
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    head = (
        f"{connection.ops.insert_statement(on_conflict=on_conflict)} {quote(meta.db_table)} "
        f"({', '.join(quote(f.column) for f in columns)}) VALUES "
    )
    tail = connection.ops.on_conflict_suffix_sql(columns, on_conflict, [], [])
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_ROWS):
            batch = rows[start : start + BATCH_ROWS]
            params = [
                f.get_db_prep_save(value, connection)
                for row in batch
                for f, value in zip(columns, row, strict=True)
            ]
            cursor.execute(f"{head}{', '.join([row_sql] * len(batch))} {tail}", params)
            written += cursor.rowcount
    return written
