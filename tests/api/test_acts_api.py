"""Acts and reconciliation statements in the API (issue 12 items 3-4): both scopes, the
tenant's own only, the client's documents for its owner, admin and accountant."""

from __future__ import annotations

from datetime import date

import pytest

from accounts.models import Membership
from accounts.services import requisites_save
from documents.models import Act
from documents.services import acts_issue
from tests.accounts.test_requisites import BUYER, SELLER
from tests.api.conftest import api_for, reseller_member
from tests.documents.test_acts import DEC, run_through, seed_example
from tests.factories import ClientFactory, ResellerFactory, UserFactory, msk

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller():
    reseller = ResellerFactory()
    requisites_save(owner=reseller, data=dict(SELLER), at=msk(2026, 12, 1, 9))
    return reseller


@pytest.fixture
def buyer(seller):
    client = ClientFactory(reseller=seller)
    requisites_save(owner=client, data=dict(BUYER), at=msk(2026, 12, 1, 9))
    return client


@pytest.fixture
def act(seller, buyer):
    seed_example(seller, buyer)
    run_through(date(2026, 12, 31))
    acts_issue(month=DEC)
    return Act.objects.get()


def test_reseller_lists_reads_and_downloads_its_acts(act, seller, buyer):
    api = api_for(reseller_member(seller, "acts-admin"))
    listing = api.get("/api/v1/reseller/acts/", {"month": "2026-12", "client": buyer.pk})
    assert listing.status_code == 200
    [row] = listing.json()["results"]
    assert (row["id"], row["number"], row["date"], row["total"], row["vat_amount"]) == (
        act.pk,
        1,
        "2026-12-31",
        "290.32",
        "52.35",
    )
    assert [(line["days"], line["seats"], line["amount"]) for line in row["lines"]] == [
        (18, 5, "290.32")
    ]
    assert api.get("/api/v1/reseller/acts/", {"month": "2027-01"}).json()["results"] == []
    detail = api.get(f"/api/v1/reseller/acts/{act.pk}/")
    assert detail.json()["vat_rate"] == "22.00"
    pdf = api.get(f"/api/v1/reseller/acts/{act.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")


def test_another_tenants_act_and_client_are_404(act, buyer):
    api = api_for(reseller_member(ResellerFactory(), "stranger"))
    assert api.get(f"/api/v1/reseller/acts/{act.pk}/").status_code == 404
    assert api.get(f"/api/v1/reseller/acts/{act.pk}/pdf/").status_code == 404
    assert api.get("/api/v1/reseller/acts/").json()["results"] == []
    response = api.get(
        f"/api/v1/reseller/clients/{buyer.pk}/statement/",
        {"date_from": "2026-12-01", "date_to": "2026-12-31"},
    )
    assert response.status_code == 404


def test_reseller_statement_json_and_pdf(act, seller, buyer):
    api = api_for(reseller_member(seller, "acts-admin"))
    url = f"/api/v1/reseller/clients/{buyer.pk}/statement/"
    body = api.get(url, {"date_from": "2026-12-01", "date_to": "2026-12-31"}).json()
    assert (body["opening_balance"], body["debit_total"], body["credit_total"]) == (
        "0.00",
        "290.32",
        "1000.00",
    )
    assert body["closing_balance"] == "709.68"
    assert [(e["kind"], e["debit"], e["credit"]) for e in body["entries"]] == [
        ("payment", "0.00", "1000.00"),
        ("charge", "290.32", "0.00"),
    ]
    pdf = api.get(url, {"date_from": "2026-12-01", "date_to": "2026-12-31", "output": "pdf"})
    assert pdf.content.startswith(b"%PDF-")
    bad = api.get(url, {"date_from": "2026-12-31", "date_to": "2026-12-01"})
    assert bad.status_code == 409
    assert "date_to" in str(bad.json())
    missing = api.get(url, {"date_from": "2026-12-01"})
    assert missing.status_code == 400 and "date_to" in str(missing.json())


@pytest.mark.parametrize(
    ("role", "allowed"), [("admin", True), ("accountant", True), ("viewer", False)]
)
def test_client_scope_by_role(act, buyer, seller, role, allowed):
    user = UserFactory()
    Membership.objects.create(user=user, client=buyer, role=role)
    api = api_for(user)
    listing = api.get("/api/v1/client/acts/")
    statement = api.get(
        "/api/v1/client/statement/", {"date_from": "2026-12-01", "date_to": "2026-12-31"}
    )
    if not allowed:
        assert (listing.status_code, statement.status_code) == (403, 403)
        return
    assert [row["id"] for row in listing.json()["results"]] == [act.pk]
    assert api.get(f"/api/v1/client/acts/{act.pk}/pdf/").content.startswith(b"%PDF-")
    assert statement.json()["closing_balance"] == "709.68"
    other = ClientFactory(reseller=seller)
    stranger = api_for(other.owner)
    assert stranger.get(f"/api/v1/client/acts/{act.pk}/").status_code == 404
