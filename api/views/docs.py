"""The schema decorations every scope's views share: each operation documents its
success response and its error responses, all in the one error shape (api.errors)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema

from ..errors import DETAIL, LIST, WRITE, error_responses

IDEMPOTENT = "Send an `Idempotency-Key` header to make a retry safe."
SEAT_CHANGE = (
    "Takes effect at the next 00:30 Moscow-time sync (S11); a newer request replaces a "
    "pending one. An increase needs the available balance for the rest of the period. "
)


def listed(serializer, summary: str, *, nested: bool = False, **kwargs):
    """A list; `nested` when it hangs under another object's id (a 404 when that is not
    found)."""
    errors = (*LIST, 404) if nested else LIST
    return extend_schema(
        summary=summary,
        responses={200: serializer(many=True), **error_responses(*errors)},
        **kwargs,
    )


def detailed(serializer, summary: str, **kwargs):
    return extend_schema(
        summary=summary, responses={200: serializer, **error_responses(*DETAIL)}, **kwargs
    )


def written(serializer, summary: str, *, request=None, status: int = 200, **kwargs):
    return extend_schema(
        summary=summary,
        request=request,
        responses={status: serializer, **error_responses(*WRITE)},
        **kwargs,
    )
