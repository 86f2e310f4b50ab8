"""Document numbers (DESIGN.md §13): per reseller, kind and year, consecutive, without
gaps or repeats, also when invoices are issued concurrently (PostgreSQL row locks)."""

from __future__ import annotations

import contextlib
import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction

from config.errors import ValidationError
from documents.models import DocumentCounter, DocumentKind, Invoice, VatRate
from documents.numbering import number_take
from documents.services import invoice_issue
from tests.conftest import requires_postgres
from tests.factories import ClientFactory, ResellerFactory, msk


@pytest.mark.django_db
def test_series_per_reseller_kind_and_year():
    a, b = ResellerFactory(), ResellerFactory()
    with transaction.atomic():
        assert number_take(reseller=a, kind=DocumentKind.INVOICE, year=2026) == 1
        assert number_take(reseller=a, kind=DocumentKind.INVOICE, year=2026) == 2
        assert number_take(reseller=a, kind=DocumentKind.ACT, year=2026) == 1
        assert number_take(reseller=a, kind=DocumentKind.INVOICE, year=2027) == 1
        assert number_take(reseller=b, kind=DocumentKind.INVOICE, year=2026) == 1
        # A block of numbers for a batch (the monthly acts): the first is returned.
        assert number_take(reseller=a, kind=DocumentKind.ACT, year=2026, count=50) == 2
        assert number_take(reseller=a, kind=DocumentKind.ACT, year=2026) == 52
    assert DocumentCounter.objects.get(reseller=a, kind="act", year=2026).last_number == 52


@pytest.mark.django_db
def test_a_rolled_back_transaction_returns_its_numbers():
    a = ResellerFactory()
    with transaction.atomic():
        number_take(reseller=a, kind="invoice", year=2026)
    try:
        with transaction.atomic():
            assert number_take(reseller=a, kind="invoice", year=2026) == 2
            raise RuntimeError("the issue fails after taking its number")
    except RuntimeError:
        pass
    with transaction.atomic():
        assert number_take(reseller=a, kind="invoice", year=2026) == 2


@pytest.mark.django_db
def test_count_must_be_positive_and_inside_a_transaction():
    a = ResellerFactory()
    with pytest.raises(ValidationError), transaction.atomic():
        number_take(reseller=a, kind="invoice", year=2026, count=0)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        number_take(reseller=ResellerFactory(), kind="invoice", year=2026)


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_number_1_to_n_without_gaps():
    from accounts.services import requisites_save
    from tests.accounts.test_requisites import SELLER

    # A transactional test before this one flushed the tables, the migration's VAT rates
    # with them.
    VatRate.objects.get_or_create(valid_from=date(2026, 1, 1), defaults={"rate": Decimal("22")})
    reseller = ResellerFactory()
    requisites_save(owner=reseller, data=dict(SELLER), at=msk(2026, 12, 1))
    clients = [ClientFactory(reseller=reseller) for _ in range(4)]
    per_thread = 5
    barrier = threading.Barrier(len(clients) * 2)
    errors: list[BaseException] = []

    def issue(client, fail_every: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                # Every other thread also makes refused attempts between its issues:
                # they must neither take a number nor disturb the others' series.
                amount = Decimal("0") if fail_every and i % fail_every == 0 else Decimal("10.00")
                with contextlib.suppress(ValidationError):
                    invoice_issue(client=client, amount=amount, at=msk(2026, 12, 14, 10))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=issue, args=(client, fail)) for client in clients for fail in (0, 2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    numbers = sorted(Invoice.objects.filter(reseller=reseller).values_list("number", flat=True))
    # 8 threads × 5 attempts; the 4 failing threads lose 3 of 5 (i = 0, 2, 4).
    expected = len(clients) * per_thread + len(clients) * (per_thread - 3)
    assert numbers == list(range(1, expected + 1))
    assert DocumentCounter.objects.get(reseller=reseller, kind="invoice").last_number == expected
