"""The one family of domain errors. Every face maps it in one place (400/404/409)."""

from __future__ import annotations


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
