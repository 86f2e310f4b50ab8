"""What one executed command writes (DESIGN.md §5): ESET's view of the licence, the
command's result, and the owner's or the reseller's notification. The drain records groups
of these in one transaction (drain._record)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from config.db import bulk_set
from notifications.models import NotificationKind
from notifications.services import NotificationSpec, owner_spec, reseller_spec

from .client import EsetTerminalError, License
from .handlers import Outcome
from .models import CommandKind, EsetCustomer, EsetLicense, EsetResellerCompany, GatewayCommand

LICENSE_FIELDS = (
    "public_license_id",
    "license_key",
    "product_code",
    "quantity",
    "state",
    "updated_at",
)


@dataclass(frozen=True)
class Executed:
    command: GatewayCommand
    outcome: Outcome | None
    error: BaseException | None
    # False: not run at all (the drain's breaker opened first); released, not recorded.
    ran: bool = True


def related(obj: Any, name: str) -> Any:
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def license_fields(lic: License, *, at: datetime) -> dict[str, Any]:
    return {
        "public_license_id": lic.public_license_id,
        "license_key": lic.license_key,
        "product_code": str(lic.product_code),
        "quantity": lic.quantity,
        "state": EsetLicense.State(lic.state),
        "updated_at": at,
    }


def licenses_store(*, stored: Sequence[Executed], at: datetime) -> None:
    """Writes ESET's view of the licences of a group of successes."""
    changed: list[EsetLicense] = []
    created: list[EsetLicense] = []
    for item in stored:
        assert item.outcome is not None
        subscription = item.command.subscription
        reseller = subscription.client.reseller
        if item.outcome.reseller_company_id and related(reseller, "eset_company") is None:
            EsetResellerCompany.objects.get_or_create(
                reseller_id=reseller.pk,
                defaults={"company_id": item.outcome.reseller_company_id},
            )
        if item.outcome.company_id and related(subscription.client, "eset_customer") is None:
            EsetCustomer.objects.get_or_create(
                client_id=subscription.client_id, defaults={"company_id": item.outcome.company_id}
            )
        fields = license_fields(item.outcome.license, at=at)
        current = related(subscription, "eset_license")
        if current is None:
            created.append(EsetLicense(subscription=subscription, **fields))
            continue
        for name, value in fields.items():
            setattr(current, name, value)
        changed.append(current)
    if changed:
        bulk_set(changed, LICENSE_FIELDS)
    if created:
        EsetLicense.objects.bulk_create(created)


def activation_payload(*, command: GatewayCommand, lic: License) -> dict[str, Any]:
    """The activation data (§12): the public licence ID always, the activation key only
    when ESET provides one (its guide documents no field for it; the mock does)."""
    subscription = command.subscription
    payload: dict[str, Any] = {}
    if lic.license_key:
        payload["license_key"] = lic.license_key
    payload.update(
        {
            "public_license_id": lic.public_license_id,
            "product": subscription.reseller_plan.vendor_plan.name,
            "seats": lic.quantity,
            "expires_on": (
                subscription.expires_on.isoformat() if subscription.expires_on else None
            ),
        }
    )
    return payload


def success_specs(*, command: GatewayCommand, outcome: Outcome) -> list[NotificationSpec]:
    subscription = command.subscription
    payload = activation_payload(command=command, lic=outcome.license)
    if command.kind == CommandKind.CREATE:
        return [
            owner_spec(
                subscription=subscription,
                kind=NotificationKind.ACTIVATION_DATA,
                key=f"activation_data:sub:{subscription.pk}",
                payload=payload,
            )
        ]
    if command.kind == CommandKind.CHANGE_QUANTITY:
        payload["previous_seats"] = command.payload.get("previous_quantity")
        payload["effective_on"] = command.payload.get("effective_on")
        event = (
            f"seatchange:{command.seat_change_id}"
            if command.seat_change_id
            else f"command:{command.pk}"
        )
        return [
            owner_spec(
                subscription=subscription,
                kind=NotificationKind.SEATS_CHANGED,
                key=f"seats_changed:{event}",
                payload=payload,
            )
        ]
    # Suspension and resumption are told by the billing services that decide them.
    return []


def error_spec(*, command: GatewayCommand, error: str) -> NotificationSpec:
    subscription = command.subscription
    return reseller_spec(
        reseller=subscription.client.reseller,
        kind=NotificationKind.ESET_ERROR,
        key=f"eset_error:command:{command.pk}",
        payload={"command": command.kind, "error": error, "subscription_id": subscription.pk},
        client_id=subscription.client_id,
        subscription_id=subscription.pk,
    )


def error_result(error: BaseException) -> dict[str, Any]:
    """What the error was, in fields the operator's admin words it from (errors_text)."""
    if isinstance(error, EsetTerminalError):
        return {"error": {"code": error.code, "sub_code": error.sub_code}}
    return {
        "error": {
            "type": type(error).__name__,
            "status": getattr(error, "status", None),
            "unreachable": bool(getattr(error, "unreachable", False)),
        }
    }
