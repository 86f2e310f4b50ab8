"""Tariff plan pages (S1-S4): the catalogue, the plan tabs, the Workplace form."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plans.models import ResellerPlan
from tests.factories import ResellerFactory, ResellerPlanFactory, VendorPlanFactory

from .conftest import sign_in

pytestmark = pytest.mark.django_db


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


# --- S1: the list -----------------------------------------------------------------------


def test_list_shows_the_catalogue_with_this_resellers_status_price_and_publication(panel, reseller):
    VendorPlanFactory(name="ESET PROTECT Entry", purchase_price=Decimal("1234.50"))
    active = VendorPlanFactory(name="ESET PROTECT Advanced")
    ResellerPlanFactory(
        reseller=reseller, vendor_plan=active, seat_price=Decimal("2500.00"), is_published=True
    )
    VendorPlanFactory(name="Снятый с каталога", is_available=False)

    html = html_of(panel.get(reverse("plans:list")))

    assert "ESET PROTECT Entry" in html and "ESET PROTECT Advanced" in html
    assert "Снятый с каталога" not in html
    assert "1 234,50 ₽" in html  # purchase price
    assert "2 500,00 ₽" in html  # this reseller's price
    assert html.count('<span class="badge badge-ok">Активен</span>') == 1
    assert html.count('<span class="badge">Неактивен</span>') == 1
    assert "Абонентская плата/ежемесячно" in html


def test_list_flags_an_active_plan_without_a_price(panel, reseller):
    ResellerPlanFactory(reseller=reseller, seat_price=None)
    assert "без наценки" in html_of(panel.get(reverse("plans:list")))


def test_an_inactive_plan_is_not_flagged(panel, reseller):
    VendorPlanFactory()
    assert "без наценки" not in html_of(panel.get(reverse("plans:list")))


def test_another_resellers_plan_does_not_leak_into_the_list(panel):
    other = ResellerFactory()
    vendor = VendorPlanFactory(name="Общий план")
    ResellerPlanFactory(reseller=other, vendor_plan=vendor, seat_price=Decimal("777.00"))
    withdrawn = VendorPlanFactory(name="Только у другого", is_available=False)
    ResellerPlanFactory(reseller=other, vendor_plan=withdrawn)

    html = html_of(panel.get(reverse("plans:list")))

    assert "Общий план" in html
    assert "777,00" not in html
    assert "Только у другого" not in html
    assert '<span class="badge badge-ok">Активен</span>' not in html


def test_a_withdrawn_plan_stays_visible_to_the_reseller_who_sells_it(panel, reseller):
    ResellerPlanFactory(
        reseller=reseller, vendor_plan=VendorPlanFactory(name="Снят", is_available=False)
    )
    assert "Снят" in html_of(panel.get(reverse("plans:list")))


@pytest.mark.parametrize(
    ("status", "shown", "hidden"),
    [
        ("active", ["Активный"], ["Неактивированный", "Деактивированный"]),
        ("inactive", ["Неактивированный", "Деактивированный"], ["Активный"]),
        ("", ["Активный", "Неактивированный", "Деактивированный"], []),
    ],
)
def test_list_filters_by_status(panel, reseller, status, shown, hidden):
    ResellerPlanFactory(reseller=reseller, vendor_plan=VendorPlanFactory(name="Активный"))
    VendorPlanFactory(name="Неактивированный")
    ResellerPlanFactory(
        reseller=reseller,
        vendor_plan=VendorPlanFactory(name="Деактивированный"),
        status=ResellerPlan.Status.INACTIVE,
    )
    html = html_of(panel.get(reverse("plans:list"), {"status": status}))
    for name in shown:
        assert name in html
    for name in hidden:
        assert name not in html


def test_list_paginates(panel):
    for n in range(30):
        VendorPlanFactory(name=f"План {n:02d}")
    first = html_of(panel.get(reverse("plans:list")))
    second = html_of(panel.get(reverse("plans:list"), {"page": 2}))
    assert "План 00" in first and "План 24" in first and "План 25" not in first
    assert "План 25" in second and "План 29" in second and "План 00" not in second
    assert "Страница 1 из 2" in first


def _plan_rows(reseller, n: int) -> None:
    for i in range(n):
        vendor = VendorPlanFactory()
        if i % 2:
            ResellerPlanFactory(reseller=reseller, vendor_plan=vendor, seat_price=None)


def test_list_takes_a_fixed_number_of_queries(panel, reseller):
    _plan_rows(reseller, 3)
    with CaptureQueriesContext(connection) as few:
        html_of(panel.get(reverse("plans:list")))
    _plan_rows(reseller, 27)
    with CaptureQueriesContext(connection) as many:
        html = html_of(panel.get(reverse("plans:list")))
    assert html.count('href="/panel/plans/') >= 25
    assert len(many) == len(few)


# --- S2, S5: General information -------------------------------------------------------


def test_plan_page_offers_activate_when_inactive(panel):
    vendor = VendorPlanFactory(name="ESET PROTECT Complete")
    html = html_of(panel.get(reverse("plans:detail", args=[vendor.pk])))
    assert "Общая информация" in html and "Ресурсы" in html
    assert "Активировать" in html
    assert "Деактивировать" not in html and "Опубликовать" not in html


def test_activate_deactivate_publish_unpublish(panel, reseller):
    vendor = VendorPlanFactory()
    detail = reverse("plans:detail", args=[vendor.pk])

    response = panel.post(reverse("plans:activate", args=[vendor.pk]))
    assert response.status_code == 302 and response["Location"] == detail
    plan = ResellerPlan.objects.get(reseller=reseller, vendor_plan=vendor)
    assert plan.status == ResellerPlan.Status.ACTIVE
    html = html_of(panel.get(detail))
    assert "Тарифный план активирован." in html
    assert "Деактивировать" in html and "Опубликовать" in html
    assert "Активировать" not in html.replace("Деактивировать", "")

    # No seat price yet: publishing asks first (test_plan_confirmations.py).
    panel.post(reverse("plans:publish", args=[vendor.pk]), {"confirm": "1"})
    plan.refresh_from_db()
    assert plan.is_published is True
    assert "Снять с публикации" in html_of(panel.get(detail))

    panel.post(reverse("plans:unpublish", args=[vendor.pk]))
    plan.refresh_from_db()
    assert plan.is_published is False

    panel.post(reverse("plans:publish", args=[vendor.pk]), {"confirm": "1"})
    panel.post(reverse("plans:deactivate", args=[vendor.pk]))
    plan.refresh_from_db()
    assert (plan.status, plan.is_published) == (ResellerPlan.Status.INACTIVE, False)


def test_publishing_an_inactive_plan_is_refused_with_a_message(panel, reseller):
    plan = ResellerPlanFactory(
        reseller=reseller, status=ResellerPlan.Status.INACTIVE, is_published=False
    )
    response = panel.post(reverse("plans:publish", args=[plan.vendor_plan_id]), follow=True)
    assert "Сначала активируйте тарифный план." in html_of(response)
    plan.refresh_from_db()
    assert plan.is_published is False


def test_actions_on_a_never_activated_plan_are_404_and_write_nothing(panel):
    vendor = VendorPlanFactory()
    for action in ("deactivate", "publish", "unpublish"):
        assert panel.post(reverse(f"plans:{action}", args=[vendor.pk])).status_code == 404
    assert ResellerPlan.objects.count() == 0


def test_actions_need_post(panel):
    vendor = VendorPlanFactory()
    assert panel.get(reverse("plans:activate", args=[vendor.pk])).status_code == 405
    assert ResellerPlan.objects.count() == 0


def test_activating_an_unavailable_plan_is_404(panel):
    vendor = VendorPlanFactory(is_available=False)
    assert panel.post(reverse("plans:activate", args=[vendor.pk])).status_code == 404
    assert ResellerPlan.objects.count() == 0


def test_another_resellers_plan_is_never_shown_or_touched(reseller):
    other = ResellerFactory()
    theirs = ResellerPlanFactory(reseller=other, seat_price=Decimal("555.00"), is_published=True)
    withdrawn = ResellerPlanFactory(
        reseller=other, vendor_plan=VendorPlanFactory(is_available=False)
    )
    panel = sign_in(reseller)

    html = html_of(panel.get(reverse("plans:detail", args=[theirs.vendor_plan_id])))
    assert "555,00" not in html and "Активировать" in html
    for name in ("detail", "resources", "workplace"):
        assert (
            panel.get(reverse(f"plans:{name}", args=[withdrawn.vendor_plan_id])).status_code == 404
        )
    for action in ("activate", "deactivate", "publish", "unpublish"):
        assert (
            panel.post(reverse(f"plans:{action}", args=[withdrawn.vendor_plan_id])).status_code
            == 404
        )

    panel.post(reverse("plans:unpublish", args=[theirs.vendor_plan_id]))
    panel.post(reverse("plans:deactivate", args=[theirs.vendor_plan_id]))
    theirs.refresh_from_db()
    assert (theirs.status, theirs.is_published) == (ResellerPlan.Status.ACTIVE, True)


def test_unknown_plan_is_404(panel):
    assert panel.get(reverse("plans:detail", args=[999999])).status_code == 404


# --- S3: Resources -----------------------------------------------------------------------


def test_resources_tab_lists_the_workplace_with_a_link_to_its_form(panel, reseller):
    plan = ResellerPlanFactory(
        reseller=reseller,
        vendor_plan=VendorPlanFactory(min_seats=5, max_seats=250, purchase_price=Decimal("80")),
        seat_price=Decimal("100.00"),
    )
    html = html_of(panel.get(reverse("plans:resources", args=[plan.vendor_plan_id])))
    assert "Рабочее место" in html
    assert reverse("plans:workplace", args=[plan.vendor_plan_id]) in html
    assert ">5<" in html and ">250<" in html
    assert "80,00 ₽" in html and "100,00 ₽" in html


# --- S4: the Workplace form -----------------------------------------------------------


def test_workplace_form_shows_purchase_price_margin_and_the_no_margin_warning(panel, reseller):
    plan = ResellerPlanFactory(
        reseller=reseller,
        vendor_plan=VendorPlanFactory(purchase_price=Decimal("80.00")),
        seat_price=None,
    )
    html = html_of(panel.get(reverse("plans:workplace", args=[plan.vendor_plan_id])))
    assert "Абонентская плата/ежемесячно" in html
    assert 'for="id_seat_price"' in html
    assert "80,00 ₽" in html
    assert "0,00 ₽" in html  # the margin per seat
    assert "по закупочной цене без маржи" in html


def test_setting_the_seat_price(panel, reseller):
    plan = ResellerPlanFactory(
        reseller=reseller,
        vendor_plan=VendorPlanFactory(purchase_price=Decimal("80.00")),
        seat_price=None,
    )
    url = reverse("plans:workplace", args=[plan.vendor_plan_id])
    response = panel.post(url, {"seat_price": "1 100,50"})
    assert response.status_code == 302 and response["Location"] == url
    plan.refresh_from_db()
    assert plan.seat_price == Decimal("1100.50")

    html = html_of(panel.get(url))
    assert "Абонентская плата сохранена." in html
    assert "1 020,50 ₽" in html  # margin: 1100.50 - 80.00
    assert "без маржи" not in html


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("", "Введите сумму от 0,00 до 9 999 999 999,99 ₽."),
        ("abc", "Введите сумму от 0,00 до 9 999 999 999,99 ₽."),
        ("-5", "Введите сумму от 0,00 до 9 999 999 999,99 ₽."),
        ("12345678901234567890", "Введите сумму от 0,00 до 9 999 999 999,99 ₽."),
        (
            "10.555",
            "Не больше двух знаков после запятой. Введите сумму от 0,00 до 9 999 999 999,99 ₽.",
        ),
    ],
)
def test_a_bad_seat_price_is_shown_beside_the_field_and_nothing_is_written(
    panel, reseller, value, error
):
    plan = ResellerPlanFactory(reseller=reseller, seat_price=Decimal("100.00"))
    before = ResellerPlan.objects.values_list("pk", "seat_price", "updated_at").get()
    response = panel.post(
        reverse("plans:workplace", args=[plan.vendor_plan_id]), {"seat_price": value}
    )
    html = html_of(response)
    assert response.context["form"].errors == {"seat_price": [error]}
    assert f'<p class="error" role="alert">{error}</p>' in html
    assert ResellerPlan.objects.values_list("pk", "seat_price", "updated_at").get() == before


def test_a_seat_price_before_activation_is_refused_and_nothing_is_written(panel):
    vendor = VendorPlanFactory()
    url = reverse("plans:workplace", args=[vendor.pk])
    assert "сначала активируйте тарифный план" in html_of(panel.get(url))
    response = panel.post(url, {"seat_price": "100"})
    assert "Сначала активируйте тарифный план." in html_of(response)
    assert ResellerPlan.objects.count() == 0


def test_plan_pages_take_a_fixed_number_of_queries(panel, reseller):
    plan = ResellerPlanFactory(reseller=reseller)
    counts = []
    for name in ("detail", "resources", "workplace"):
        with CaptureQueriesContext(connection) as queries:
            html_of(panel.get(reverse(f"plans:{name}", args=[plan.vendor_plan_id])))
        counts.append(len(queries))
    assert max(counts) <= 6


def test_plan_page_in_english(panel):
    vendor = VendorPlanFactory()
    panel.post(reverse("set_language"), {"language": "en", "next": "/panel/plans/"})
    html = html_of(panel.get(reverse("plans:detail", args=[vendor.pk])))
    assert "General information" in html and "Resources" in html and "Activate" in html
    html = html_of(panel.get(reverse("plans:workplace", args=[vendor.pk])))
    assert "Subscription fee / monthly" in html
