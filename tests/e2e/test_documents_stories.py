"""Browser stories of the documents (issue 12), at 1280 and 390 px:

(a) a client's owner issues an invoice in the portal for an order's amount due, opens it
    and its PDF link answers a PDF; the reseller's accountant registers a payment against
    it in the panel; the invoice reads «оплачен» and the subscription is active;
(b) the reseller's admin fills in its requisites with a wrong INN, reads the error under
    the INN field, corrects it and saves;
(c) the «CSV» button of the distributor's statement downloads a file that starts with the
    UTF-8 BOM (Russian Excel opens it by a double click).

No page is wider than the window; the page fixture fails on console errors and CSP
violations. The live server runs the real clock: amounts are read from the domain."""

from __future__ import annotations

import csv
import io
import os
import re
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import AuditEvent, Membership, Requisites
from accounts.services import requisites_save
from billing.models import Payment
from config.formats import format_rub
from core.clock import financial_day
from documents.models import Invoice, InvoiceStatus, VatRate
from orders.models import Subscription, SubscriptionStatus
from orders.selectors import order_payment_status
from orders.services import order_confirm, order_create
from tests.accounts.test_requisites import BUYER, SELLER
from tests.factories import (
    ClientFactory,
    ResellerFactory,
    ResellerPlanFactory,
    UserFactory,
    VendorPlanFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "s3cret-pass"
WIDTHS = (1280, 390)
SHOTS = os.environ.get("E2E_SCREENSHOTS", "")


def _shot(page: Page, name: str, width: int) -> None:
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{width}-{name}.png", full_page=True)


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _sign_in(page: Page, path: str, username: str) -> None:
    page.goto(path)
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()


def _staff(reseller, username: str, role: str):
    user = UserFactory(username=username)
    user.set_password(PASSWORD)
    user.save()
    Membership.objects.create(user=user, reseller=reseller, role=role)
    return user


def _money(amount: Decimal) -> re.Pattern[str]:
    """`1 234,50 ₽` on the page, whatever space separates the thousands and the sign."""
    parts = format_rub(amount).replace("\xa0", " ").split(" ")
    return re.compile(r"\s".join(re.escape(p) for p in parts))


def _vat_rates() -> None:
    # A transactional test empties the migration's rows with the tables after it.
    for valid_from, rate in ((date(2019, 1, 1), "20.00"), (date(2026, 1, 1), "22.00")):
        VatRate.objects.get_or_create(valid_from=valid_from, defaults={"rate": Decimal(rate)})


@pytest.mark.parametrize("width", WIDTHS)
def test_the_owner_invoices_an_order_and_the_accountant_registers_its_payment(
    page: Page, width: int
):
    page.set_viewport_size({"width": width, "height": 900})
    _vat_rates()
    at = timezone.now()
    reseller = ResellerFactory(name="ООО Реселлер")
    requisites_save(owner=reseller, data=dict(SELLER), at=at)
    client = ClientFactory(reseller=reseller, name="ООО Ромашка", email="owner@romashka.example")
    requisites_save(owner=client, data=dict(BUYER), at=at)
    client.owner.set_password(PASSWORD)
    client.owner.save()
    _staff(reseller, "buh@reseller.example", Membership.Role.ACCOUNTANT)
    plan = ResellerPlanFactory(
        reseller=reseller,
        vendor_plan=VendorPlanFactory(name="ESET PROTECT Entry", min_seats=3),
        seat_price=Decimal("100.00"),
    )
    order = order_create(client=client, reseller_plan=plan, seats=3, at=at)
    order_confirm(order=order, at=at)
    due = order_payment_status(order=order, day=financial_day(at)).still_due
    assert due > 0

    # The owner: the order's page leads to an invoice for what it still takes.
    _sign_in(page, "/portal/login/", "owner@romashka.example")
    page.goto(f"/portal/orders/{order.pk}/")
    page.get_by_role("link", name=_money(due)).click()
    expect(page.get_by_role("heading", name="Новый счёт на оплату")).to_be_visible()
    _fits(page)
    _shot(page, "portal-invoice-new-for-order", width)
    page.get_by_role("button", name="Выставить счёт").click()

    invoice = Invoice.objects.get(client=client)
    assert (invoice.order_id, invoice.total, invoice.status) == (
        order.pk,
        due,
        InvoiceStatus.ISSUED,
    )
    expect(page.get_by_role("heading", name=f"Счёт № {invoice.number}")).to_be_visible()
    expect(page.locator(".invoice")).to_contain_text("ООО «Ромашка»")
    expect(page.locator(".invoice .totals")).to_contain_text(
        format_rub(due).replace(" ₽", "").replace("\xa0", " ")
    )
    _fits(page)
    _shot(page, "portal-invoice", width)
    pdf_href = page.get_by_role("link", name="PDF").get_attribute("href")
    assert pdf_href is not None
    pdf = page.context.request.get(pdf_href)
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")

    # The reseller's accountant: the invoice's payment, from the invoice's page.
    page.context.clear_cookies()
    _sign_in(page, "/panel/login/", "buh@reseller.example")
    page.goto("/panel/invoices/")
    page.get_by_role("link", name=f"№ {invoice.number}", exact=True).click()
    page.get_by_role("link", name="Зарегистрировать оплату").click()
    expect(page.get_by_label("Сумма, ₽")).to_have_value(re.compile(r"\d"))
    page.get_by_label("Основание").fill("п/п № 15 от " + financial_day(at).strftime("%d.%m.%Y"))
    _fits(page)
    _shot(page, "panel-invoice-pay", width)
    page.get_by_role("button", name="Провести платёж").click()

    expect(page.get_by_text("Оплата по счёту зарегистрирована.")).to_be_visible()
    expect(page.locator(".page-head .badge")).to_have_text("оплачен")
    expect(page.locator("main")).to_contain_text(_money(due))
    _fits(page)
    _shot(page, "panel-invoice-paid", width)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    payment = Payment.objects.get(client=client)
    assert (payment.amount, payment.invoice_link.invoice_id) == (due, invoice.pk)
    subscription = Subscription.objects.get(order=order)
    assert subscription.status == SubscriptionStatus.ACTIVE

    # The owner sees it paid too.
    page.context.clear_cookies()
    _sign_in(page, "/portal/login/", "owner@romashka.example")
    page.goto(f"/portal/invoices/{invoice.pk}/")
    expect(page.locator(".page-head .badge")).to_have_text("оплачен")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_admin_corrects_a_wrong_inn_in_the_requisites(page: Page, width: int):
    page.set_viewport_size({"width": width, "height": 900})
    reseller = ResellerFactory(name="ООО Реселлер")
    _staff(reseller, "admin@reseller.example", Membership.Role.ADMIN)
    _sign_in(page, "/panel/login/", "admin@reseller.example")
    page.goto("/panel/requisites/")
    fields = {
        "Полное наименование": SELLER["legal_name"],
        "ИНН": "7707083890",  # Sberbank's INN with its last digit changed
        "КПП": SELLER["kpp"],
        "ОГРН или ОГРНИП": SELLER["ogrn"],
        "Юридический адрес": SELLER["legal_address"],
        "Банк": SELLER["bank_name"],
        "БИК": SELLER["bik"],
        "Корреспондентский счёт": SELLER["corr_account"],
        "Расчётный счёт": SELLER["account"],
        "Подписант: фамилия и инициалы": SELLER["signatory_name"],
        "Подписант: должность": SELLER["signatory_position"],
    }
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Сохранить реквизиты").click()

    inn = page.get_by_label("ИНН", exact=True)
    expect(inn).to_have_attribute("aria-invalid", "true")
    error = page.locator(".field.has-error", has=inn).locator(".error")
    expect(error).to_have_text("ИНН не проходит проверку контрольного числа: проверьте цифры.")
    # The rest of what was typed stays in the form; nothing was written.
    expect(page.get_by_label("Расчётный счёт")).to_have_value(SELLER["account"])
    assert not Requisites.objects.filter(reseller=reseller).exists()
    assert not AuditEvent.objects.filter(reseller_id=reseller.pk).exists()
    _fits(page)
    _shot(page, "panel-requisites-wrong-inn", width)

    inn.fill(SELLER["inn"])
    page.get_by_role("button", name="Сохранить реквизиты").click()
    expect(page.get_by_text("Реквизиты сохранены.")).to_be_visible()
    saved = Requisites.objects.get(reseller=reseller)
    assert (saved.inn, saved.account, saved.vat_mode) == (
        SELLER["inn"],
        SELLER["account"],
        "standard",
    )
    reseller.refresh_from_db()
    assert reseller.inn == SELLER["inn"]
    expect(page.get_by_label("ИНН", exact=True)).to_have_value(SELLER["inn"])
    _fits(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_statement_csv_starts_with_the_utf8_bom(page: Page, width: int):
    page.set_viewport_size({"width": width, "height": 900})
    reseller = ResellerFactory(name="ООО Реселлер")
    _staff(reseller, "buh@reseller.example", Membership.Role.ACCOUNTANT)
    _sign_in(page, "/panel/login/", "buh@reseller.example")
    page.goto("/panel/statement/")
    _fits(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename.endswith(".csv")
    with open(download.value.path(), "rb") as file:
        raw = file.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert {"Месяц", "Себестоимость", "Выручка", "Маржа"} <= set(rows[0])
