"""What the portal tells a client (issue 11): the vendor's plan description beside the plan,
and how to pay an order while the portal has no invoices (the amount, whom, with what
reference, and where to ask for the details), ready to link to an invoice instead."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse

from orders.models import Order
from orders.services import order_confirm, order_create
from tests.factories import ResellerPlanFactory, VendorPlanFactory, msk

pytestmark = pytest.mark.django_db

NOW = msk(2026, 11, 1, 10)
DESCRIPTION = "Защита конечных точек\nи облачная песочница ESET LiveGuard Advanced."


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def plan(reseller):
    vendor = VendorPlanFactory(
        name="ESET PROTECT Advanced", description=DESCRIPTION, min_seats=5, max_seats=50
    )
    return ResellerPlanFactory(reseller=reseller, vendor_plan=vendor, seat_price=Decimal("100.00"))


def test_the_plan_list_and_the_order_page_show_the_plan_description(portal, plan):
    shown = "Защита конечных точек<br>и облачная песочница ESET LiveGuard Advanced."
    listed = html_of(portal.get(reverse("portal:plans")))
    assert f'<p class="plan-description muted">{shown}</p>' in listed
    # The plan's name leads to its order page.
    assert (
        f'<a href="{reverse("portal:plan-order", args=[plan.pk])}">ESET PROTECT Advanced</a>'
        in (listed)
    )
    ordering = html_of(portal.get(reverse("portal:plan-order", args=[plan.pk])))
    assert f"<dt>Описание</dt><dd>{shown}</dd>" in ordering


def test_a_plan_without_a_description_shows_no_empty_line(portal, plan):
    plan.vendor_plan.description = ""
    plan.vendor_plan.save()
    assert "plan-description" not in html_of(portal.get(reverse("portal:plans")))
    ordering = html_of(portal.get(reverse("portal:plan-order", args=[plan.pk])))
    assert "Описание" not in ordering


@time_machine.travel(NOW, tick=False)
def test_an_order_waiting_for_payment_leads_the_owner_to_an_invoice(portal, client_, plan):
    order = order_create(client=client_, reseller_plan=plan, seats=5, at=NOW)
    order_confirm(order=order, at=NOW)

    html = html_of(portal.get(reverse("portal:order", args=[order.pk])))

    # 5 seats × 100 ₽ for 1.11-30.11: 500 ₽, and the owner may issue the invoice for it.
    assert "Подписка станет активной после оплаты 500,00 ₽." in html
    url = f"{reverse('portal-invoices:new')}?order={order.pk}"
    assert f'href="{url}">Получить счёт на 500,00 ₽</a>' in html
    assert "счёт реселлера" not in html


def test_without_an_invoice_the_note_says_how_to_pay_the_reseller(client_, reseller, plan):
    order = Order(pk=7, client=client_, reseller_plan=plan, seats=5)
    html = render_to_string(
        "portal/_how_to_pay.html",
        {"due": Decimal("500.00"), "order": order, "reseller": reseller},
    )
    # To the reseller by its details, the order No. named (a no-break space keeps «заказ» and
    # «№N» on one line).
    assert "Подписка станет активной после оплаты 500,00 ₽." in html
    assert (
        f"Переведите 500,00 ₽ вашему реселлеру «{reseller.name}» по его реквизитам, указав в "
        "назначении платежа заказ\xa0№7: реселлер зарегистрирует платёж, и подписка "
        "станет активной."
    ) in html
    assert f'<a href="mailto:{reseller.email}">{reseller.email}</a>' in html
    assert "Получить счёт" not in html


def test_with_an_invoice_link_the_same_note_leads_to_the_invoice(client_, reseller, plan):
    order = Order(pk=7, client=client_, reseller_plan=plan, seats=5)
    url = "/portal/invoices/new/"
    html = render_to_string(
        "portal/_how_to_pay.html",
        {"due": Decimal("500.00"), "order": order, "reseller": reseller, "invoice_url": url},
    )
    assert "Подписка станет активной после оплаты 500,00 ₽." in html
    assert "Оплатите счёт на 500,00 ₽ по заказу\xa0№7" in html
    assert f'href="{url}?order=7">Получить счёт на 500,00 ₽</a>' in html
    assert "по его реквизитам" not in html


def test_the_note_reads_in_english_too(client_, reseller, plan):
    from django.utils import translation

    order = Order(pk=7, client=client_, reseller_plan=plan, seats=5)
    with translation.override("en"):
        html = render_to_string(
            "portal/_how_to_pay.html",
            {"due": Decimal("500.00"), "order": order, "reseller": reseller},
        )
    assert "The subscription becomes active once 500,00 ₽ is paid." in html
    assert "with order No. 7 in the payment reference" in html
    assert "Переведите" not in html
