"""The invoice and requisites pages of the panel and the portal (DESIGN.md §13): issuing
(an amount from the query, an order, a renewal's shortfall), the HTML invoice and its PDF,
payments that name it, cancelling; another tenant's invoice is a 404; roles refuse with
a 403 and write nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.models import Membership, Requisites
from billing.models import Payment
from billing.services import payment_register
from billing.submissions import token_issue
from documents.models import Invoice, InvoiceStatus
from documents.services import invoice_issue
from orders.services import order_confirm, order_create
from tests.accounts.test_requisites import BUYER, SELLER
from tests.factories import ClientFactory, ResellerFactory, ResellerPlanFactory, UserFactory, msk

pytestmark = pytest.mark.django_db


def person(*, role: str, reseller=None, client=None) -> HttpClient:
    user = UserFactory()
    Membership.objects.create(user=user, reseller=reseller, client=client, role=role)
    http = HttpClient()
    http.force_login(user)
    return http


@pytest.fixture
def panel(seller):
    return person(role="admin", reseller=seller)


@pytest.fixture
def portal(buyer):
    http = HttpClient()
    http.force_login(buyer.owner)
    return http


def test_panel_issue_for_an_amount_from_the_query(panel, buyer):
    url = reverse("client-invoices:new", args=[buyer.pk])
    page = panel.get(url + "?amount=1099.50")
    assert page.status_code == 200
    assert page.context["form"].initial["amount"] == "1099.50"
    response = panel.post(url, {"amount": "1 099,50", "form_token": token_issue()})
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("invoices:detail", args=[invoice.pk])
    assert invoice.total == Decimal("1099.50")
    detail = panel.get(response["Location"])
    html = detail.content.decode()
    assert "Счёт на оплату № 1 от" in html
    assert "ПАО Сбербанк" in html and "40702810938000012345" in html
    assert "В т.ч. НДС 22 %" in html and "198,27" in html
    assert "Одна тысяча девяносто девять рублей 50 копеек" in html
    pdf = panel.get(reverse("invoices:pdf", args=[invoice.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


def test_the_same_token_twice_issues_one_invoice(panel, buyer):
    url = reverse("client-invoices:new", args=[buyer.pk])
    token = token_issue()
    panel.post(url, {"amount": "10", "form_token": token})
    panel.post(url, {"amount": "10", "form_token": token})
    assert Invoice.objects.count() == 1


def test_a_refused_issue_shows_the_field_and_writes_nothing(panel, buyer):
    url = reverse("client-invoices:new", args=[buyer.pk])
    page = panel.post(url, {"amount": "0", "form_token": token_issue()})
    assert page.status_code == 200
    assert page.context["form"].errors["amount"] == ["Введите сумму от 0,01 до 9 999 999 999,99 ₽."]
    assert not Invoice.objects.exists()


def test_missing_requisites_are_reported(panel, seller, buyer):
    Requisites.objects.filter(reseller=seller).update(account="")
    page = panel.post(
        reverse("client-invoices:new", args=[buyer.pk]),
        {"amount": "5", "form_token": token_issue()},
    )
    assert "расчётный счёт" in page.content.decode()
    assert not Invoice.objects.exists()


def test_issue_for_an_order_and_pay_it(panel, buyer):
    plan = ResellerPlanFactory(reseller=buyer.reseller, seat_price=Decimal("100.00"))
    sub = order_confirm(
        order=order_create(client=buyer, reseller_plan=plan, seats=5), at=msk(2026, 12, 14)
    )
    url = reverse("client-invoices:new", args=[buyer.pk]) + f"?order={sub.order_id}"
    page = panel.get(url)
    assert page.context["order_status"].still_due > 0
    due = page.context["order_status"].still_due
    response = panel.post(url, {"order": sub.order_id, "form_token": token_issue()})
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert invoice.order_id == sub.order_id and invoice.total == due
    pay = reverse("invoices:pay", args=[invoice.pk])
    assert panel.get(pay).context["form"].initial["amount"] == due
    response = panel.post(
        pay,
        {
            "amount": str(due),
            "method": "bank_transfer",
            "reference": "п/п № 7",
            "form_token": token_issue(),
        },
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    payment = Payment.objects.get()
    assert payment.order_id == sub.order_id and payment.reference == "п/п № 7"
    sub.refresh_from_db()
    assert sub.status == "active"


def test_the_order_page_links_to_the_invoice(panel, buyer):
    plan = ResellerPlanFactory(reseller=buyer.reseller, seat_price=Decimal("100.00"))
    sub = order_confirm(
        order=order_create(client=buyer, reseller_plan=plan, seats=5), at=msk(2026, 12, 14)
    )
    page = panel.get(reverse("orders:detail", args=[sub.order_id]))
    assert f"/panel/clients/{buyer.pk}/invoices/new/?order={sub.order_id}" in page.content.decode()


def test_issue_for_a_renewal_shortfall(panel, buyer):
    plan = ResellerPlanFactory(reseller=buyer.reseller, seat_price=Decimal("100.00"))
    payment_register(client=buyer, amount=Decimal("583.87"), at=msk(2026, 12, 14))
    sub = order_confirm(
        order=order_create(client=buyer, reseller_plan=plan, seats=5), at=msk(2026, 12, 14)
    )
    url = reverse("client-invoices:new", args=[buyer.pk]) + f"?subscription={sub.pk}"
    page = panel.get(url)
    assert page.context["shortfall"] == Decimal("402.88")
    assert page.context["form"].initial["amount"] == Decimal("402.88")
    panel.post(url, {"subscription": sub.pk, "amount": "402,88", "form_token": token_issue()})
    invoice = Invoice.objects.get()
    assert invoice.subscription_id == sub.pk and invoice.total == Decimal("402.88")


def test_cancel_with_confirmation(panel, buyer):
    invoice = invoice_issue(client=buyer, amount=Decimal("10.00"), at=msk(2026, 12, 14))
    url = reverse("invoices:cancel", args=[invoice.pk])
    assert "Отменить счёт № 1" in panel.get(url).content.decode()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    panel.post(url)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.CANCELLED


def test_list_filters_by_status(panel, buyer):
    a = invoice_issue(client=buyer, amount=Decimal("10.00"), at=msk(2026, 12, 14))
    b = invoice_issue(client=buyer, amount=Decimal("20.00"), at=msk(2026, 12, 14))
    panel.post(reverse("invoices:cancel", args=[a.pk]))
    page = panel.get(reverse("invoices:list") + "?status=cancelled")
    assert list(page.context["page"]) == [a]
    page = panel.get(reverse("invoices:list"))
    assert list(page.context["page"]) == [b, a]
    assert reverse("invoices:detail", args=[b.pk]) in page.content.decode()


def test_another_resellers_invoice_is_not_found(buyer):
    invoice = invoice_issue(client=buyer, amount=Decimal("10.00"), at=msk(2026, 12, 14))
    stranger = person(role="admin", reseller=ResellerFactory())
    for name in ("detail", "pdf", "cancel", "pay"):
        assert stranger.get(reverse(f"invoices:{name}", args=[invoice.pk])).status_code == 404
    assert stranger.get(reverse("client-invoices:new", args=[buyer.pk])).status_code == 404
    other_client = person(role="owner", client=ClientFactory(reseller=buyer.reseller))
    assert other_client.get(reverse("portal-invoices:detail", args=[invoice.pk])).status_code == 404
    assert other_client.get(reverse("portal-invoices:pdf", args=[invoice.pk])).status_code == 404


def test_portal_issue_list_detail_pdf(portal, buyer):
    page = portal.get(reverse("portal-invoices:new") + "?amount=500")
    assert page.status_code == 200
    response = portal.post(
        reverse("portal-invoices:new"), {"amount": "500", "form_token": token_issue()}
    )
    invoice = Invoice.objects.get()
    assert response["Location"] == reverse("portal-invoices:detail", args=[invoice.pk])
    assert invoice.created_by_id == buyer.owner_id
    assert list(portal.get(reverse("portal-invoices:list")).context["page"]) == [invoice]
    html = portal.get(response["Location"]).content.decode()
    assert "Пятьсот рублей 00 копеек" in html
    assert portal.get(reverse("portal-invoices:pdf", args=[invoice.pk])).content.startswith(b"%PDF")


def test_portal_order_page_links_to_the_invoice_instead_of_the_old_text(portal, buyer):
    plan = ResellerPlanFactory(reseller=buyer.reseller, seat_price=Decimal("100.00"))
    sub = order_confirm(
        order=order_create(client=buyer, reseller_plan=plan, seats=5), at=msk(2026, 12, 14)
    )
    html = portal.get(reverse("portal:order", args=[sub.order_id])).content.decode()
    assert "оплатите счёт реселлера" not in html
    assert f"/portal/invoices/new/?order={sub.order_id}" in html


@pytest.mark.parametrize(
    ("role", "allowed"), [("owner", True), ("admin", True), ("accountant", True), ("viewer", False)]
)
def test_portal_roles_issue(buyer, role, allowed):
    http = person(role=role, client=buyer) if role != "owner" else None
    if http is None:
        http = HttpClient()
        http.force_login(buyer.owner)
    response = http.post(
        reverse("portal-invoices:new"), {"amount": "5", "form_token": token_issue()}
    )
    assert response.status_code == (302 if allowed else 403)
    assert Invoice.objects.count() == (1 if allowed else 0)


@pytest.mark.parametrize(
    ("role", "allowed"), [("admin", True), ("manager", True), ("accountant", True)]
)
def test_panel_roles_issue(seller, buyer, role, allowed):
    http = person(role=role, reseller=seller)
    response = http.post(
        reverse("client-invoices:new", args=[buyer.pk]),
        {"amount": "5", "form_token": token_issue()},
    )
    assert response.status_code == (302 if allowed else 403)


# --------------------------------------------------------------------------- requisites


def test_reseller_admin_edits_own_requisites(seller):
    http = person(role="admin", reseller=seller)
    url = reverse("accounts:requisites")
    page = http.get(url)
    assert page.context["form"].initial["bik"] == "044525225"
    response = http.post(url, {**SELLER, "account": "40702810038000012345"})
    assert response.status_code == 200
    assert "контрольному ключу" in response.context["form"].errors["account"][0]
    assert Requisites.objects.get(reseller=seller).account == "40702810938000012345"
    response = http.post(url, {**SELLER, "vat_mode": "none"})
    assert response.status_code == 302
    assert Requisites.objects.get(reseller=seller).vat_mode == "none"


def test_manager_reads_but_does_not_edit_the_resellers_requisites(seller):
    http = person(role="manager", reseller=seller)
    url = reverse("accounts:requisites")
    page = http.get(url)
    assert page.status_code == 200 and not page.context["may_edit"]
    assert http.post(url, {**SELLER, "vat_mode": "none"}).status_code == 403
    assert Requisites.objects.get(reseller=seller).vat_mode == "standard"


def test_manager_edits_a_clients_requisites(seller):
    client = ClientFactory(reseller=seller)
    http = person(role="manager", reseller=seller)
    url = reverse("accounts:client-requisites", args=[client.pk])
    assert http.post(url, dict(BUYER)).status_code == 302
    assert Requisites.objects.get(client=client).inn == "7736207543"
    accountant = person(role="accountant", reseller=seller)
    assert accountant.post(url, {**BUYER, "inn": "7707083893"}).status_code == 403
    stranger = person(role="admin", reseller=ResellerFactory())
    assert stranger.get(url).status_code == 404


def test_client_owner_edits_its_requisites_an_accountant_reads(seller):
    client = ClientFactory(reseller=seller)
    owner = HttpClient()
    owner.force_login(client.owner)
    url = reverse("portal:requisites")
    response = owner.post(url, {**BUYER, "kpp": "12"})
    assert response.context["form"].errors["kpp"] == ["КПП состоит из 9 цифр."]
    assert owner.post(url, dict(BUYER)).status_code == 302
    accountant = person(role="accountant", client=client)
    assert accountant.get(url).status_code == 200
    assert accountant.post(url, {**BUYER, "legal_name": "Другое"}).status_code == 403
    assert Requisites.objects.get(client=client).legal_name == "ООО «Ромашка»"


def test_subscription_pages_link_to_the_renewal_invoice(panel, portal, buyer):
    plan = ResellerPlanFactory(reseller=buyer.reseller, seat_price=Decimal("100.00"))
    payment_register(client=buyer, amount=Decimal("483.87"), at=msk(2026, 12, 14))
    sub = order_confirm(
        order=order_create(client=buyer, reseller_plan=plan, seats=5), at=msk(2026, 12, 14)
    )
    html = panel.get(reverse("subscriptions:detail", args=[sub.pk])).content.decode()
    assert f"/panel/clients/{buyer.pk}/invoices/new/?subscription={sub.pk}" in html
    html = portal.get(reverse("portal:subscription", args=[sub.pk])).content.decode()
    assert f"/portal/invoices/new/?subscription={sub.pk}" in html
