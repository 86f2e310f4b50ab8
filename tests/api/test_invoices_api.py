"""Invoices in the API (DESIGN.md §13): both scopes list, read, issue (Idempotency-Key)
and download the PDF; the reseller cancels and registers payments that name an invoice;
another tenant's invoice is a 404; refusals write nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import Membership, Requisites
from documents.models import Invoice, InvoiceStatus
from documents.services import invoice_issue
from tests.api.conftest import NOW, api_for, error_of, ids, snapshot
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

R = "/api/v1/reseller/invoices/"
C = "/api/v1/client/invoices/"


@pytest.fixture
def world(mine):
    """The API's tenant: its requisites are filled in (tests.api.conftest)."""
    return mine


def test_reseller_issues_reads_and_downloads(world):
    api = world.reseller_api
    response = api.post(
        R,
        {"client": world.client.pk, "amount": "12768.39"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["number"], body["year"], body["date"]) == (1, 2026, "2026-12-20")
    assert (body["total"], body["vat_rate"], body["vat_amount"]) == ("12768.39", "22.00", "2302.50")
    assert body["status"] == "issued" and body["purpose"] == "any"
    assert body["seller"]["bik"] == "044525225" and body["buyer"]["inn"] == "7736207543"
    assert body["total_in_words"] == "Двенадцать тысяч семьсот шестьдесят восемь рублей 39 копеек"
    assert body["lines"][0]["amount"] == "12768.39"
    # The same key replays, nothing twice.
    again = api.post(
        R,
        {"client": world.client.pk, "amount": "12768.39"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Invoice.objects.count() == 1
    assert ids(api.get(R)) == [body["id"]]
    assert ids(api.get(R + "?status=paid")) == []
    assert api.get(f"{R}{body['id']}/").json()["number"] == 1
    pdf = api.get(f"{R}{body['id']}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


def test_pdf_with_accept_pdf_and_its_404_in_the_error_shape(world, theirs):
    invoice = invoice_issue(client=world.client, amount=Decimal("5.00"), at=NOW)
    pdf = world.reseller_api.get(f"{R}{invoice.pk}/pdf/", HTTP_ACCEPT="application/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    error_of(theirs.reseller_api.get(f"{R}{invoice.pk}/pdf/"), 404)
    error_of(theirs.client_api.get(f"{C}{invoice.pk}/pdf/"), 404)
    error_of(theirs.reseller_api.get(f"{R}{invoice.pk}/"), 404)


def test_order_invoice_paid_through_the_api(world):
    api = world.reseller_api
    draft = world.draft
    confirm = api.post(f"/api/v1/reseller/orders/{draft.pk}/confirm/", format="json")
    assert confirm.status_code == 200, confirm.content
    response = api.post(R, {"client": world.client.pk, "order": draft.pk}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["purpose"] == "order" and body["order"] == draft.pk
    total = body["total"]
    paid = api.post(
        f"{R}{body['id']}/payments/",
        {"amount": total, "reference": "п/п № 3"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="pay-1",
    )
    assert paid.status_code == 201, paid.content
    assert paid.json()["order"] == draft.pk
    detail = api.get(f"{R}{body['id']}/").json()
    assert detail["status"] == "paid" and detail["payments"] == [paid.json()["id"]]


def test_cancel_and_its_conflicts(world):
    invoice = invoice_issue(client=world.client, amount=Decimal("5.00"), at=NOW)
    response = world.reseller_api.post(f"{R}{invoice.pk}/cancel/", format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    before = snapshot()
    error_of(world.reseller_api.post(f"{R}{invoice.pk}/cancel/", format="json"), 409)
    err = error_of(
        world.reseller_api.post(f"{R}{invoice.pk}/payments/", {"amount": "5.00"}, format="json"),
        409,
    )
    assert err["fields"] == {"invoice": [err["message"]]}
    assert snapshot() == before


def test_bad_input_names_the_field_and_writes_nothing(world):
    api = world.reseller_api
    before = snapshot()
    err = error_of(api.post(R, {"client": world.client.pk, "amount": "0"}, format="json"), 400)
    assert "amount" in err["fields"]
    err = error_of(api.post(R, {"client": world.client.pk}, format="json"), 400)
    assert "amount" in err["fields"]
    err = error_of(
        api.post(R, {"client": world.client.pk, "order": 1, "amount": "5"}, format="json"), 400
    )
    assert list(err["fields"]) == ["amount"]
    err = error_of(
        api.post(R, {"client": world.client.pk, "amount": "5", "extra": 1}, format="json"), 400
    )
    assert list(err["fields"]) == ["extra"]
    error_of(api.post(R, {"client": world.client.pk, "order": 999999}, format="json"), 404)
    assert snapshot() == before


def test_requisites_missing_is_a_409_naming_them(mine):
    Requisites.objects.filter(reseller=mine.reseller).delete()
    err = error_of(
        mine.reseller_api.post(R, {"client": mine.client.pk, "amount": "10.00"}, format="json"), 409
    )
    assert list(err["fields"]) == ["requisites"]
    assert not Invoice.objects.exists()


def test_client_issues_for_a_renewal_and_reads_its_own(world, theirs):
    api = world.client_api
    # The 1000.00 paid covers the next period: no shortfall, nothing to invoice.
    before = snapshot()
    err = error_of(api.post(C, {"subscription": world.subscription.pk}, format="json"), 409)
    assert list(err["fields"]) == ["subscription"]
    assert snapshot() == before
    # A reminder's link names an amount: that amount is invoiced.
    response = api.post(
        C, {"subscription": world.subscription.pk, "amount": "250.00"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["purpose"] == "renewal_shortfall"
    assert body["subscription"] == world.subscription.pk
    assert body["total"] == "250.00"
    assert ids(api.get(C)) == [body["id"]]
    assert api.get(f"{C}{body['id']}/pdf/").content.startswith(b"%PDF-")
    error_of(theirs.client_api.get(f"{C}{body['id']}/"), 404)
    assert ids(theirs.client_api.get(C)) == []


def test_client_cannot_cancel_or_register_payments(world):
    invoice = invoice_issue(client=world.client, amount=Decimal("5.00"), at=NOW)
    assert world.client_api.post(f"{C}{invoice.pk}/cancel/", format="json").status_code in (
        404,
        405,
    )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED


def test_a_client_viewer_may_not_issue(world):
    viewer = UserFactory()
    Membership.objects.create(user=viewer, client=world.client, role=Membership.Role.VIEWER)
    before = snapshot()
    err = error_of(api_for(viewer).post(C, {"amount": "10.00"}, format="json"), 403)
    assert err["code"] == "permission_denied"
    assert snapshot() == before
