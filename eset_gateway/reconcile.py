"""The nightly licence reconciliation (DESIGN.md §5): ESET's licences against the
platform's view. What to do about one drift is decided by `drift_decide`, a pure function;
the rest reads ESET (no transaction open), records the drifts and writes the repairs."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Max

from accounts.locks import clients_lock
from config.db import bulk_set
from core.clock import moscow_moment
from notifications.models import NotificationKind
from notifications.services import notify, reseller_spec
from orders.models import Subscription

from .client import EsetClient, EsetTerminalError, License
from .drift import Seen, drift_decide, drift_kind, platform_license_view
from .models import (
    CommandState,
    DriftAction,
    DriftKind,
    EsetCustomer,
    EsetLicense,
    GatewayCommand,
    LicenseDrift,
)
from .outbox import CommandSpec, commands_enqueue
from .recording import LICENSE_FIELDS

logger = logging.getLogger(__name__)

# 03:00 Moscow time: well after the 00:30 sync and the billing run chained to it.
RECONCILE_TIME = (3, 0)
# ESET pages by at most 100 (`take` 1..100).
RECONCILE_PAGE = 100
# Clients whose drifts are settled per transaction.
RECONCILE_CHUNK = 200


@dataclass(frozen=True)
class ReconcileResult:
    checked: int  # licences ESET listed
    drifts: int  # drifts recorded (a second run of the same night records none again)
    repaired: int  # drifts the platform repairs: their commands are in the outbox
    left: int  # left to a command in flight, a failed command, later, or the operator


@dataclass(frozen=True)
class _Candidate:
    seen: Seen
    subscription_id: int | None
    known: bool  # the platform has this licence
    # A command of the subscription with a higher id was written after ESET was read.
    watermark: int


def reconcile_moment(*, day: date) -> datetime:
    """03:00 Moscow time on `day`: the moment of that night's reconciliation."""
    return moscow_moment(day, *RECONCILE_TIME)


def _last_command_id() -> int:
    return GatewayCommand.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _subscriptions_with_open_commands() -> set[int]:
    return set(
        GatewayCommand.objects.exclude(state=CommandState.DONE)
        .values_list("subscription_id", flat=True)
        .distinct()
    )


def _subscriptions_written_after(subscription_ids: set[int], *, watermark: int) -> set[int]:
    ids = sorted(subscription_ids)
    found: set[int] = set()
    for start in range(0, len(ids), 1000):
        found.update(
            GatewayCommand.objects.filter(
                subscription_id__in=ids[start : start + 1000], pk__gt=watermark
            ).values_list("subscription_id", flat=True)
        )
    return found


def _seen(lic: License) -> Seen:
    return Seen(lic.public_license_id, lic.quantity, lic.state, lic.license_key)


def _compare_page(page: Sequence[License], *, watermark: int) -> list[_Candidate]:
    """The licences of one page of ESET's listing that differ from the platform's view, or
    that the platform does not know (linked to a subscription when only one can be its)."""
    local = {
        row[0]: row[1:]
        for row in EsetLicense.objects.filter(
            public_license_id__in=[lic.public_license_id for lic in page]
        ).values_list(
            "public_license_id", "subscription_id", "subscription__seats", "subscription__status"
        )
    }
    found: list[_Candidate] = []
    unknown: list[License] = []
    for lic in page:
        row = local.get(lic.public_license_id)
        if row is None:
            unknown.append(lic)
            continue
        subscription_id, seats, status = row
        quantity, state = platform_license_view(seats=seats, status=status)
        if drift_kind(seen=_seen(lic), quantity=quantity, state=state):
            found.append(_Candidate(_seen(lic), subscription_id, True, watermark))
    if unknown:
        linked = _unknown_owners(unknown)
        found += [
            _Candidate(_seen(lic), linked.get(lic.public_license_id), False, watermark)
            for lic in unknown
        ]
    return found


def _unknown_owners(unknown: Sequence[License]) -> dict[str, int]:
    """The subscription an unknown licence belongs to, when it can only be one: ESET has
    no reference of the platform's on a licence, so it is the customer's (the client's)
    only subscription of that ESET product that has no licence recorded."""
    clients = dict(
        EsetCustomer.objects.filter(
            company_id__in={lic.customer_id for lic in unknown}
        ).values_list("company_id", "client_id")
    )
    waiting: dict[tuple[int, str], list[int]] = {}
    for pk, client_id, code in Subscription.objects.filter(
        client_id__in=set(clients.values()), eset_license__isnull=True
    ).values_list("pk", "client_id", "reseller_plan__vendor_plan__eset_product_code"):
        waiting.setdefault((client_id, str(code)), []).append(pk)
    owners: dict[str, int] = {}
    for lic in unknown:
        owner = clients.get(lic.customer_id)
        if owner is None:
            continue
        candidates = waiting.get((owner, str(lic.product_code)), [])
        if len(candidates) == 1:
            owners[lic.public_license_id] = candidates[0]
    return owners


def _missing(seen_ids: set[str], *, watermark: int) -> list[_Candidate]:
    """The platform's licences that ESET did not list."""
    return [
        _Candidate(Seen(public_id, None, "", ""), subscription_id, True, watermark)
        for public_id, subscription_id in EsetLicense.objects.order_by("pk")
        .values_list("public_license_id", "subscription_id")
        .iterator(chunk_size=2000)
        if public_id not in seen_ids
    ]


def _reread(candidates: list[_Candidate], eset: EsetClient, *, ran: set[int]) -> list[_Candidate]:
    """Licences whose subscription had a command running while ESET was listed are read
    again (License/Detail): the listing may predate what that command did. Their new
    watermark is the last command written before this second read."""
    watermark = _last_command_id()
    kept: list[_Candidate] = []
    for candidate in candidates:
        if candidate.subscription_id not in ran or candidate.seen.quantity is None:
            kept.append(candidate)
            continue
        try:
            lic = eset.license_detail(public_license_id=candidate.seen.public_license_id)
        except EsetTerminalError:
            kept.append(candidate)  # gone meanwhile: settled from the listing
            continue
        kept.append(_Candidate(_seen(lic), candidate.subscription_id, candidate.known, watermark))
    return kept


def _drift_payload(drift: LicenseDrift) -> dict[str, Any]:
    subscription = drift.subscription
    assert subscription is not None
    return {
        "subscription_id": subscription.pk,
        "product": subscription.reseller_plan.vendor_plan.name,
        "public_license_id": drift.public_license_id,
        "kind": drift.kind,
        "platform_quantity": drift.platform_quantity,
        "platform_state": drift.platform_state,
        "eset_quantity": drift.eset_quantity,
        "eset_state": drift.eset_state,
        "action": drift.action,
        "night": drift.night.isoformat(),
    }


def _settle(candidates: Sequence[_Candidate], *, day: date, at: datetime) -> ReconcileResult:
    """Records the drifts of a group of clients and writes the repairs, in the caller's
    transaction, with the clients locked first (billing's lock order): a billing run or a
    payment that moves a subscription meanwhile is either seen here or waits for this."""
    sub_ids = {c.subscription_id for c in candidates if c.subscription_id is not None}
    clients_lock(
        Subscription.objects.filter(pk__in=sub_ids).values_list("client_id", flat=True).distinct()
    )
    subs = Subscription.objects.select_related(
        "client__reseller", "reseller_plan__vendor_plan", "eset_license"
    ).in_bulk(list(sub_ids))
    known = set(
        EsetLicense.objects.filter(
            public_license_id__in=[c.seen.public_license_id for c in candidates]
        ).values_list("public_license_id", flat=True)
    )
    blocking: dict[int, GatewayCommand] = {}
    for command in GatewayCommand.objects.filter(subscription_id__in=sub_ids).exclude(
        state=CommandState.DONE
    ):
        # A failed command names the drift's cause before a pending one does.
        current = blocking.get(command.subscription_id)
        if current is None or (
            command.state == CommandState.FAILED and current.state != CommandState.FAILED
        ):
            blocking[command.subscription_id] = command
    newest = dict(
        GatewayCommand.objects.filter(subscription_id__in=sub_ids)
        .values("subscription_id")
        .annotate(top=Max("pk"))
        .values_list("subscription_id", "top")
        .order_by()
    )
    already = set(
        LicenseDrift.objects.filter(
            night=day, public_license_id__in=[c.seen.public_license_id for c in candidates]
        ).values_list("public_license_id", flat=True)
    )

    drifts: list[LicenseDrift] = []
    repairs: list[tuple[LicenseDrift, list[CommandSpec]]] = []
    refreshed: list[EsetLicense] = []
    for candidate in candidates:
        seen = candidate.seen
        if seen.public_license_id in already:
            continue
        sub = subs.get(candidate.subscription_id) if candidate.subscription_id else None
        blocker = blocking.get(sub.pk) if sub is not None else None
        platform = (
            platform_license_view(seats=sub.seats, status=sub.status) if sub is not None else None
        )
        decision = drift_decide(
            seen=seen,
            known=seen.public_license_id in known,
            platform=platform,
            subscription_id=sub.pk if sub is not None else None,
            blocking_state=blocker.state if blocker is not None else None,
            ran_after_read=sub is not None and newest.get(sub.pk, 0) > candidate.watermark,
            day=day,
        )
        if decision.kind is None:
            continue  # the platform or ESET moved meanwhile and they agree now
        drift = LicenseDrift(
            night=day,
            public_license_id=seen.public_license_id,
            subscription=sub,
            eset_quantity=seen.quantity,
            eset_state=seen.state,
            detected_at=at,
            kind=decision.kind,
            action=decision.action,
            note=decision.note,
            command=blocker if decision.kind != DriftKind.UNKNOWN else None,
        )
        if platform is not None:
            drift.platform_quantity, drift.platform_state = platform
        drifts.append(drift)
        if decision.repairs:
            repairs.append((drift, list(decision.repairs)))
        if decision.refresh:
            # The stored view is ESET's as last read (the repair's result replaces it).
            assert sub is not None and seen.quantity is not None
            lic = sub.eset_license
            lic.quantity, lic.state, lic.license_key, lic.updated_at = (
                seen.quantity,
                seen.state,
                seen.license_key or lic.license_key,
                at,
            )
            refreshed.append(lic)
    if not drifts:
        return ReconcileResult(checked=0, drifts=0, repaired=0, left=0)

    specs = [spec for _, group in repairs for spec in group]
    commands_enqueue(specs=specs, at=at)
    written = GatewayCommand.objects.filter(key__in=[s.key for s in specs]).in_bulk(
        field_name="key"
    )
    for drift, group in repairs:
        drift.command = written[group[0].key]
    # A concurrent run of the same night meets the unique (licence, night) and is skipped.
    LicenseDrift.objects.bulk_create(drifts, ignore_conflicts=True)
    bulk_set(refreshed, LICENSE_FIELDS)
    notify(
        specs=[
            reseller_spec(
                reseller=drift.subscription.client.reseller,
                kind=NotificationKind.LICENSE_DRIFT,
                key=f"license_drift:{drift.public_license_id}:{day.isoformat()}",
                payload=_drift_payload(drift),
                client_id=drift.subscription.client_id,
                subscription_id=drift.subscription.pk,
            )
            for drift in drifts
            # The reseller hears of what the platform repairs or what needs someone; a
            # command in flight is expected to leave ESET behind for a while, and a licence
            # the platform does not know is the distributor's matter.
            if drift.subscription is not None
            and drift.action != DriftAction.COMMAND_OPEN
            and drift.kind != DriftKind.UNKNOWN
        ],
        at=at,
    )
    return ReconcileResult(
        checked=0, drifts=len(drifts), repaired=len(repairs), left=len(drifts) - len(repairs)
    )


def licences_reconcile(*, day: date, eset: EsetClient | None = None) -> ReconcileResult:
    """The nightly reconciliation of `day`, after the 00:30 sync (DESIGN.md §5).

    Reads every licence at ESET (Search/Licenses, in pages), compares its quantity and
    state with the platform's (the subscription's seats; active only while the
    subscription is active), records each difference once a night (`LicenseDrift`: the
    operator admin; the reseller's journal) and repairs what the platform is sure of: a
    licence none of whose commands is pending or failed gets the commands that bring it
    back. It never fights a command in flight: a licence whose command is pending, failed,
    or ran while ESET was being read is recorded and left to that command.

    Not atomic on purpose: ESET is read with no transaction open. A page that cannot be
    read aborts the run before anything is written (a partial listing would make licences
    look missing). Running it again the same night records and repairs nothing twice."""
    at = reconcile_moment(day=day)
    own_client = eset is None
    if eset is None:
        eset = EsetClient()
    try:
        watermark = _last_command_id()
        open_before = _subscriptions_with_open_commands()
        checked, candidates, seen_ids = 0, [], set[str]()
        for page in eset.license_pages(page_size=RECONCILE_PAGE):
            checked += len(page)
            seen_ids.update(lic.public_license_id for lic in page)
            candidates += _compare_page(page, watermark=watermark)
        candidates += _missing(seen_ids, watermark=watermark)
        touched = {c.subscription_id for c in candidates if c.subscription_id is not None}
        ran = (open_before & touched) | _subscriptions_written_after(touched, watermark=watermark)
        candidates = _reread(candidates, eset, ran=ran)
    finally:
        if own_client:
            eset.close()

    client_of: dict[int, int] = {}
    touched_ids = sorted({c.subscription_id for c in candidates if c.subscription_id})
    for start in range(0, len(touched_ids), 1000):
        client_of.update(
            Subscription.objects.filter(pk__in=touched_ids[start : start + 1000]).values_list(
                "pk", "client_id"
            )
        )
    by_client: dict[int, list[_Candidate]] = defaultdict(list)
    for candidate in candidates:
        owner = client_of.get(candidate.subscription_id or 0, 0)  # 0: no subscription
        by_client[owner].append(candidate)
    clients = sorted(by_client)
    total = ReconcileResult(checked=checked, drifts=0, repaired=0, left=0)
    for start in range(0, len(clients), RECONCILE_CHUNK):
        group = [c for cid in clients[start : start + RECONCILE_CHUNK] for c in by_client[cid]]
        with transaction.atomic():
            done = _settle(group, day=day, at=at)
        total = ReconcileResult(
            checked=checked,
            drifts=total.drifts + done.drifts,
            repaired=total.repaired + done.repaired,
            left=total.left + done.left,
        )
    logger.info("licences_reconcile %s: %s", day, total)
    return total
