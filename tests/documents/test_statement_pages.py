"""The panel's bank statement pages (DESIGN.md §13): upload (accountant, admin) with a
one-time form token, the statement's lines and their outcome, the queue of unmatched lines
with assign and ignore after a confirmation; a refused file is shown with its line number
and writes nothing; another reseller's statement or line is a 404."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import translation

from accounts.models import Membership
from billing.models import Payment
from billing.submissions import token_issue
from documents.models import BankStatement, StatementLine, StatementLineStatus
from documents.services import invoice_issue
from documents.statements import statement_import
from tests.factories import ResellerFactory, UserFactory, msk

from .statement_files import data

pytestmark = pytest.mark.django_db


def _staff(reseller, role: str):
    user = UserFactory(username=f"{role}-{reseller.pk}@seller.example")
    Membership.objects.create(user=user, reseller=reseller, role=role)
    http = HttpClient()
    http.force_login(user)
    return user, http


def _upload(http, name: str, token: str | None = None):
    return http.post(
        reverse("statements:upload"),
        {
            "file": SimpleUploadedFile(name, data(name), content_type="text/plain"),
            "form_token": token or token_issue(),
        },
    )


def test_the_accountant_uploads_a_statement_and_sees_its_lines(seller, buyer):
    invoice_issue(client=buyer, amount=Decimal("1500.00"), at=msk(2026, 12, 14, 10))
    _, http = _staff(seller, Membership.Role.ACCOUNTANT)
    assert http.get(reverse("statements:upload")).status_code == 200
    token = token_issue()
    response = _upload(http, "well_formed_cp1251.txt", token)
    statement = BankStatement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("statements:detail", args=[statement.pk])
    page = http.get(response["Location"]).content.decode()
    assert "well_formed_cp1251.txt" in page
    assert "№ 101 от 15.12.2026" in page and "1 500,00 ₽" in page
    assert "по номеру счёта" in page and "по ИНН плательщика" in page
    assert reverse("statements:assign", args=[StatementLine.objects.get(number="77").pk]) in page
    # The same form sent again (a double click): replayed, nothing written a second time.
    again = _upload(http, "well_formed_cp1251.txt", token)
    assert again["Location"] == response["Location"]
    assert (BankStatement.objects.count(), Payment.objects.count()) == (1, 2)
    listing = http.get(reverse("statements:list")).content.decode()
    assert "Неразобранных поступлений: 1" in listing


def test_a_malformed_file_is_shown_with_its_line_and_writes_nothing(seller):
    _, http = _staff(seller, Membership.Role.ADMIN)
    response = _upload(http, "truncated.txt")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Строка 123: документ, начатый в строке 99, не закончен" in page
    assert BankStatement.objects.count() == 0


def test_a_manager_may_read_but_not_upload(seller):
    _, http = _staff(seller, Membership.Role.MANAGER)
    listing = http.get(reverse("statements:list"))
    assert listing.status_code == 200
    assert reverse("statements:upload") not in listing.content.decode()
    assert http.get(reverse("statements:upload")).status_code == 403
    assert _upload(http, "unknown_inn.txt").status_code == 403
    assert BankStatement.objects.count() == 0


def test_the_queue_assigns_after_confirmation(seller, buyer):
    user, http = _staff(seller, Membership.Role.ACCOUNTANT)
    statement_import(
        reseller=seller, data=data("unknown_inn.txt"), at=msk(2026, 12, 16, 9), by=user
    )
    line = StatementLine.objects.get()
    queue = http.get(reverse("statements:queue")).content.decode()
    assert "№ 300 от 16.12.2026" in queue and "10 000,00 ₽" in queue
    url = reverse("statements:assign", args=[line.pk])
    confirm = http.get(url).content.decode()
    assert "Зачислить 10 000,00 ₽ на баланс выбранного клиента?" in confirm
    missing = http.post(url, {"client": "", "form_token": token_issue()})
    assert "Выберите клиента, чей это платёж." in missing.content.decode()
    assert Payment.objects.count() == 0
    done = http.post(url, {"client": buyer.pk, "invoice": "", "form_token": token_issue()})
    assert done.status_code == 302 and done["Location"] == reverse("statements:queue")
    line.refresh_from_db()
    assert (line.status, line.client, line.payment.amount) == (
        StatementLineStatus.ASSIGNED,
        buyer,
        Decimal("10000.00"),
    )
    # Sent again with a new token: the line is taken, the refusal is shown, nothing written.
    twice = http.post(url, {"client": buyer.pk, "form_token": token_issue()})
    assert "Строка уже разобрана" in twice.content.decode()
    assert Payment.objects.count() == 1


def test_the_queue_ignores_after_confirmation(seller):
    user, http = _staff(seller, Membership.Role.ADMIN)
    statement_import(
        reseller=seller, data=data("unknown_inn.txt"), at=msk(2026, 12, 16, 9), by=user
    )
    line = StatementLine.objects.get()
    url = reverse("statements:ignore", args=[line.pk])
    assert "Пропустить этот платёж?" in http.get(url).content.decode()
    assert http.post(url, {"form_token": token_issue()}).status_code == 302
    line.refresh_from_db()
    assert line.status == StatementLineStatus.IGNORED
    assert http.get(reverse("statements:queue")).content.decode().count("statements/lines/") == 0


def test_another_resellers_statement_and_line_are_not_found(seller):
    user, _ = _staff(seller, Membership.Role.ADMIN)
    statement_import(
        reseller=seller, data=data("unknown_inn.txt"), at=msk(2026, 12, 16, 9), by=user
    )
    statement, line = BankStatement.objects.get(), StatementLine.objects.get()
    other = ResellerFactory()
    _, http = _staff(other, Membership.Role.ADMIN)
    assert http.get(reverse("statements:detail", args=[statement.pk])).status_code == 404
    assert http.get(reverse("statements:assign", args=[line.pk])).status_code == 404
    assert (
        http.post(
            reverse("statements:ignore", args=[line.pk]), {"form_token": token_issue()}
        ).status_code
        == 404
    )
    line.refresh_from_db()
    assert line.status == StatementLineStatus.UNMATCHED


@pytest.fixture
def russian_after():
    """A request in English leaves English active in the thread; the next tests read
    Russian messages."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_the_statement_pages_speak_english_on_request(seller, russian_after):
    user, http = _staff(seller, Membership.Role.ACCOUNTANT)
    statement_import(
        reseller=seller, data=data("unknown_inn.txt"), at=msk(2026, 12, 16, 9), by=user
    )
    http.post("/i18n/setlang/", {"language": "en", "next": "/panel/"})
    listing = http.get(reverse("statements:list")).content.decode()
    assert "Bank statements" in listing and "Upload a statement" in listing
    assert "Payments awaiting review: 1" in listing
    queue = http.get(reverse("statements:queue")).content.decode()
    assert "Payments to review" in queue and "Assign" in queue
    refused = _upload(http, "truncated.txt").content.decode()
    assert "Line 123: the document that starts on line 99 is not closed" in refused
