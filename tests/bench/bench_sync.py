"""Benchmark: the nightly ESET sync (issue 5, DESIGN.md §10).

1. Builds its own database (BENCH_SYNC_DATABASE, default eset_bench_sync, on DATABASE_URL's
   server; dropped and recreated) with bulk inserts, not timed: BENCH_SEAT_CHANGES
   (default 10,000) active subscriptions over N/10 clients, each with its period, its
   charges, its licence at ESET (the mock's tables and the platform's) and a pending seat
   change due on the sync day.
2. Serves the mock ESET API with gunicorn on loopback (BENCH_SYNC_WORKERS processes of
   BENCH_SYNC_THREADS threads), BENCH_SYNC_LATENCY_MS (50) of latency per call and a
   concurrency limit of BENCH_SYNC_LIMIT (16) calls at once across all its processes:
   the call beyond it is answered 429 with Retry-After.
3. Times `manage.py eset_sync --date D` as a whole process, pointed at it (ESET_API_URL,
   ESET_CONCURRENCY = the limit), and checks the result: every change applied once, its
   command done, ESET's quantity equal to the platform's, the owner notified once.
4. The bound is what the latency and the limit allow: B = N x calls per change x latency /
   limit (License/UpdateQuantity and License/Detail per change). Prints
   `eset_sync: N changes, T s, bound B s, ratio R` (target R <= 1.5) and its BENCH_RESULT.
5. Then the sync under 429s (BENCH_SYNC_429_CHANGES, default N/5, more seat changes the
   next day): the client keeps twice the limit in flight, the mock refuses the excess
   with 429 and Retry-After, and the sync plus the drains after it must still converge
   with every change applied exactly once. Printed as `eset_sync under 429: ...`.
6. Last, that night's reconciliation (`manage.py eset_reconcile`): every licence read back
   from ESET must agree with the platform. Printed as `eset_reconcile: ...`.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from . import common

TARGET_RATIO = 1.5
DAY = date(2027, 1, 20)  # the sync day; the periods run 5 Jan - 3 Feb
ACTIVATED = date(2027, 1, 5)
SUBS_PER_CLIENT = 10
# License/UpdateQuantity, then License/Detail: ESET answers a change with an empty body,
# so the licence's new state (and the mock's new activation key) is read back.
CALLS_PER_CHANGE = 2
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# The mock server's controls need a token (eset_gateway/mock/access.py).
BENCH_CONTROL_TOKEN = secrets.token_hex(16)
BENCH_CONTROLS = {"X-Mock-Control-Token": BENCH_CONTROL_TOKEN}


def parameters() -> dict[str, Any]:
    n = common.env_int("BENCH_SEAT_CHANGES", 10_000)
    limit = common.env_int("BENCH_SYNC_LIMIT", 16)
    return {
        "n": n,
        "limit": limit,
        "latency_ms": common.env_int("BENCH_SYNC_LATENCY_MS", 50),
        "workers": common.env_int("BENCH_SYNC_WORKERS", 2),
        "threads": common.env_int("BENCH_SYNC_THREADS", 2 * limit),
        "n429": common.env_int("BENCH_SYNC_429_CHANGES", max(1, n // 5)),
        "database": os.environ.get("BENCH_SYNC_DATABASE", "eset_bench_sync").strip(),
    }


def _public_id(index: int) -> str:
    chars = []
    for _ in range(9):
        index, digit = divmod(index, len(ALPHABET))
        chars.append(ALPHABET[digit])
    code = "".join(reversed(chars))
    return f"{code[:3]}-{code[3:6]}-{code[6:]}"


def _key(index: int, generation: int = 1) -> str:
    code = _public_id(index * 7 + generation).replace("-", "") + "ABCDEFGHJKL"
    return "-".join(code[i : i + 4] for i in range(0, 20, 4))


def build(n: int) -> None:
    """The data set, with the ORM's bulk inserts (not timed)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from accounts.models import Client, Reseller
    from billing.calendar import period_charges
    from billing.models import BalanceEntry, Charge, Payment, ServicePeriod
    from core.clock import moscow_moment
    from eset_gateway.mock.models import MockCompany, MockLicense, MockLicenseEvent
    from eset_gateway.mock.views import distributor
    from eset_gateway.models import EsetCustomer, EsetLicense
    from orders.models import Order, OrderStatus, Subscription, SubscriptionStatus
    from plans.models import ResellerPlan, VendorPlan

    at = moscow_moment(ACTIVATED, 12, 0)
    expires = ACTIVATED + timedelta(days=30)
    price, purchase = Decimal("100.00"), Decimal("60.00")
    charges = period_charges(
        starts_on=ACTIVATED, expires_on=expires, seats=5, seat_price=price, purchase_price=purchase
    )
    clients_n = max(1, (n + SUBS_PER_CLIENT - 1) // SUBS_PER_CLIENT)
    User = get_user_model()
    with transaction.atomic():
        vendor = VendorPlan.objects.create(
            name="ESET PROTECT Advanced",
            product_code="EPA-B",
            eset_product_code=111,
            purchase_price=purchase,
        )
        resellers = Reseller.objects.bulk_create(
            [Reseller(name=f"Reseller {i}", email=f"r{i}@bench.example") for i in range(10)]
        )
        plans = ResellerPlan.objects.bulk_create(
            [
                ResellerPlan(
                    reseller=r,
                    vendor_plan=vendor,
                    status="active",
                    seat_price=price,
                    activated_at=at,
                )
                for r in resellers
            ]
        )
        users = User.objects.bulk_create(
            [
                User(username=f"c{i}@bench.example", email=f"c{i}@bench.example")
                for i in range(clients_n)
            ],
            batch_size=2000,
        )
        funds = Decimal("1000000.00")
        clients = Client.objects.bulk_create(
            [
                Client(
                    reseller=resellers[i % 10],
                    name=f"Client {i}",
                    email=f"c{i}@bench.example",
                    owner=users[i],
                    balance=funds,
                )
                for i in range(clients_n)
            ],
            batch_size=2000,
        )
        payments = Payment.objects.bulk_create(
            [Payment(client=c, amount=funds, paid_at=at, day=ACTIVATED) for c in clients],
            batch_size=2000,
        )
        BalanceEntry.objects.bulk_create(
            [
                BalanceEntry(
                    client=p.client,
                    kind="payment",
                    amount=funds,
                    balance_after=funds,
                    payment=p,
                    day=ACTIVATED,
                )
                for p in payments
            ],
            batch_size=2000,
        )
        msp = MockCompany.objects.create(
            public_id="msp-bench", name="Bench MSP", entity_type=1005, parent=distributor()
        )
        companies = MockCompany.objects.bulk_create(
            [
                MockCompany(
                    public_id=f"company-{i}",
                    name=f"Client {i}",
                    entity_type=1007,
                    parent=msp,
                    custom_identifier=f"client-{c.pk}",
                )
                for i, c in enumerate(clients)
            ],
            batch_size=2000,
        )
        EsetCustomer.objects.bulk_create(
            [EsetCustomer(client=c, company_id=f"company-{i}") for i, c in enumerate(clients)],
            batch_size=2000,
        )
        owner = [i // SUBS_PER_CLIENT for i in range(n)]
        orders = Order.objects.bulk_create(
            [
                Order(
                    client=clients[owner[i]],
                    reseller_plan=plans[owner[i] % 10],
                    seats=5,
                    status=OrderStatus.COMPLETED,
                    created_at=at,
                    confirmed_at=at,
                    completed_at=at,
                )
                for i in range(n)
            ],
            batch_size=2000,
        )
        subs = Subscription.objects.bulk_create(
            [
                Subscription(
                    order=orders[i],
                    client=clients[owner[i]],
                    reseller_plan=plans[owner[i] % 10],
                    seats=5,
                    status=SubscriptionStatus.ACTIVE,
                    anchor_day=ACTIVATED.day,
                    expires_on=expires,
                    activated_at=at,
                    created_at=at,
                )
                for i in range(n)
            ],
            batch_size=2000,
        )
        periods = ServicePeriod.objects.bulk_create(
            [
                ServicePeriod(
                    subscription=s,
                    starts_on=ACTIVATED,
                    expires_on=expires,
                    seat_price=price,
                    purchase_price=purchase,
                )
                for s in subs
            ],
            batch_size=2000,
        )
        Charge.objects.bulk_create(
            [
                Charge(
                    subscription=s,
                    period=p,
                    client_id=s.client_id,
                    date_from=c.date_from,
                    date_to=c.date_to,
                    closes_on=c.closes_on,
                    seat_days=c.seat_days,
                    amount=c.amount,
                    cost=c.cost,
                )
                for s, p in zip(subs, periods, strict=True)
                for c in charges
            ],
            batch_size=4000,
        )
        MockLicense.objects.bulk_create(
            [
                MockLicense(
                    public_license_id=_public_id(i),
                    license_key=_key(i),
                    product_code=111,
                    quantity=5,
                    customer=companies[owner[i]],
                    created_at=at,
                    updated_at=at,
                )
                for i, s in enumerate(subs)
            ],
            batch_size=2000,
        )
        MockLicenseEvent.objects.bulk_create(
            [
                MockLicenseEvent(license=lic, at=at, kind="ordered", quantity=5, state=1)
                for lic in MockLicense.objects.order_by("pk")
            ],
            batch_size=2000,
        )
        EsetLicense.objects.bulk_create(
            [
                EsetLicense(
                    subscription=s,
                    public_license_id=_public_id(i),
                    license_key=_key(i),
                    product_code="111",
                    quantity=5,
                )
                for i, s in enumerate(subs)
            ],
            batch_size=2000,
        )
        _seat_changes(subs, day=DAY, seats=lambda i: 6 + i % 7)


def _seat_changes(subs: list, *, day: date, seats: Any) -> None:
    from core.clock import moscow_moment
    from orders.models import SeatChange

    requested = moscow_moment(day - timedelta(days=1), 15, 0)
    SeatChange.objects.bulk_create(
        [
            SeatChange(
                subscription_id=s.pk,
                seats=seats(i),
                previous_seats=s.seats,
                effective_on=day,
                requested_at=requested,
            )
            for i, s in enumerate(subs)
        ],
        batch_size=2000,
    )


def _cpu_by_pid(match: Any) -> dict[int, float]:
    """CPU seconds used so far by each process whose command line `match` accepts."""
    found: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if match(int(entry), cmdline):
            found[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    return found


class CpuMeter:
    """CPU used by groups of processes while it runs, sampled every half second (a
    process that ends between samples loses its last half second)."""

    def __init__(self, **groups: Any) -> None:
        self.groups = groups
        self.first: dict[str, dict[int, float]] = {}
        self.last: dict[str, dict[int, float]] = {name: {} for name in groups}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        for name, match in self.groups.items():
            self.last[name].update(_cpu_by_pid(match))

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self._sample()

    def __enter__(self) -> CpuMeter:
        self.first = {name: _cpu_by_pid(match) for name, match in self.groups.items()}
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def seconds(self) -> dict[str, float]:
        return {
            name: sum(cpu - self.first[name].get(pid, 0.0) for pid, cpu in self.last[name].items())
            for name in self.groups
        }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MockServer:
    """The mock ESET API under gunicorn (threads in several processes) on loopback."""

    def __init__(self, database: str, *, workers: int, threads: int) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}/eset-mock/"
        env = common.child_env(
            database,
            # Each serving thread keeps its database connection between calls, and the
            # mock's commits do not wait for the disk: the mock stands for ESET's servers,
            # whose durability costs are not this machine's (the platform's are).
            DATABASE_URL=common.db_url(database)
            + "?conn_max_age=600&options=-c%20synchronous_commit%3Doff",
            ESET_MOCK_ENABLED="true",
            ESET_MOCK_CONTROL_TOKEN=BENCH_CONTROL_TOKEN,
            LOG_LEVEL="ERROR",
        )
        self.proc = subprocess.Popen(
            [
                common.PYTHON,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--worker-class",
                "gthread",
                "--threads",
                str(threads),
                "--keep-alive",
                "60",
                "--backlog",
                "256",
                "--log-level",
                "warning",
            ],
            cwd=common.ROOT,
            env=env,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if (
                    httpx.get(self.base + "_mock/", headers=BENCH_CONTROLS, timeout=2).status_code
                    == 200
                ):
                    return
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit("bench: the mock server did not start")
            time.sleep(0.3)

    def serves(self, pid: int, cmdline: str) -> bool:
        """Whether a process is one of this server's (gunicorn's master and workers)."""
        return "gunicorn" in cmdline and f"127.0.0.1:{self.port}" in cmdline

    def control(self, **values: Any) -> dict:
        response = httpx.post(self.base + "_mock/", json=values, headers=BENCH_CONTROLS, timeout=30)
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _sync_env(database: str, server: MockServer, concurrency: int) -> dict[str, str]:
    return common.child_env(
        database, ESET_API_URL=server.base + "api/", ESET_CONCURRENCY=str(concurrency)
    )


def _parse(stdout: str) -> dict[str, int]:
    found = dict(re.findall(r"(\w+)=(\d+)", stdout))
    return {k: int(v) for k, v in found.items()}


def check(*, day: date, changes: int) -> list[str]:
    """What must hold after the sync of `day` converged; returns what does not."""
    from django.db.models import F

    from eset_gateway.mock.models import MockLicense
    from eset_gateway.models import CommandKind, CommandState, EsetLicense, GatewayCommand
    from notifications.models import Notification
    from orders.models import SeatChange, SeatChangeStatus, Subscription

    problems = []
    applied = SeatChange.objects.filter(effective_on=day, status=SeatChangeStatus.APPLIED).count()
    if applied != changes:
        problems.append(f"{applied} of {changes} seat changes applied")
    commands = GatewayCommand.objects.filter(
        kind=CommandKind.CHANGE_QUANTITY, payload__effective_on=day.isoformat()
    )
    done = commands.filter(state=CommandState.DONE).count()
    if (commands.count(), done) != (changes, changes):
        problems.append(f"{commands.count()} commands, {done} done, for {changes} changes")
    remote = dict(MockLicense.objects.values_list("public_license_id", "quantity"))
    local = dict(EsetLicense.objects.values_list("subscription_id", "public_license_id"))
    wrong = sum(
        1
        for pk, seats in Subscription.objects.values_list("pk", "seats")
        if remote[local[pk]] != seats
    )
    if wrong:
        problems.append(f"{wrong} licences at ESET differ from the platform's seats")
    stale = EsetLicense.objects.exclude(quantity=F("subscription__seats")).count()
    if stale:
        problems.append(f"{stale} stored licences differ from the platform's seats")
    notes = Notification.objects.filter(
        kind="seats_changed", payload__effective_on=day.isoformat()
    ).count()
    if notes != changes:
        problems.append(f"{notes} seats_changed notifications for {changes} changes")
    return problems


def main() -> None:
    p = parameters()
    n, limit, latency_ms = p["n"], p["limit"], p["latency_ms"]
    database = p["database"]
    if not database.replace("_", "").isalnum():
        sys.exit(f"bench: BENCH_SYNC_DATABASE must be a plain identifier, got {database!r}")
    common.recreate_db(database)
    common.manage(database, "migrate", "--noinput", "-v", "0")
    os.environ.update(common.child_env(database))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    started = time.perf_counter()
    build(n)
    built = time.perf_counter() - started
    common.say(f"bench_sync: built {n} subscriptions with seat changes in {built:.1f} s")

    server = MockServer(database, workers=p["workers"], threads=p["threads"])
    try:
        server.control(latency_ms=latency_ms, concurrency_limit=limit, log_calls=False, fail_rate=0)

        def postgres(pid: int, cmdline: str) -> bool:
            return cmdline.startswith("postgres: ") and f" {database} " in cmdline

        def sync(pid: int, cmdline: str) -> bool:
            return "manage.py eset_sync" in cmdline

        load = os.getloadavg()[0]
        with CpuMeter(sync=sync, mock=server.serves, postgres=postgres) as meter:
            timed = common.run_timed(
                [common.PYTHON, "manage.py", "eset_sync", "--date", DAY.isoformat()],
                env=_sync_env(database, server, limit),
            )
        cpu = meter.seconds()
        counts = _parse(timed.stdout)
        problems = check(day=DAY, changes=n)
        bound = n * CALLS_PER_CHANGE * (latency_ms / 1000) / limit
        ratio = timed.seconds / bound
        common.say(
            f"eset_sync: {n} changes, {timed.seconds:.1f} s, bound {bound:.1f} s, ratio {ratio:.2f}"
        )
        common.say(
            f"  (limit {limit} calls at once, {latency_ms} ms per call, "
            f"{p['workers']} x {p['threads']} server threads, {os.cpu_count()} cores; "
            f"sync: {counts}; peak {timed.peak_mb:.0f} MB)"
        )
        common.say(
            "  CPU seconds: "
            + ", ".join(f"{name} {seconds:.1f}" for name, seconds in cpu.items())
            + f" (machine load average before the run: {load:.1f})"
        )
        for problem in problems:
            common.say(f"  WRONG: {problem}")
        common.result(
            figure="eset_sync",
            value=round(ratio, 2),
            unit="x bound",
            target=f"<= {TARGET_RATIO}",
            ok=ratio <= TARGET_RATIO and not problems,
            seconds=round(timed.seconds, 1),
            bound=round(bound, 1),
            changes=n,
            correct=not problems,
        )
        under_429(database, server, p)
        reconcile(database, server, p)
    finally:
        server.stop()


def under_429(database: str, server: MockServer, p: dict[str, Any]) -> None:
    """The next day's sync with twice the limit in flight: the excess gets 429 with
    Retry-After; the sync and the drains after it must converge, each change once."""
    from core.clock import nightly_moment
    from eset_gateway.client import EsetClient
    from eset_gateway.drain import RETRY_CAP
    from eset_gateway.mock.models import MockCall
    from eset_gateway.models import CommandState, GatewayCommand
    from eset_gateway.services import gateway_drain
    from orders.models import Subscription

    day = DAY + timedelta(days=1)
    n429, limit = min(p["n429"], p["n"]), p["limit"]
    subs = list(Subscription.objects.order_by("pk")[:n429])
    _seat_changes(subs, day=day, seats=lambda i: 2 + i % 3)
    server.control(log_calls=True)
    timed = common.run_timed(
        [common.PYTHON, "manage.py", "eset_sync", "--date", day.isoformat()],
        env=_sync_env(database, server, 2 * limit),
    )
    drains = 0
    at: datetime = nightly_moment(day)
    with EsetClient(server.base + "api/", max_connections=limit) as eset:
        while GatewayCommand.objects.exclude(state=CommandState.DONE).exists() and drains < 20:
            at += RETRY_CAP
            gateway_drain(at=at, eset=eset)
            drains += 1
    busy = MockCall.objects.filter(fault="busy").count()
    problems = check(day=day, changes=n429)
    server.control(log_calls=False)
    common.say(
        f"eset_sync under 429: {n429} changes, {2 * limit} in flight for a limit of {limit}: "
        f"{busy} answers 429, {timed.seconds:.1f} s, then {drains} drain(s) to converge "
        f"(sync: {_parse(timed.stdout)}); "
        + ("every change applied once" if not problems else "WRONG: " + "; ".join(problems))
    )


def reconcile(database: str, server: MockServer, p: dict[str, Any]) -> None:
    """The night's reconciliation after both syncs: ESET must agree with the platform on
    every licence (no drift), read in pages through the same latency."""
    day = DAY + timedelta(days=1)
    timed = common.run_timed(
        [common.PYTHON, "manage.py", "eset_reconcile", "--date", day.isoformat()],
        env=_sync_env(database, server, p["limit"]),
    )
    counts = _parse(timed.stdout)
    verdict = "no drift" if counts.get("drifts") == 0 else f"WRONG: {counts}"
    common.say(
        f"eset_reconcile: {counts.get('checked')} licences read in pages, "
        f"{timed.seconds:.1f} s: {verdict}"
    )


if __name__ == "__main__":
    main()
