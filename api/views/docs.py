"""The schema decorations every scope's views share: each operation documents its
success response and its error responses, all in the one error shape (api.errors)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema

from ..errors import DETAIL, LIST, WRITE, error_responses
from ..idempotency import IDEMPOTENCY_PARAMETER

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


def cancel_docs(serializers) -> dict:
    """Cancelling now (§4.9), the same in both scopes."""
    return {
        # Its 409 is documented too: the quote of a subscription already cancelled.
        "cancel_quote": extend_schema(
            summary="What cancelling now would do (§4.9)",
            description="Today (the Moscow financial day) is the last billed day; `freed` is "
            "the reservation released at once. 409 when the subscription is neither active "
            "nor suspended.",
            responses={
                200: serializers.CancelQuoteSerializer,
                **error_responses(*DETAIL, 409),
            },
        ),
        "cancel": written(
            serializers.CancelledSerializer,
            "Cancel a subscription now (§4.9)",
            parameters=[IDEMPOTENCY_PARAMETER],
            description="Today is the last billed day: the charge holding it is cut to end "
            "and close today, later open charges are cancelled, the ESET licence is "
            "suspended, a pending seat change is cancelled and both sides are told. 409 "
            "when the subscription is neither active nor suspended; 403 for a role that may "
            "not cancel (reseller: admin, manager; client: owner, admin). " + IDEMPOTENT,
        ),
    }
