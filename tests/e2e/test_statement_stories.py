"""Browser story of the bank statement import (issue 12 item 5), at 1280 and 390 px: the
reseller's accountant uploads the bank's file, reads what each line became, assigns the
unknown payer's payment to a client after the confirmation and sees the queue empty; no
page is wider than the window, every input is labelled, no console error or CSP
violation (the page fixture fails on those)."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Membership
from accounts.services import requisites_save
from billing.models import Payment
from documents.models import StatementLine, StatementLineStatus
from tests.accounts.test_requisites import BUYER, SELLER
from tests.documents.statement_files import DATA
from tests.factories import ClientFactory, ResellerFactory, UserFactory, msk

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "s3cret-pass"
WIDTHS = (1280, 390)
SHOTS = os.environ.get("E2E_SCREENSHOTS", "")


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_accountant_imports_a_statement_and_assigns_the_unknown_payment(page: Page, width: int):
    page.set_viewport_size({"width": width, "height": 900})
    reseller = ResellerFactory(name="ООО Реселлер")
    requisites_save(owner=reseller, data=dict(SELLER), at=msk(2026, 12, 1, 9))
    buyer = ClientFactory(reseller=reseller, name="ООО Ромашка")
    requisites_save(owner=buyer, data=dict(BUYER), at=msk(2026, 12, 1, 9))
    other = ClientFactory(reseller=reseller, name="ИП Петров")
    user = UserFactory(username="buh@reseller.example")
    user.set_password(PASSWORD)
    user.save()
    Membership.objects.create(user=user, reseller=reseller, role=Membership.Role.ACCOUNTANT)

    page.goto("/panel/login/")
    page.locator("input[name=username]").fill("buh@reseller.example")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()

    page.goto("/panel/statements/")
    page.get_by_role("link", name="Загрузить выписку").click()
    _fits(page)
    page.get_by_label("Файл выписки").set_input_files(str(DATA / "well_formed_cp1251.txt"))
    page.get_by_role("button", name="Загрузить и зачислить").click()
    expect(
        page.get_by_text("Выписка загружена: новых поступлений 3, сопоставлено 2")
    ).to_be_visible()
    expect(page.get_by_text("по ИНН плательщика").first).to_be_visible()
    _fits(page)

    page.goto("/panel/statements/queue/")
    expect(page.get_by_text("№ 77 от 15.12.2026")).to_be_visible()
    _fits(page)
    page.get_by_role("link", name="Разнести").first.click()
    expect(page.get_by_text("Зачислить 999,99 ₽ на баланс выбранного клиента?")).to_be_visible()
    page.get_by_label("Клиент").select_option(label="ИП Петров")
    _fits(page)
    page.get_by_role("button", name="Зачислить платёж").click()
    expect(page.get_by_text("Неразобранных поступлений нет.")).to_be_visible()
    line = StatementLine.objects.get(number="77")
    assert (line.status, line.client_id) == (StatementLineStatus.ASSIGNED, other.pk)
    assert Payment.objects.get(pk=line.payment_id).amount == Decimal("999.99")
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{width}-statement-queue.png", full_page=True)
