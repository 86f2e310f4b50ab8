"""The one family of domain errors. Every face maps it in one place (400/404/409)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


class ApplicationError(Exception):
    """A request the domain refuses. Nothing has been written when it is raised."""

    http_status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    @property
    def fields(self) -> dict[str, list[str]]:
        return {self.field: [self.message]} if self.field else {}

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class ValidationError(ApplicationError):
    """Bad input: the message names the field."""


class ValidationErrors(ValidationError):
    """Several fields refused at once, so that a form shows every mistake in one round
    (DESIGN.md §8) and the API names every field. Its message is the first one's."""

    def __init__(self, errors: list[ApplicationError]):
        first = errors[0]
        super().__init__(first.message, field=first.field, code=first.code)
        self.errors = errors

    @property
    def fields(self) -> dict[str, list[str]]:
        merged: dict[str, list[str]] = {}
        for error in self.errors:
            for name, messages in error.fields.items():
                merged.setdefault(name, []).extend(messages)
        return merged


def errors_collect(checks: Mapping[str, Callable[[], Any]]) -> dict[str, Any]:
    """Runs every check and returns their results by name; if any refuses, raises all the
    refusals together (ValidationErrors) instead of the first one alone."""
    results: dict[str, Any] = {}
    refused: list[ApplicationError] = []
    for name, check in checks.items():
        try:
            results[name] = check()
        except ValidationErrors as exc:
            refused.extend(exc.errors)
        except ValidationError as exc:
            refused.append(exc)
    if refused:
        raise ValidationErrors(refused)
    return results


class NotFound(ApplicationError):
    http_status = 404
    code = "not_found"


class Forbidden(ApplicationError):
    """The person's role does not allow the action (accounts.permissions)."""

    http_status = 403
    code = "permission_denied"  # as DRF names a 403


class Conflict(ApplicationError):
    """The request is well formed but the object's state refuses it."""

    http_status = 409
    code = "conflict"


class InsufficientFunds(Conflict):
    code = "insufficient_funds"
