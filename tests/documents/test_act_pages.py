"""The acts' and statements' pages (DESIGN.md §13): every staff role reads the panel's
acts, the portal's are for the owner, admin and accountant; another tenant's act is a
404; the HTML act and its PDF; the statement's period form, its page and PDF."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from documents.models import Act
from documents.services import acts_issue
from tests.documents.test_acts import DEC, run_through, seed_example
from tests.documents.test_pages import person
from tests.factories import ClientFactory, ResellerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def act(seller, buyer):
    seed_example(seller, buyer)
    run_through(date(2026, 12, 31))
    acts_issue(month=DEC)
    return Act.objects.get()


@pytest.mark.parametrize("role", ["admin", "manager", "accountant"])
def test_every_staff_role_reads_the_acts_and_their_pdf(act, seller, role):
    http = person(role=role, reseller=seller)
    listing = http.get(reverse("acts:list"))
    assert listing.status_code == 200
    assert list(listing.context["page"]) == [act]
    page = http.get(reverse("acts:detail", args=[act.pk]))
    html = page.content.decode()
    assert "Акт № 1 от 31.12.2026 за декабрь 2026" in html
    assert "ESET PROTECT Entry" in html and "290,32" in html
    assert "В т.ч. НДС 22 %" in html and "52,35" in html
    assert "Двести девяносто рублей 32 копейки" in html
    pdf = http.get(reverse("acts:pdf", args=[act.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


def test_panel_filters_by_client_and_month(act, seller):
    http = person(role="admin", reseller=seller)
    other = ClientFactory(reseller=seller)
    url = reverse("acts:list")
    assert list(http.get(url, {"client": other.pk}).context["page"]) == []
    assert list(http.get(url, {"month": "2026-12"}).context["page"]) == [act]
    assert list(http.get(url, {"month": "2027-01"}).context["page"]) == []


def test_another_resellers_act_is_a_404(act):
    stranger = person(role="admin", reseller=ResellerFactory())
    assert stranger.get(reverse("acts:detail", args=[act.pk])).status_code == 404
    assert stranger.get(reverse("acts:pdf", args=[act.pk])).status_code == 404
    assert list(stranger.get(reverse("acts:list")).context["page"]) == []


@pytest.mark.parametrize("role", ["owner", "admin", "accountant"])
def test_portal_acts_for_owner_admin_accountant(act, buyer, role):
    if role == "owner":
        http = HttpClient()
        http.force_login(buyer.owner)
    else:
        http = person(role=role, client=buyer)
    assert list(http.get(reverse("portal-acts:list")).context["page"]) == [act]
    assert (
        "Акт № 1 от 31.12.2026"
        in http.get(reverse("portal-acts:detail", args=[act.pk])).content.decode()
    )
    assert http.get(reverse("portal-acts:pdf", args=[act.pk])).content.startswith(b"%PDF-")


def test_portal_viewer_is_refused_and_another_client_gets_a_404(act, buyer, seller):
    viewer = person(role="viewer", client=buyer)
    assert viewer.get(reverse("portal-acts:list")).status_code == 403
    assert viewer.get(reverse("portal-acts:pdf", args=[act.pk])).status_code == 403
    other = ClientFactory(reseller=seller)
    http = HttpClient()
    http.force_login(other.owner)
    assert http.get(reverse("portal-acts:detail", args=[act.pk])).status_code == 404


def test_panel_statement_page_and_pdf(act, seller, buyer):
    http = person(role="manager", reseller=seller)
    url = reverse("reconciliation:client", args=[buyer.pk])
    blank = http.get(url)
    assert blank.status_code == 200 and blank.context["statement"] is None
    page = http.get(url, {"date_from": "2026-12-01", "date_to": "2026-12-31"})
    html = page.content.decode()
    assert (
        page.context["statement"].closing_balance
        == buyer.__class__.objects.get(pk=buyer.pk).balance
    )
    assert "Сальдо конечное" in html and "709,68 ₽" in html
    assert "акт № 1 от 31.12.2026" in html
    pdf = http.get(url, {"date_from": "2026-12-01", "date_to": "2026-12-31", "output": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")


def test_statement_period_backwards_is_a_field_error(act, seller, buyer):
    http = person(role="admin", reseller=seller)
    url = reverse("reconciliation:client", args=[buyer.pk])
    page = http.get(url, {"date_from": "2026-12-31", "date_to": "2026-12-01"})
    assert page.status_code == 200
    assert page.context["statement"] is None
    assert "date_to" in page.context["form"].errors
    stranger = person(role="admin", reseller=ResellerFactory())
    assert stranger.get(url).status_code == 404


def test_portal_statement(act, buyer):
    http = HttpClient()
    http.force_login(buyer.owner)
    page = http.get(
        reverse("portal-acts:statement"), {"date_from": "2026-12-01", "date_to": "2026-12-31"}
    )
    assert page.status_code == 200
    assert page.context["statement"].closing_balance == Decimal("709.68")
