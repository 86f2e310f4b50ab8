"""`manage.py seed_demo`: the demo data of `make run`, idempotent."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command

from accounts.management.commands.seed_demo import CATALOGUE, demo_logins
from accounts.models import Client, Membership, Reseller
from plans.models import BillingCycle, ResellerPlan, VendorPlan

pytestmark = pytest.mark.django_db

DOMAIN_APPS = ("auth", "accounts", "plans", "orders", "billing", "notifications")


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for app in DOMAIN_APPS
        for model in apps.get_app_config(app).get_models()
    }


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_twice_gives_the_same_rows():
    seed()
    first = row_counts()
    plans_first = list(VendorPlan.objects.order_by("product_code").values())
    seed()
    assert row_counts() == first
    assert list(VendorPlan.objects.order_by("product_code").values()) == plans_first
    assert first["plans.VendorPlan"] == len(CATALOGUE) >= 8
    assert first["accounts.Reseller"] == 1
    assert first["accounts.Client"] == 2


def test_catalogue_is_realistic():
    seed()
    entry = VendorPlan.objects.get(name="ESET PROTECT Entry")
    assert (entry.min_seats, entry.max_seats, entry.purchase_price) == (5, 250, Decimal("96.00"))
    names = set(VendorPlan.objects.values_list("name", flat=True))
    assert {
        "ESET PROTECT Advanced",
        "ESET PROTECT Complete",
        "ESET PROTECT Elite",
        "ESET Endpoint Security",
        "ESET NOD32 Antivirus Business Edition",
        "ESET Mail Security",
        "ESET Server Security",
    } <= names
    assert VendorPlan.objects.filter(billing_cycle=BillingCycle.CALENDAR_MONTH).count() == 1
    for plan in VendorPlan.objects.all():
        assert plan.description  # in Russian
        assert plan.purchase_price > 0
        assert 1 <= plan.min_seats <= plan.max_seats
        assert plan.is_available


def test_a_changed_catalogue_entry_is_put_back():
    seed()
    VendorPlan.objects.filter(product_code="EP-ENTRY").update(purchase_price=Decimal("1.00"))
    seed()
    assert VendorPlan.objects.get(product_code="EP-ENTRY").purchase_price == Decimal("96.00")


def test_logins_authenticate_and_act_for_the_right_tenant():
    output = seed()
    logins = demo_logins()
    assert len(logins) == 4
    for _who, username, password in logins:
        assert authenticate(username=username, password=password) is not None, username
        assert f"{username} / {password}" in output

    admin = authenticate(username="admin", password="admin")
    assert admin.is_superuser and admin.is_staff
    reseller = Reseller.objects.get(name="Демо-реселлер")
    reseller_user = authenticate(username="reseller", password="reseller")
    assert reseller_user.membership.reseller == reseller
    assert not reseller_user.is_staff
    for n in (1, 2):
        owner = authenticate(username=f"client{n}@example.com", password=f"client{n}")
        client = Client.objects.get(owner=owner)
        assert client.reseller == reseller
        assert owner.membership.client == client
        assert owner.membership.role == Membership.Role.OWNER


def test_demo_plan_is_active_priced_and_published():
    seed()
    reseller = Reseller.objects.get(name="Демо-реселлер")
    plan = ResellerPlan.objects.get(reseller=reseller, vendor_plan__product_code="EP-ENTRY")
    assert plan.status == ResellerPlan.Status.ACTIVE
    assert plan.seat_price == Decimal("120.00")
    assert plan.seat_price > plan.vendor_plan.purchase_price
    assert plan.is_published
    assert plan.activated_at is not None
    # A second active plan left unpriced shows the no-margin warning (S4).
    unpriced = ResellerPlan.objects.get(reseller=reseller, vendor_plan__product_code="EP-ADVANCED")
    assert unpriced.status == ResellerPlan.Status.ACTIVE
    assert unpriced.seat_price is None and not unpriced.is_published


def test_seed_keeps_what_the_reseller_changed_since():
    seed()
    plan = ResellerPlan.objects.get(vendor_plan__product_code="EP-ENTRY")
    ResellerPlan.objects.filter(pk=plan.pk).update(seat_price=Decimal("150.00"))
    seed()
    plan.refresh_from_db()
    assert plan.seat_price == Decimal("150.00")


def test_the_demo_has_complete_requisites_that_issue_an_invoice():
    """Issue 12 item 1: the seed fills realistic requisites (valid check digits), complete
    enough for the reseller to invoice; a second run keeps what someone edited."""
    from django.utils import timezone

    from accounts.models import Requisites
    from accounts.services import requisites_missing
    from documents.services import invoice_issue

    seed()
    reseller = Reseller.objects.get()
    assert requisites_missing(Requisites.objects.get(reseller=reseller)) == []
    assert reseller.inn == "7709123453"
    clients = Client.objects.order_by("pk")
    assert [c.inn for c in clients] == ["5047123455", "7810123451"]
    invoice = invoice_issue(client=clients[0], amount=Decimal("100.00"), at=timezone.now())
    assert invoice.snapshot["seller"]["account"] == "40702810500000012345"
    Requisites.objects.filter(client=clients[0]).update(legal_address="Изменён вручную")
    seed()
    assert Requisites.objects.get(client=clients[0]).legal_address == "Изменён вручную"
