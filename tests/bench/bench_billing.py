"""Benchmark: the month-end billing run (issue 5, DESIGN.md §10).

1. Builds the data set of `dataset.py` in the bench database with COPY (not timed) and
   copies it to a second database (`<bench>_floor`, CREATE DATABASE … TEMPLATE).
2. Times `manage.py billing_run --date <last day of the month>` as a whole process, with its
   peak RSS.
3. On the copy, times the same writes done as plain set-based SQL: every due charge closed
   with its ledger entry (running balances by window function), the balances, the renewed
   periods and their charges, the subscriptions moved, and the renewal's own charges that
   close the same day. That is the floor: what PostgreSQL needs for the writes themselves.
4. Checks that both databases end with the same charges closed, the same debits and the
   same renewals, and (BENCH_CHECK, on by default up to 25,000 subscriptions) the §4.7
   invariants over the result.

Prints `billing_run: N subs, T s, peak M MB, floor F s, ratio R` and its BENCH_RESULT lines.
Environment: BENCH_SUBSCRIPTIONS (100000), BENCH_CLIENTS (N/2), BENCH_RESELLERS (N/100),
BENCH_MONTH (2027-01: the run is for its last day), BENCH_DATABASE (eset_bench),
BENCH_CHECK (1 up to 25,000 subscriptions, else 0), BENCH_KEEP_FLOOR (0: drop the copy).
"""

from __future__ import annotations

import os
import time
from datetime import date

from . import common, dataset

TARGET_SECONDS = 30.0
TARGET_RATIO = 3.0
TARGET_MB = 256.0


def run_day() -> date:
    raw = os.environ.get("BENCH_MONTH", "2027-01").strip()
    try:
        year, month = (int(x) for x in raw.split("-"))
        return dataset.month_end_of(year, month)
    except ValueError:
        raise SystemExit(f"bench: BENCH_MONTH must be YYYY-MM, got {raw!r}") from None


def parameters() -> tuple[int, int, int]:
    n = common.env_int("BENCH_SUBSCRIPTIONS", 100_000)
    clients = common.env_int("BENCH_CLIENTS", max(1, n // 2))
    resellers = common.env_int("BENCH_RESELLERS", max(1, min(clients, n // 100)))
    return n, clients, resellers


def floor(name: str, *, day: date) -> float:
    """The run's writes as plain set-based SQL on `name`; returns the seconds they took."""
    conn = common.connect(name)
    try:
        started = time.perf_counter()
        with conn, conn.cursor() as cur:
            _floor_close(cur, day)
            _floor_renew(cur, day)
            _floor_close(cur, day)  # a renewal's first charge may close the same day
        return time.perf_counter() - started
    finally:
        conn.close()


def _floor_close(cur, day: date) -> None:
    cur.execute(
        """
        CREATE TEMP TABLE due ON COMMIT DROP AS
        SELECT c.id, c.client_id, c.amount, c.closes_on,
               cl.balance - SUM(c.amount) OVER (
                   PARTITION BY c.client_id ORDER BY c.closes_on, c.date_from, c.id
               ) AS balance_after
        FROM billing_charge c JOIN accounts_client cl ON cl.id = c.client_id
        WHERE c.status = 'open' AND c.closes_on <= %(day)s;

        INSERT INTO billing_balanceentry
            (kind, amount, balance_after, day, created_at, client_id, charge_id)
        SELECT 'charge', -amount, balance_after, closes_on, now(), client_id, id FROM due;

        UPDATE accounts_client cl SET balance = cl.balance - t.total
        FROM (SELECT client_id, SUM(amount) AS total FROM due GROUP BY client_id) t
        WHERE cl.id = t.client_id;

        UPDATE billing_charge c SET status = 'closed', closed_on = c.closes_on
        FROM due WHERE c.id = due.id;

        DROP TABLE due;
        """,
        {"day": day},
    )


def _floor_renew(cur, day: date) -> None:
    from billing.calendar import days_in_month, period_charges, period_expires_on

    # The calendar cut of each kind of period starting on the run's days (a handful of
    # rows: one per cycle, anchor day and start); amounts are computed in SQL from them.
    cur.execute(
        """
        SELECT DISTINCT v.billing_cycle, s.anchor_day, s.expires_on
        FROM orders_subscription s
        JOIN plans_resellerplan rp ON rp.id = s.reseller_plan_id
        JOIN plans_vendorplan v ON v.id = rp.vendor_plan_id
        WHERE s.status = 'active' AND s.expires_on <= %(day)s
        """,
        {"day": day},
    )
    slices = []
    for cycle, anchor, starts in cur.fetchall():
        expires = period_expires_on(starts_on=starts, cycle=cycle, anchor_day=anchor)
        for ch in period_charges(
            starts_on=starts, expires_on=expires, seats=1, seat_price=0, purchase_price=0
        ):
            month_days = days_in_month(ch.date_from)
            slices.append(
                (
                    cycle,
                    anchor,
                    starts,
                    expires,
                    ch.date_from,
                    ch.date_to,
                    ch.closes_on,
                    ch.days,
                    month_days,
                )
            )
    if not slices:
        return
    cur.execute(
        "CREATE TEMP TABLE cut (cycle text, anchor int, starts date, expires date, "
        "date_from date, date_to date, closes_on date, days int, month_days int) "
        "ON COMMIT DROP"
    )
    cur.execute(
        "INSERT INTO cut VALUES "
        + ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(slices)),
        [v for row in slices for v in row],
    )
    cur.execute(
        """
        CREATE TEMP TABLE quote ON COMMIT DROP AS
        SELECT s.id AS sub_id, s.client_id, s.seats, cut.starts, cut.expires,
               cut.date_from, cut.date_to, cut.closes_on,
               s.seats * cut.days AS seat_days,
               COALESCE(rp.seat_price, v.purchase_price) AS price, v.purchase_price,
               ROUND(s.seats * cut.days * COALESCE(rp.seat_price, v.purchase_price)
                     / cut.month_days, 2) AS amount,
               ROUND(s.seats * cut.days * v.purchase_price / cut.month_days, 2) AS cost,
               s.auto_renew, s.expires_on
        FROM orders_subscription s
        JOIN plans_resellerplan rp ON rp.id = s.reseller_plan_id
        JOIN plans_vendorplan v ON v.id = rp.vendor_plan_id
        JOIN cut ON cut.cycle = v.billing_cycle AND cut.anchor IS NOT DISTINCT FROM s.anchor_day
                AND cut.starts = s.expires_on
        WHERE s.status = 'active' AND s.expires_on <= %(day)s;

        -- A client's renewals are served in (expires_on, id) order while its available
        -- balance (balance − open charges) covers the running total.
        CREATE TEMP TABLE verdict ON COMMIT DROP AS
        SELECT t.sub_id, t.auto_renew AND t.running <= COALESCE(a.available, 0) AS renew
        FROM (
            SELECT sub_id, client_id, auto_renew, expires_on,
                   SUM(CASE WHEN auto_renew THEN total ELSE 0 END) OVER (
                       PARTITION BY client_id ORDER BY expires_on, sub_id
                   ) AS running
            FROM (SELECT sub_id, client_id, auto_renew, expires_on, SUM(amount) AS total
                  FROM quote GROUP BY sub_id, client_id, auto_renew, expires_on) q
        ) t
        LEFT JOIN (
            SELECT cl.id AS client_id, cl.balance - COALESCE(SUM(c.amount), 0) AS available
            FROM accounts_client cl
            LEFT JOIN billing_charge c ON c.client_id = cl.id AND c.status = 'open'
            WHERE cl.id IN (SELECT client_id FROM quote)
            GROUP BY cl.id, cl.balance
        ) a ON a.client_id = t.client_id;

        INSERT INTO billing_serviceperiod
            (starts_on, expires_on, seat_price, purchase_price, created_at, subscription_id)
        SELECT DISTINCT q.starts, q.expires, q.price, q.purchase_price, now(), q.sub_id
        FROM quote q JOIN verdict v ON v.sub_id = q.sub_id AND v.renew;

        INSERT INTO billing_charge
            (date_from, date_to, closes_on, seat_days, amount, cost, status, created_at,
             client_id, subscription_id, period_id)
        SELECT q.date_from, q.date_to, q.closes_on, q.seat_days, q.amount, q.cost, 'open',
               now(), q.client_id, q.sub_id, p.id
        FROM quote q JOIN verdict v ON v.sub_id = q.sub_id AND v.renew
        JOIN billing_serviceperiod p ON p.subscription_id = q.sub_id AND p.starts_on = q.starts;

        UPDATE orders_subscription s
        SET expires_on = CASE WHEN v.renew THEN n.expires ELSE s.expires_on END,
            status = CASE WHEN v.renew THEN 'active'
                          WHEN s.auto_renew THEN 'suspended' ELSE 'cancelled' END,
            suspended_on = CASE WHEN NOT v.renew AND s.auto_renew THEN s.expires_on END,
            cancelled_on = CASE WHEN NOT s.auto_renew THEN s.expires_on END
        FROM verdict v, (SELECT DISTINCT sub_id, expires FROM quote) n
        WHERE s.id = v.sub_id AND n.sub_id = v.sub_id;
        """,
        {"day": day},
    )


def outcome(name: str, *, day: date) -> tuple:
    """What both the run and the floor must have written: closed charges and their debits,
    the sum of balances, periods, open charges, subscriptions by status."""
    conn = common.connect(name)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                """
                SELECT
                  (SELECT COUNT(*) FROM billing_charge WHERE status = 'closed'),
                  (SELECT COUNT(*) FROM billing_balanceentry WHERE kind = 'charge'),
                  (SELECT SUM(balance) FROM accounts_client),
                  (SELECT COUNT(*) FROM billing_serviceperiod),
                  (SELECT COUNT(*) FROM billing_charge WHERE status = 'open'),
                  (SELECT COUNT(*) FROM billing_charge WHERE status = 'open'
                     AND closes_on <= %(day)s),
                  (SELECT string_agg(status || '=' || n, ',' ORDER BY status) FROM
                     (SELECT status, COUNT(*) AS n FROM orders_subscription GROUP BY status) t)
                """,
                {"day": day},
            )
            return cur.fetchone()
    finally:
        conn.close()


def main() -> None:
    n, clients, resellers = parameters()
    day = run_day()
    name = common.bench_db_name()
    floor_name = f"{name}_floor"
    common.say(
        f"billing_run: generating {n} subscriptions, {clients} clients, {resellers} "
        f"resellers in {name} (run day {day})"
    )
    started = time.perf_counter()
    dataset.build(name, n=n, clients=clients, resellers=resellers, day=day)
    common.recreate_db(floor_name, template=name)
    common.say(f"billing_run: data written in {time.perf_counter() - started:.1f} s")

    timed = common.run_timed(
        # On that day's clock (tests/at.py): billing_run refuses a day after today.
        [
            *(common.PYTHON, "-m", "tests.at", day.isoformat()),
            *("manage.py", "billing_run", "--date", day.isoformat()),
        ],
        env=common.child_env(name),
    )
    common.say("billing_run: " + timed.stdout.strip())
    floor_seconds = floor(floor_name, day=day)
    ran, floored = outcome(name, day=day), outcome(floor_name, day=day)
    if os.environ.get("BENCH_KEEP_FLOOR", "0") != "1":
        common.drop_db(floor_name)
    same = ran == floored
    if not same:
        common.say(f"billing_run: MISMATCH run {ran} != floor {floored}")
    if ran[5]:
        common.say(f"billing_run: {ran[5]} charges due by {day} left open")
    check = os.environ.get("BENCH_CHECK", "1" if n <= 25_000 else "0") == "1"
    if check:
        common.manage(name, "check_ledger")

    ratio = timed.seconds / floor_seconds
    common.say(
        f"billing_run: {n} subs, {timed.seconds:.1f} s, peak {timed.peak_mb:.0f} MB, "
        f"floor {floor_seconds:.1f} s, ratio {ratio:.1f}"
    )
    ok_writes = same and not ran[5]
    common.result(
        figure="billing_run time",
        value=round(timed.seconds, 2),
        unit="s",
        target=f"<= {TARGET_SECONDS:g}",
        ok=timed.seconds <= TARGET_SECONDS and ok_writes,
        n=n,
    )
    common.result(
        figure="billing_run ratio to floor",
        value=round(ratio, 2),
        unit="x",
        target=f"<= {TARGET_RATIO:g}",
        ok=ratio <= TARGET_RATIO and ok_writes,
        n=n,
        floor_s=round(floor_seconds, 2),
    )
    common.result(
        figure="billing_run peak RSS",
        value=round(timed.peak_mb, 1),
        unit="MB",
        target=f"<= {TARGET_MB:g}",
        ok=timed.peak_mb <= TARGET_MB,
        n=n,
    )
    if not ok_writes:
        raise SystemExit(1)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    main()
