"""Status machines (DESIGN.md §11): the allowed moves of each status live in a table next
to the statuses (orders.models); this is the one function that moves a status. It checks
the move against the table, writes by compare-and-set (only rows still in the source
status are written) and refuses the whole move when any row is no longer where the caller
saw it: the caller's transaction then rolls back, so nothing moves halfway."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from django.db.models import Model
from django.utils.translation import gettext as _

from config.db import bulk_set
from config.errors import Conflict

M = TypeVar("M", bound=Model)


class TransitionRefused(Conflict):
    code = "transition_refused"


def transition_check(*, table: Mapping[str, set[str]], source: str, target: str) -> None:
    if target not in table.get(source, set()):
        raise TransitionRefused(
            _("Переход %(source)s → %(target)s не разрешён.")
            % {"source": source or "—", "target": target},
            field="status",
        )


def transition(
    objects: Sequence[M],
    *,
    table: Mapping[str, set[str]],
    source: str,
    target: str,
    fields: Sequence[str] = (),
    events: Callable[[M], Model | None] | None = None,
    status_field: str = "status",
) -> list[M]:
    """Moves `objects` (one model) from `source` to `target`, writing `fields` of each as
    set on the object too (per-row values, one UPDATE … FROM VALUES per batch). `events`
    builds each object's event row; they are written in one bulk insert. Returns `objects`
    with their status set."""
    transition_check(table=table, source=source, target=target)
    if not objects:
        return []
    for obj in objects:
        setattr(obj, status_field, target)
    written = bulk_set(
        objects,
        [status_field, *[f for f in fields if f != status_field]],
        where={status_field: source},
    )
    if written != len(objects):
        raise TransitionRefused(_("Состояние изменилось, повторите."), field=status_field)
    if events is not None:
        rows = [row for obj in objects if (row := events(obj)) is not None]
        if rows:
            type(rows[0]).objects.bulk_create(rows, batch_size=1000)  # type: ignore[attr-defined]
    return list(objects)


def transition_one(obj: M, **kwargs: Any) -> M:
    return transition([obj], **kwargs)[0]
