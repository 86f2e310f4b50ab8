"""Benchmark: a bank statement of 10,000 lines imported and matched (DESIGN.md §10, §13:
≤ 10 s on PostgreSQL).

1. Builds its own database (BENCH_STATEMENTS_DATABASE, default eset_bench_statements, on
   DATABASE_URL's server; dropped and recreated), not timed: one reseller with complete
   requisites, BENCH_STATEMENT_CLIENTS clients (default 2,000) with INNs, an issued
   invoice for one client in four, and for one client in ten a confirmed order waiting
   for its money with an invoice for it.
2. Writes a 1CClientBankExchange file (windows-1251) of BENCH_STATEMENT_LINES documents
   (default 10,000): every waiting order's invoice paid by name, then one line in four
   naming an issued invoice («Оплата по счёту № N от …»), one in ten from an INN nobody
   has, the rest a client's INN with no invoice named.
3. Times `statement_import` (parse, match, register every matched payment, serve what
   waits, commit) and prints `statements: N lines, T s (this process's CPU C s, parse P s,
   load average L), matched M, activated A` with its BENCH_RESULT (T, wall time; C and L
   say how much of T was waiting on a shared machine); then imports the same file again
   (every line a duplicate, nothing registered) and times that too.
4. Checks the outcome against the file: lines, payments and their sum, balances = ledger,
   paid invoices, activated subscriptions.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from datetime import date
from decimal import Decimal

from . import common

TARGET_S = 10.0
DAY = date(2026, 12, 14)


class _SqlTimes:
    """Time per kind of statement (its first words), to say where the import waits."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            kind = " ".join(sql.split()[:3])[:70]
            self.seconds[kind] += time.perf_counter() - started
            self.calls[kind] += 1


def parameters() -> dict:
    return {
        "lines": common.env_int("BENCH_STATEMENT_LINES", 10_000),
        "clients": common.env_int("BENCH_STATEMENT_CLIENTS", 2_000),
        "database": os.environ.get("BENCH_STATEMENTS_DATABASE", "eset_bench_statements").strip(),
    }


def build(clients: int):
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from accounts.models import Client, Membership
    from accounts.services import requisites_save
    from documents.services import invoice_issue
    from orders.services import order_confirm, order_create
    from tests.accounts.test_requisites import SELLER
    from tests.factories import ResellerFactory, ResellerPlanFactory, VendorPlanFactory, msk

    at = msk(2026, 12, 14, 10)
    User = get_user_model()
    reseller = ResellerFactory()
    requisites_save(owner=reseller, data=dict(SELLER), at=at)
    plan = ResellerPlanFactory(
        reseller=reseller,
        vendor_plan=VendorPlanFactory(min_seats=1, max_seats=100),
        seat_price=Decimal("100.00"),
    )
    users = User.objects.bulk_create(
        [
            User(username=f"owner{i}@bench.example", email=f"owner{i}@bench.example")
            for i in range(clients)
        ]
    )
    rows = Client.objects.bulk_create(
        [
            Client(
                reseller=reseller,
                name=f"ООО «Клиент {i}»",
                email=user.email,
                owner=user,
                inn=f"77{i:08d}",
                address_state="Москва",
                address_city="Москва",
                address_street=f"ул. Тверская, д. {i + 1}",
                address_zip="125009",
            )
            for i, user in enumerate(users)
        ]
    )
    Membership.objects.bulk_create(
        [Membership(user=c.owner, client=c, role=Membership.Role.OWNER) for c in rows]
    )
    invoices: dict[int, tuple[int, Decimal]] = {}  # client index → (number, total)
    orders: dict[int, tuple[int, Decimal]] = {}
    with transaction.atomic():
        for i, client in enumerate(rows):
            if i % 10 == 0:
                order = order_create(client=client, reseller_plan=plan, seats=1 + i % 5)
                order_confirm(order=order, at=at)
                invoice = invoice_issue(client=client, order=order, at=at)
                orders[i] = (invoice.number, invoice.total)
            elif i % 4 == 1:
                invoice = invoice_issue(client=client, amount=Decimal("1000.00"), at=at)
                invoices[i] = (invoice.number, invoice.total)
    return reseller, rows, invoices, orders


def statement_file(n: int, clients: list, invoices: dict, orders: dict) -> tuple[bytes, dict]:
    from tests.documents.statement_files import Doc, statement_bytes

    docs = []
    expected = {"matched": 0, "amount": Decimal("0.00"), "by_invoice": 0}
    day = DAY.strftime("%d.%m.%Y")
    for i, (number, total) in orders.items():
        docs.append(
            Doc(
                f"o{i}",
                day,
                str(total),
                clients[i].inn,
                clients[i].name,
                f"Оплата по счёту № {number} от 14.12.2026",
            )
        )
        expected["matched"] += 1
        expected["by_invoice"] += 1
        expected["amount"] += total
    numbered = list(invoices.items())
    k = 0
    while len(docs) < n:
        k += 1
        amount = Decimal(f"{100 + k % 900}.{k % 100:02d}")
        if k % 10 == 0:
            docs.append(
                Doc(str(k), day, str(amount), f"50{k:08d}", "ИП Неизвестный", "Оплата по договору")
            )
            continue
        if k % 4 == 0 and numbered:
            i, (number, _total) = numbered[k % len(numbered)]
            purpose = f"Оплата по счёту № {number} от 14.12.2026, в т.ч. НДС 22 %"
            expected["by_invoice"] += 1
        else:
            i = k % len(clients)
            purpose = "Пополнение лицевого счёта по договору, НДС не облагается"
        docs.append(
            Doc(
                str(k), day, str(amount).replace(".", ","), clients[i].inn, clients[i].name, purpose
            )
        )
        expected["matched"] += 1
        expected["amount"] += amount
    return statement_bytes(docs), expected


def check(*, reseller, statement_id: int, expected: dict, lines: int, orders: int) -> list[str]:
    from django.db.models import Sum

    from accounts.models import Client
    from billing.models import BalanceEntry, Payment
    from documents.models import StatementLine, StatementLineStatus, StatementMatch
    from orders.models import Subscription, SubscriptionStatus

    problems = []
    got = StatementLine.objects.filter(statement_id=statement_id)
    if got.count() != lines:
        problems.append(f"{got.count()} lines, expected {lines}")
    matched = got.filter(status=StatementLineStatus.MATCHED)
    if matched.count() != expected["matched"]:
        problems.append(f"{matched.count()} matched, expected {expected['matched']}")
    if matched.filter(match=StatementMatch.INVOICE).count() != expected["by_invoice"]:
        problems.append("lines matched by invoice differ")
    paid = Payment.objects.filter(statement_line__statement_id=statement_id).aggregate(
        s=Sum("amount")
    )["s"]
    if paid != expected["amount"]:
        problems.append(f"payments sum {paid}, expected {expected['amount']}")
    ledger = BalanceEntry.objects.filter(client__reseller=reseller).aggregate(s=Sum("amount"))["s"]
    balances = Client.objects.filter(reseller=reseller).aggregate(s=Sum("balance"))["s"]
    if ledger != balances:
        problems.append(f"balances {balances} ≠ ledger {ledger}")
    active = Subscription.objects.filter(
        client__reseller=reseller, status=SubscriptionStatus.ACTIVE
    ).count()
    if active != orders:
        problems.append(f"{active} subscriptions activated, expected {orders}")
    return problems


def main() -> None:
    p = parameters()
    database = p["database"]
    if not database.replace("_", "").isalnum():
        sys.exit(f"bench: BENCH_STATEMENTS_DATABASE must be a plain identifier, got {database!r}")
    common.recreate_db(database)
    common.manage(database, "migrate", "--noinput", "-v", "0")
    os.environ.update(common.child_env(database))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from documents.bank import statement_parse
    from documents.statements import statement_import
    from tests.factories import msk

    started = time.perf_counter()
    reseller, clients, invoices, orders = build(p["clients"])
    raw, expected = statement_file(p["lines"], clients, invoices, orders)
    common.say(
        f"bench_statements: built {len(clients)} clients, {len(invoices) + len(orders)} invoices, "
        f"{len(orders)} orders waiting; file of {p['lines']} documents, {len(raw) / 1e6:.1f} MB, "
        f"in {time.perf_counter() - started:.1f} s"
    )
    # The day the invoices were issued: an order's amount due is the day's (a day later its
    # first period may cost a kopeck more by the calendar's rounding).
    at = msk(2026, 12, 14, 15)
    t0 = time.perf_counter()
    statement_parse(raw)
    parse_s = time.perf_counter() - t0
    profile = None
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    load = os.getloadavg()[0]
    sql = _SqlTimes()
    from django.db import connection

    t0, c0 = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(sql):
        result = statement_import(reseller=reseller, data=raw, at=at, by=None, filename="bench.txt")
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    if profile is not None:
        profile.disable()
        profile.dump_stats(os.environ["BENCH_PROFILE"])
    common.say(
        f"statements: {p['lines']} lines, {seconds:.2f} s (this process's CPU {cpu:.2f} s, "
        f"parse {parse_s:.2f} s, load average {load:.1f}), "
        f"matched {result.matched}, unmatched {result.unmatched}, "
        f"activated {len(result.activated)}"
    )
    common.say(f"  SQL {sum(sql.seconds.values()):.2f} s in {sum(sql.calls.values())} statements:")
    for kind, spent in sql.seconds.most_common(6):
        common.say(f"    {spent:.2f} s  {sql.calls[kind]:>5} × {kind}")
    problems = check(
        reseller=reseller,
        statement_id=result.statement.pk,
        expected=expected,
        lines=p["lines"],
        orders=len(orders),
    )
    t0 = time.perf_counter()
    again = statement_import(reseller=reseller, data=raw, at=msk(2026, 12, 14, 16), by=None)
    again_s = time.perf_counter() - t0
    common.say(
        f"statements: the same file again, {again_s:.2f} s, "
        f"{again.duplicates} duplicates, {again.new} new"
    )
    if again.new or again.matched or again.duplicates != p["lines"]:
        problems.append(f"second import registered {again.new} new lines")
    for problem in problems:
        common.say(f"  WRONG: {problem}")
    common.result(
        figure=f"statement_import, {p['lines']} lines",
        value=round(seconds, 2),
        unit="s",
        target=f"<= {TARGET_S:.0f} s",
        ok=seconds <= TARGET_S and not problems,
    )
    common.result(
        figure=f"statement_import again (all {p['lines']} duplicates)",
        value=round(again_s, 2),
        unit="s",
        target=f"<= {TARGET_S:.0f} s",
        ok=again_s <= TARGET_S and not problems,
    )
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
