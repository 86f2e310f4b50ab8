"""The month-end data set of issue 5, written with COPY (not timed).

The state is the one the daily runs up to the day before month end leave behind: every
subscription is active in its current period, every charge that closed before the run day
is closed with its ledger entry, every later one is open. Concretely, for the run day D
(the last day of a month, default 2027-01-31):

- BENCH_RESELLERS (default N/100) resellers, each with the three catalogue plans activated
  at its own margin; BENCH_CLIENTS (default N/2) clients spread over them, each with an
  owner user; N subscriptions spread over the clients.
- Subscriptions activated on days spread over the month before D's (two thirds on 30-day
  plans, one third on calendar-month plans), their periods rolled forward to D exactly as
  billing.calendar does, so current periods end on every day from D to a month later;
  those ending on D are renewed (or suspended) by the run.
- Every client paid once, enough for all its charges plus two periods more, except one in
  ten (`short of funds`): exactly its charges, so its renewals fail and suspend.
- One in fifty subscriptions has auto-renew off (ends at expiry); one in twenty has a
  pending seat change for the next sync.
- The history a real database carries: activation events, activation and payment
  notifications, one payment and the ledger per client.

The data satisfy billing/invariants.py (`manage.py check_ledger`), which the bench checks
after the run at small N.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache

from . import common

MSK_OFFSET = "+03"
RESELLER_PASSWORD = "bench-password"
CHUNK = 5000  # clients written per COPY round: memory stays flat in N


@dataclass(frozen=True)
class Scenario:
    day: date
    subscriptions: int
    clients: int
    resellers: int


def month_end_of(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def moment(day: date, hour: int = 12) -> str:
    return f"{datetime.combine(day, time(hour)).isoformat(sep=' ')}{MSK_OFFSET}"


VENDOR_PLANS = [
    # id, name, code, purchase price, cycle
    (1, "ESET PROTECT Entry", "EPE", Decimal("60.00"), "30_days"),
    (2, "ESET PROTECT Advanced", "EPA", Decimal("90.00"), "30_days"),
    (3, "ESET PROTECT Complete", "EPC", Decimal("120.00"), "calendar_month"),
]


def reseller_plan_id(reseller: int, vendor: int) -> int:
    return (reseller - 1) * len(VENDOR_PLANS) + vendor


def seat_price(reseller: int, purchase: Decimal) -> Decimal:
    # Margins between 30 % and 75 %, so prices differ between resellers.
    return (purchase * (Decimal("1.30") + Decimal(reseller % 10) / 20)).quantize(Decimal("0.01"))


@cache
def schedule(activated: date, cycle: str, seats: int, price: Decimal, purchase: Decimal, d: date):
    """The periods from `activated` up to the one current on `d`, each with its charges."""
    from billing.calendar import period_charges, period_expires_on

    periods = []
    start = activated
    while True:
        expires = period_expires_on(starts_on=start, cycle=cycle, anchor_day=activated.day)
        charges = period_charges(
            starts_on=start,
            expires_on=expires,
            seats=seats,
            seat_price=price,
            purchase_price=purchase,
        )
        periods.append((start, expires, tuple(charges)))
        if expires >= d:
            return tuple(periods)
        start = expires


def build(name: str, *, n: int, clients: int, resellers: int, day: date) -> Scenario:
    """Creates database `name` (dropped first), migrates it and fills it."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password

    common.recreate_db(name)
    common.manage(name, "migrate", "--noinput", "-v0")
    password = make_password(RESELLER_PASSWORD)
    conn = common.connect(name)
    try:
        with conn, conn.cursor() as cur:
            _catalogue(cur, resellers=resellers, password=password, clients=clients)
            ids = defaultdict(int)
            for lo in range(0, clients, CHUNK):
                _clients_chunk(
                    cur,
                    lo=lo,
                    hi=min(lo + CHUNK, clients),
                    n=n,
                    clients=clients,
                    resellers=resellers,
                    day=day,
                    ids=ids,
                )
            _sequences(cur)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    finally:
        conn.close()
    return Scenario(day=day, subscriptions=n, clients=clients, resellers=resellers)


def _catalogue(cur, *, resellers: int, password: str, clients: int) -> None:
    created = moment(date(2026, 1, 1))
    common.copy_rows(
        cur,
        "plans_vendorplan",
        [
            "id",
            "name",
            "product_code",
            "description",
            "min_seats",
            "max_seats",
            "purchase_price",
            "billing_cycle",
            "suspension_grace_days",
            "is_available",
        ],
        [(v, nm, code, "", 1, 100, p, cyc, 30, "t") for v, nm, code, p, cyc in VENDOR_PLANS],
    )
    common.copy_rows(
        cur,
        "accounts_reseller",
        ["id", "name", "inn", "email", "is_active", "created_at"],
        [
            (r, f"Реселлер {r}", f"77{r:08d}", f"reseller{r}@bench.local", "t", created)
            for r in range(1, resellers + 1)
        ],
    )
    common.copy_rows(
        cur,
        "plans_resellerplan",
        [
            "id",
            "status",
            "seat_price",
            "is_published",
            "activated_at",
            "updated_at",
            "reseller_id",
            "vendor_plan_id",
        ],
        [
            (reseller_plan_id(r, v), "active", seat_price(r, p), "t", created, created, r, v)
            for r in range(1, resellers + 1)
            for v, _, _, p, _ in VENDOR_PLANS
        ],
    )
    # Reseller staff users come after the client owners: user id = clients + reseller id.
    common.copy_rows(
        cur,
        "auth_user",
        USER_COLUMNS,
        [
            _user(clients + r, f"reseller{r}@bench.local", password, created)
            for r in range(1, resellers + 1)
        ],
    )
    common.copy_rows(
        cur,
        "accounts_membership",
        ["id", "role", "client_id", "user_id", "reseller_id"],
        [(clients + r, "admin", None, clients + r, r) for r in range(1, resellers + 1)],
    )


USER_COLUMNS = [
    "id",
    "password",
    "last_login",
    "is_superuser",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_staff",
    "is_active",
    "date_joined",
]


def _user(pk: int, login: str, password: str, joined: str) -> tuple:
    return (pk, password, None, "f", login, "", "", login, "f", "t", joined)


def _clients_chunk(
    cur, *, lo: int, hi: int, n: int, clients: int, resellers: int, day: date, ids
) -> None:
    """Clients lo..hi-1 (0-based) with all their rows. Client c (id c+1) belongs to reseller
    c % resellers + 1 and holds subscriptions k = c, c + clients, c + 2·clients, … < n."""
    rows: dict[str, list] = defaultdict(list)
    month_before = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
    history_at = moment(month_before - timedelta(days=1), 10)
    for c in range(lo, hi):
        cid, reseller = c + 1, c % resellers + 1
        email = f"client{cid}@bench.local"
        rows["auth_user"].append(_user(cid, email, "!", history_at))
        rows["accounts_membership"].append((cid, "owner", cid, cid, None))
        short = c % 10 == 3
        charges_total = Decimal("0")
        reserve = Decimal("0")
        closed: list[tuple] = []  # (closes_on, date_from, charge id, amount)
        for k in range(c, n, clients):
            sid = k + 1
            v = k % 3 + 1
            _, vname, _, purchase, cycle = VENDOR_PLANS[v - 1]
            price = seat_price(reseller, purchase)
            seats = 1 + (k * 31) % 25
            # Activation days over the month before D's: current periods end on every day
            # from D on. 30-day plans need one day less to reach D (2nd … 31st).
            spread = (k // 3) % (30 if cycle == "30_days" else 31)
            activated = month_before + timedelta(days=spread + (cycle == "30_days"))
            periods = schedule(activated, cycle, seats, price, purchase, day)
            auto_renew = k % 50 != 7
            rpid = reseller_plan_id(reseller, v)
            first_total = sum(ch.amount for ch in periods[0][2])
            at = moment(activated)
            rows["orders_order"].append(
                (sid, seats, "completed", "panel", first_total, at, at, at, cid, None, rpid)
            )
            rows["orders_subscription"].append(
                (
                    sid,
                    seats,
                    "active",
                    "t" if auto_renew else "f",
                    activated.day,
                    periods[-1][1],
                    None,
                    None,
                    at,
                    at,
                    cid,
                    sid,
                    rpid,
                )
            )
            rows["orders_subscriptionevent"].append(
                (sid, "pending_payment", "active", activated, "paid", "{}", at, sid)
            )
            rows["notifications_notification"].append(
                _notification(
                    kind="activation_data",
                    key=f"activation_data:sub:{sid}",
                    subject=f"Подписка ESET активирована: {vname}",
                    payload={"subscription_id": sid, "product": vname, "seats": seats},
                    at=at,
                    client=cid,
                    reseller=reseller,
                    subscription=sid,
                    recipient=cid,
                    email=email,
                )
            )
            if k % 20 == 5 and seats < 100:
                rows["orders_seatchange"].append(
                    (
                        sid,
                        seats + 1,
                        seats,
                        day + timedelta(days=1),
                        "pending",
                        moment(day),
                        "",
                        "{}",
                        sid,
                    )
                )
            for starts, expires, charges in periods:
                ids["period"] += 1
                pid = ids["period"]
                rows["billing_serviceperiod"].append(
                    (pid, starts, expires, price, purchase, moment(starts, 0), sid)
                )
                for ch in charges:
                    ids["charge"] += 1
                    is_closed = ch.closes_on < day
                    rows["billing_charge"].append(
                        (
                            ids["charge"],
                            ch.date_from,
                            ch.date_to,
                            ch.closes_on,
                            ch.seat_days,
                            ch.amount,
                            ch.cost,
                            "closed" if is_closed else "open",
                            ch.closes_on if is_closed else None,
                            moment(starts, 0),
                            cid,
                            sid,
                            pid,
                        )
                    )
                    charges_total += ch.amount
                    if is_closed:
                        closed.append((ch.closes_on, ch.date_from, ids["charge"], ch.amount))
            reserve += sum(ch.amount for ch in periods[-1][2])
        paid = charges_total + (Decimal("0") if short else 2 * reserve + 100)
        balance = paid
        if paid > 0:
            _paid(
                rows,
                cid=cid,
                reseller=reseller,
                email=email,
                paid=paid,
                closed=closed,
                day=month_before,
                at=history_at,
                ids=ids,
            )
            balance = rows["billing_balanceentry"][-1][3]
        rows["accounts_client"].append(
            (
                cid,
                f"Клиент {cid}",
                f"50{cid:08d}",
                email,
                balance,
                history_at,
                cid,
                reseller,
                "Московская область",
                "Химки",
                f"ул. Победы, д. {cid}",
                "141400",
            )
        )
    for table, columns in TABLES:
        if table in rows:
            common.copy_rows(cur, table, columns, rows.pop(table))


def _paid(rows, *, cid, reseller, email, paid, closed, day, at, ids) -> None:
    """The client's one payment, then the ledger of its closed charges in closing order."""
    rows["billing_payment"].append((cid, paid, "bank_transfer", "", at, day, at, cid))
    ids["entry"] += 1
    rows["billing_balanceentry"].append(
        (ids["entry"], "payment", paid, paid, day, at, cid, None, cid)
    )
    balance = paid
    for closes_on, _, charge_id, amount in sorted(closed):
        balance -= amount
        ids["entry"] += 1
        rows["billing_balanceentry"].append(
            (
                ids["entry"],
                "charge",
                -amount,
                balance,
                closes_on,
                moment(closes_on, 0),
                cid,
                charge_id,
                None,
            )
        )
    rows["notifications_notification"].append(
        _notification(
            kind="payment_received",
            key=f"payment_received:payment:{cid}",
            subject=f"Платёж получен: {paid} ₽",
            payload={"client": f"Клиент {cid}", "amount": str(paid)},
            at=at,
            client=cid,
            reseller=reseller,
            subscription=None,
            recipient=cid,
            email=email,
        )
    )


def _notification(
    *, kind, key, subject, payload, at, client, reseller, subscription, recipient, email
) -> tuple:
    return (
        kind,
        subject,
        "Здравствуйте!\nУведомление сохранено в журнале уведомлений.",
        json.dumps(payload, ensure_ascii=False),
        key,
        at,
        None,
        email,
        "sent",
        1,
        "",
        at,
        client,
        recipient,
        reseller,
        subscription,
    )


# In foreign-key order.
TABLES = [
    ("auth_user", USER_COLUMNS),
    (
        "accounts_client",
        [
            "id",
            "name",
            "inn",
            "email",
            "balance",
            "created_at",
            "owner_id",
            "reseller_id",
            "address_state",
            "address_city",
            "address_street",
            "address_zip",
        ],
    ),
    ("accounts_membership", ["id", "role", "client_id", "user_id", "reseller_id"]),
    (
        "orders_order",
        [
            "id",
            "seats",
            "status",
            "source",
            "amount_due",
            "created_at",
            "confirmed_at",
            "completed_at",
            "client_id",
            "created_by_id",
            "reseller_plan_id",
        ],
    ),
    (
        "orders_subscription",
        [
            "id",
            "seats",
            "status",
            "auto_renew",
            "anchor_day",
            "expires_on",
            "suspended_on",
            "cancelled_on",
            "activated_at",
            "created_at",
            "client_id",
            "order_id",
            "reseller_plan_id",
        ],
    ),
    (
        "orders_subscriptionevent",
        [
            "id",
            "from_status",
            "to_status",
            "day",
            "reason",
            "reason_params",
            "created_at",
            "subscription_id",
        ],
    ),
    (
        "orders_seatchange",
        [
            "id",
            "seats",
            "previous_seats",
            "effective_on",
            "status",
            "requested_at",
            "reason",
            "reason_params",
            "subscription_id",
        ],
    ),
    (
        "billing_payment",
        ["id", "amount", "method", "reference", "paid_at", "day", "created_at", "client_id"],
    ),
    (
        "billing_serviceperiod",
        [
            "id",
            "starts_on",
            "expires_on",
            "seat_price",
            "purchase_price",
            "created_at",
            "subscription_id",
        ],
    ),
    (
        "billing_charge",
        [
            "id",
            "date_from",
            "date_to",
            "closes_on",
            "seat_days",
            "amount",
            "cost",
            "status",
            "closed_on",
            "created_at",
            "client_id",
            "subscription_id",
            "period_id",
        ],
    ),
    (
        "billing_balanceentry",
        [
            "id",
            "kind",
            "amount",
            "balance_after",
            "day",
            "created_at",
            "client_id",
            "charge_id",
            "payment_id",
        ],
    ),
    (
        "notifications_notification",
        [
            "kind",
            "subject",
            "body",
            "payload",
            "key",
            "created_at",
            "read_at",
            "email_to",
            "email_status",
            "email_attempts",
            "email_error",
            "emailed_at",
            "client_id",
            "recipient_id",
            "reseller_id",
            "subscription_id",
        ],
    ),
]


def _sequences(cur) -> None:
    """Identity sequences continue after the ids written explicitly."""
    for table, _ in [*TABLES, ("accounts_reseller", []), ("plans_resellerplan", [])]:
        cur.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )
    cur.execute(
        "SELECT setval(pg_get_serial_sequence('plans_vendorplan', 'id'), "
        "(SELECT MAX(id) FROM plans_vendorplan) + 1, false)"
    )
