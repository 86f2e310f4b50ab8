"""What each outbox command does at ESET.

Handlers run outside any database transaction, possibly in worker threads: they see the
command through a frozen snapshot taken when it was claimed, speak only to ESET, and return
an ``Outcome`` that services.py records. They raise ``EsetError`` when ESET fails.

Every handler is safe to run again after a lost answer: a licence order is settled by a
lookup by reference, never by ordering twice; the other calls are idempotent once ESET's
"already so" answers (same quantity, already suspended, not suspended) count as success.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .client import (
    SUB_ALREADY_SUSPENDED,
    SUB_SAME_QUANTITY,
    EsetClient,
    EsetRetryableError,
    EsetTerminalError,
    License,
)
from .models import CommandKind


@dataclass(frozen=True)
class CommandSnapshot:
    id: int
    kind: str
    payload: dict[str, Any]
    # Including the attempt being made: above 1, an earlier attempt may have done the work.
    attempts: int
    subscription_id: int
    client_id: int
    client_name: str
    company_id: str | None
    public_license_id: str | None


@dataclass(frozen=True)
class Outcome:
    license: License
    # ESET's company of the client when this command found or created it.
    company_id: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def client_reference(client_id: int) -> str:
    return f"client-{client_id}"


def subscription_reference(subscription_id: int) -> str:
    return f"sub-{subscription_id}"


class CompanyDirectory:
    """The clients' companies found or created during one drain.

    Two create commands of one new client may run at once in different threads; a lock per
    client makes the second wait for the first's company instead of creating another."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[int, threading.Lock] = {}
        self._known: dict[int, str] = {}

    def _lock(self, client_id: int) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(client_id, threading.Lock())

    def ensure(self, *, eset: EsetClient, client_id: int, name: str) -> str:
        with self._lock(client_id):
            if client_id in self._known:
                return self._known[client_id]
            reference = client_reference(client_id)
            # Looked up first: an earlier drain may have created it and lost the answer.
            found = eset.search_companies(reference=reference)
            if found:
                company_id = found[0].company_id
            else:
                try:
                    company_id = eset.create_company(name=name, reference=reference).company_id
                except EsetRetryableError as error:
                    if not error.outcome_unknown:
                        raise
                    found = eset.search_companies(reference=reference)
                    if not found:
                        raise
                    company_id = found[0].company_id
            self._known[client_id] = company_id
            return company_id


def _bad_command(command: CommandSnapshot, message: str) -> EsetTerminalError:
    return EsetTerminalError(None, None, f"command #{command.id}: {message}", status=0)


def _license_id(command: CommandSnapshot) -> str:
    if not command.public_license_id:
        raise _bad_command(command, "the subscription has no ESET licence")
    return command.public_license_id


def _find_license(eset: EsetClient, reference: str) -> License | None:
    found = eset.search_licenses(reference=reference)
    return found[0] if found else None


def handle_create(
    *, command: CommandSnapshot, eset: EsetClient, companies: CompanyDirectory
) -> Outcome:
    payload = command.payload
    try:
        product_code = str(payload["product_code"])
        quantity = int(payload["quantity"])
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad_command(command, f"payload lacks {exc}") from exc
    reference = str(payload.get("reference") or subscription_reference(command.subscription_id))
    company_id = command.company_id or companies.ensure(
        eset=eset,
        client_id=command.client_id,
        name=str(payload.get("company_name") or command.client_name),
    )
    if command.public_license_id:
        # Recorded already (the command is being run again): report ESET's current view.
        lic = eset.license_detail(public_license_id=command.public_license_id)
        return Outcome(license=lic, company_id=company_id, notes=("already recorded",))
    if command.attempts > 1:
        found = _find_license(eset, reference)
        if found is not None:
            return Outcome(license=found, company_id=company_id, notes=("adopted by lookup",))
    try:
        lic = eset.order_license(
            company_id=company_id,
            product_code=product_code,
            quantity=quantity,
            reference=reference,
        )
    except EsetRetryableError as error:
        if not error.outcome_unknown:
            raise
        # The order may have been carried out with its answer lost: look, never re-order.
        # Not found yet is not proof: the next attempt looks again before ordering.
        found = _find_license(eset, reference)
        if found is None:
            raise
        return Outcome(license=found, company_id=company_id, notes=("adopted after a lost answer",))
    return Outcome(license=lic, company_id=company_id)


def handle_change_quantity(
    *, command: CommandSnapshot, eset: EsetClient, companies: CompanyDirectory
) -> Outcome:
    public_id = _license_id(command)
    try:
        quantity = int(command.payload["quantity"])
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad_command(command, f"payload lacks a quantity ({exc})") from exc
    try:
        lic = eset.update_quantity(public_license_id=public_id, quantity=quantity)
    except EsetTerminalError as error:
        if error.sub_code != SUB_SAME_QUANTITY:
            raise
        # Already that quantity (e.g. our earlier answer was lost): fetch the current key.
        lic = eset.license_detail(public_license_id=public_id)
        return Outcome(license=lic, notes=("same quantity",))
    return Outcome(license=lic)


def handle_suspend(
    *, command: CommandSnapshot, eset: EsetClient, companies: CompanyDirectory
) -> Outcome:
    public_id = _license_id(command)
    try:
        return Outcome(license=eset.suspend_license(public_license_id=public_id))
    except EsetTerminalError as error:
        if error.sub_code != SUB_ALREADY_SUSPENDED:
            raise
        lic = eset.license_detail(public_license_id=public_id)
        return Outcome(license=lic, notes=("already suspended",))


def handle_resume(
    *, command: CommandSnapshot, eset: EsetClient, companies: CompanyDirectory
) -> Outcome:
    public_id = _license_id(command)
    try:
        return Outcome(license=eset.unsuspend_license(public_license_id=public_id))
    except EsetTerminalError as error:
        # "Not suspended" is spelled differently across ESET versions: ask for the state.
        lic = eset.license_detail(public_license_id=public_id)
        if lic.state != "active":
            raise error from None
        return Outcome(license=lic, notes=("already active",))


Handler = Callable[..., Outcome]

HANDLERS: dict[str, Handler] = {
    CommandKind.CREATE: handle_create,
    CommandKind.CHANGE_QUANTITY: handle_change_quantity,
    CommandKind.SUSPEND: handle_suspend,
    CommandKind.RESUME: handle_resume,
}


def execute(*, command: CommandSnapshot, eset: EsetClient, companies: CompanyDirectory) -> Outcome:
    handler = HANDLERS.get(command.kind)
    if handler is None:
        raise _bad_command(command, f"unknown kind {command.kind!r}")
    return handler(command=command, eset=eset, companies=companies)
