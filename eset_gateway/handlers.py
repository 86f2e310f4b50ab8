"""What each outbox command does at ESET.

Handlers run outside any database transaction, possibly in worker threads: they see the
command through a frozen snapshot taken when it was claimed, speak only to ESET, and return
an ``Outcome`` that the drain records. They raise ``EsetError`` when ESET fails.

The entities map one to one (DESIGN.md §5): each reseller is an MSP company at ESET
(created with Company/Create/msp when its first client needs one, unless the operator
linked one), each client an MSP Customer under it (Company/Create/customer, with its
address), each subscription one licence (License/Order with the plan's numeric ESET
product code and licence type 1).

Every handler is safe to run again after a lost answer: a licence order is settled by
looking for a licence of that customer and product that the platform does not know
(Search/Licenses with customerId, every page), never by ordering twice; companies are
looked up by their custom identifier before one is created; the other calls are
idempotent once ESET's "already so" answers count as success (the client does that).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .client import (
    SUB_ALREADY_ORDERED,
    Address,
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
    client_email: str = ""
    client_inn: str = ""
    client_address: Address | None = None
    reseller_id: int = 0
    reseller_name: str = ""
    reseller_email: str = ""
    reseller_company_id: str | None = None
    # The licences of this client that the platform has recorded (when claimed).
    known_license_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Outcome:
    license: License
    # ESET's company of the client when this command found or created it.
    company_id: str | None = None
    # ESET's MSP company of the reseller when this command found or created it.
    reseller_company_id: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def client_identifier(client_id: int) -> str:
    """The client's id at ESET (customIdentifier of its MSP Customer)."""
    return f"client-{client_id}"


def reseller_identifier(reseller_id: int) -> str:
    """The reseller's id at ESET (customIdentifier of its MSP company)."""
    return f"reseller-{reseller_id}"


class CompanyDirectory:
    """The companies found or created, and the licences ordered or adopted, during one
    drain.

    Two commands of one new client may run at once in different threads; a lock per
    company makes the second wait for the first's company instead of creating another, and
    a lock per customer and product makes a lookup after a lost order see every licence
    ordered meanwhile by the drain's other commands (which it must not adopt)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._known: dict[str, str] = {}
        self._taken: set[str] = set()

    def lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def take(self, public_license_id: str) -> None:
        with self._guard:
            self._taken.add(public_license_id)

    def taken(self, public_license_id: str) -> bool:
        with self._guard:
            return public_license_id in self._taken

    def _ensure(
        self, key: str, *, eset: EsetClient, identifier: str, create: Callable[[], str]
    ) -> str:
        with self.lock(key):
            if key in self._known:
                return self._known[key]
            # Looked up first: an earlier drain may have created it and lost the answer.
            found = eset.companies_by_identifier(identifier)
            if found:
                company_id = found[0].company_id
            else:
                try:
                    company_id = create()
                except EsetRetryableError as error:
                    if not error.outcome_unknown:
                        raise
                    found = eset.companies_by_identifier(identifier)
                    if not found:
                        raise
                    company_id = found[0].company_id
            self._known[key] = company_id
            return company_id

    def ensure_msp(self, *, eset: EsetClient, command: CommandSnapshot) -> str:
        if command.reseller_company_id:
            return command.reseller_company_id
        identifier = reseller_identifier(command.reseller_id)

        def create() -> str:
            if not command.reseller_email:
                raise _bad_command(command, "the reseller has no e-mail (ESET requires one)")
            return eset.create_msp(
                name=command.reseller_name,
                email=command.reseller_email,
                custom_identifier=identifier,
            )

        return self._ensure(
            f"msp:{command.reseller_id}", eset=eset, identifier=identifier, create=create
        )

    def ensure_customer(self, *, eset: EsetClient, command: CommandSnapshot, parent_id: str) -> str:
        if command.company_id:
            return command.company_id
        identifier = client_identifier(command.client_id)
        address = command.client_address
        if address is None:
            raise _bad_command(command, "the client has no address (ESET requires one)")

        def create() -> str:
            name = str(command.payload.get("company_name") or command.client_name)
            try:
                return eset.create_customer(
                    name=name,
                    address=address,
                    parent_company_id=parent_id,
                    custom_identifier=identifier,
                    email=command.client_email,
                    vat_id=command.client_inn,
                )
            except EsetTerminalError as error:
                if error.field != "name":
                    raise
                # Names are unique among an MSP's customers; two clients of one reseller
                # may share one: the second is told apart by its platform id.
                return eset.create_customer(
                    name=f"{name} ({identifier})",
                    address=address,
                    parent_company_id=parent_id,
                    custom_identifier=identifier,
                    email=command.client_email,
                    vat_id=command.client_inn,
                )

        return self._ensure(
            f"customer:{command.client_id}", eset=eset, identifier=identifier, create=create
        )


def _bad_command(command: CommandSnapshot, message: str) -> EsetTerminalError:
    return EsetTerminalError(None, None, f"command #{command.id}: {message}", status=0)


def _license_id(command: CommandSnapshot) -> str:
    if not command.public_license_id:
        raise _bad_command(command, "the subscription has no ESET licence")
    return command.public_license_id


def _adoptable(
    *,
    eset: EsetClient,
    command: CommandSnapshot,
    companies: CompanyDirectory,
    customer_id: str,
    product_code: int,
    quantity: int,
) -> License | None:
    """A licence of this customer and product that neither the platform nor this drain
    knows: the one a lost License/Order created. Of several, one of the ordered quantity
    first, then the oldest (ESET lists in order)."""
    candidates = [
        lic
        for lic in eset.customer_licenses(customer_id=customer_id)
        if lic.product_code == product_code
        and lic.public_license_id not in command.known_license_ids
        and not companies.taken(lic.public_license_id)
    ]
    if not candidates:
        return None
    exact = [lic for lic in candidates if lic.quantity == quantity]
    found = (exact or candidates)[0]
    companies.take(found.public_license_id)
    return found


def handle_create(
    *, command: CommandSnapshot, eset: EsetClient, companies: CompanyDirectory
) -> Outcome:
    payload = command.payload
    try:
        product_code = int(payload["eset_product_code"])
        quantity = int(payload["quantity"])
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad_command(command, f"payload lacks {exc}") from exc
    msp_id = companies.ensure_msp(eset=eset, command=command)
    customer_id = companies.ensure_customer(eset=eset, command=command, parent_id=msp_id)

    def outcome(lic: License, *notes: str) -> Outcome:
        return Outcome(license=lic, company_id=customer_id, reseller_company_id=msp_id, notes=notes)

    if command.public_license_id:
        # Recorded already (the command is being run again): report ESET's current view.
        lic = eset.license_detail(public_license_id=command.public_license_id)
        return outcome(lic, "already recorded")

    def adopt() -> License | None:
        return _adoptable(
            eset=eset,
            command=command,
            companies=companies,
            customer_id=customer_id,
            product_code=product_code,
            quantity=quantity,
        )

    with companies.lock(f"order:{customer_id}:{product_code}"):
        if command.attempts > 1:
            found = adopt()
            if found is not None:
                return outcome(found, "adopted by lookup")
        try:
            public_id = eset.order_license(
                customer_id=customer_id, product_code=product_code, quantity=quantity
            )
        except EsetRetryableError as error:
            if not error.outcome_unknown:
                raise
            # The order may have been carried out with its answer lost: look, never
            # re-order. Not found yet is not proof: the next attempt looks again first.
            found = adopt()
            if found is None:
                raise
            return outcome(found, "adopted after a lost answer")
        except EsetTerminalError as error:
            if error.sub_code != SUB_ALREADY_ORDERED:
                raise
            found = adopt()
            if found is None:
                raise
            return outcome(found, "adopted: already ordered")
        companies.take(public_id)
    # License/Order answers the public key only: the rest comes from License/Detail.
    return outcome(eset.license_detail(public_license_id=public_id))


def handle_change_quantity(
    *, command: CommandSnapshot, eset: EsetClient, companies: CompanyDirectory
) -> Outcome:
    public_id = _license_id(command)
    try:
        quantity = int(command.payload["quantity"])
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad_command(command, f"payload lacks a quantity ({exc})") from exc
    changed = eset.update_quantity(public_license_id=public_id, quantity=quantity)
    # ESET answers nothing: its view (and the new activation key, if any) is read back.
    lic = eset.license_detail(public_license_id=public_id)
    return Outcome(license=lic, notes=("same quantity",) if changed.already else ())


def handle_suspend(
    *, command: CommandSnapshot, eset: EsetClient, companies: CompanyDirectory
) -> Outcome:
    public_id = _license_id(command)
    changed = eset.suspend_license(public_license_id=public_id)
    lic = eset.license_detail(public_license_id=public_id)
    return Outcome(license=lic, notes=("already suspended",) if changed.already else ())


def handle_resume(
    *, command: CommandSnapshot, eset: EsetClient, companies: CompanyDirectory
) -> Outcome:
    public_id = _license_id(command)
    changed = eset.unsuspend_license(public_license_id=public_id)
    lic = eset.license_detail(public_license_id=public_id)
    return Outcome(license=lic, notes=("already active",) if changed.already else ())


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
