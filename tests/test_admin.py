"""The operator admin (/admin/): every model of the domain apps is registered, its list and
detail pages open for the superuser, lists take a fixed number of queries, money rows are
read-only, and the writes it offers go through the domain services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.admin import format_rub
from accounts.models import Client, Membership, Reseller
from accounts.services import person_invite, requisites_save
from billing.models import BalanceEntry, Charge, Payment, ReminderSent, ServicePeriod
from billing.services import billing_run, payment_register, reminders_send
from billing.submissions import submit_once
from documents.services import acts_issue, invoice_issue, invoice_payment_register
from documents.statements import statement_import
from notifications.models import Notification, NotificationKind
from orders.models import Order, SeatChange, Subscription, SubscriptionEvent
from orders.services import order_confirm, order_create, seat_change_request
from plans.models import ResellerPlan, VendorPlan
from plans.services import reseller_plan_set_seat_price
from tests.accounts.test_requisites import BUYER, SELLER
from tests.documents.statement_files import Doc, statement_bytes
from tests.factories import ClientFactory, ResellerPlanFactory, VendorPlanFactory, msk

pytestmark = pytest.mark.django_db

DOMAIN_APPS = {"accounts", "plans", "orders", "billing", "documents", "notifications"}
READ_ONLY = [
    BalanceEntry,
    Charge,
    ServicePeriod,
    Payment,
    SubscriptionEvent,
    Notification,
    ReminderSent,
]


def domain_models():
    from django.apps import apps

    return [m for app in sorted(DOMAIN_APPS) for m in apps.get_app_config(app).get_models()]


def build_graph(n: int) -> Subscription:
    """One reseller, plan, client and an active subscription with a payment, a closed and
    an open charge, a pending seat change, events and notifications."""
    plan = ResellerPlanFactory(
        vendor_plan=VendorPlanFactory(min_seats=5, max_seats=50, purchase_price=Decimal("80")),
        seat_price=Decimal("100.00"),
    )
    client = ClientFactory(reseller=plan.reseller, name=f"Клиент админки {n}")
    order = order_create(client=client, reseller_plan=plan)
    sub = order_confirm(order=order, at=msk(2026, 12, 14, 10))
    order.refresh_from_db()
    payment_register(
        client=client, amount=Decimal("1234.50"), at=msk(2026, 12, 14, 11), order=order
    )
    # Requisites of both parties, an invoice and a payment that names it.
    requisites_save(owner=plan.reseller, data=dict(SELLER), at=msk(2026, 12, 14, 9))
    requisites_save(owner=client, data=dict(BUYER), at=msk(2026, 12, 14, 9))
    invoice = invoice_issue(client=client, amount=Decimal("100.00"), at=msk(2026, 12, 14, 12))
    invoice_payment_register(invoice=invoice, amount=Decimal("100.00"), at=msk(2026, 12, 14, 13))
    # A bank statement: one payment matched by the payer's INN, one left in the queue.
    statement_import(
        reseller=plan.reseller,
        data=statement_bytes(
            [
                Doc("1", "14.12.2026", "50.00", BUYER["inn"], "ООО «Ромашка»", "Пополнение"),
                Doc("2", "14.12.2026", "70.00", "5003052454", "ИП Петров", "Возврат"),
            ],
            day="14.12.2026",
        ),
        at=msk(2026, 12, 14, 14),
        by=None,
    )
    billing_run(day=date(2026, 12, 31))
    acts_issue(month=date(2026, 12, 1))  # an act and its line
    seat_change_request(subscription=sub, seats=6, at=msk(2027, 1, 5, 12))
    submit_once(user=client.owner, token=f"admin-form-{n}", work=lambda: "/portal/")
    # A renewal reminder: from 13 Jan the reseller's new price leaves the balance short.
    reseller_plan_set_seat_price(reseller_plan=plan, seat_price=Decimal("1000.00"))
    assert reminders_send(day=date(2027, 1, 6)).reminded == 1
    # A staff member invited (an accounts.Invitation row and its notification).
    person_invite(
        reseller=plan.reseller, email=f"staff{n}@admin.example", role="manager", at=msk(2026, 12, 1)
    )
    Notification.objects.get_or_create(
        key=f"test-admin:{n}",
        defaults={
            "reseller": plan.reseller,
            "client": client,
            "subscription": sub,
            "recipient": client.owner,
            "kind": NotificationKind.PAYMENT_RECEIVED,
            "subject": "Платёж получен",
            "body": "Спасибо",
            "created_at": msk(2026, 12, 14, 11),
        },
    )
    return sub


@pytest.fixture
def operator(client):
    user = get_user_model().objects.create_superuser("operator", "op@example.com", "pw")
    client.force_login(user)
    return client


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change(model, pk) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])


def test_every_domain_model_is_registered():
    missing = [m.__name__ for m in domain_models() if not admin.site.is_registered(m)]
    assert missing == []


def test_gateway_and_mock_models_are_left_to_their_app():
    # Registered (or not) by eset_gateway's own admin; nothing here depends on that.
    registered_here = {
        m._meta.app_label
        for m, model_admin in admin.site._registry.items()
        if type(model_admin).__module__.split(".")[0] in DOMAIN_APPS
    }
    assert registered_here <= DOMAIN_APPS | {"auth"}


def test_changelist_and_change_page_of_every_model(operator):
    build_graph(1)
    for model in domain_models():
        obj = model.objects.order_by("pk").first()
        assert obj is not None, f"no {model.__name__} row built"
        response = operator.get(changelist(model))
        assert response.status_code == 200, model.__name__
        assert response.context["cl"].result_count >= 1, model.__name__
        response = operator.get(change(model, obj.pk))
        assert response.status_code == 200, model.__name__


def test_changelists_take_a_fixed_number_of_queries(operator):
    build_graph(1)
    counts_one = {}
    for model in domain_models():
        with CaptureQueriesContext(connection) as ctx:
            assert operator.get(changelist(model)).status_code == 200
        counts_one[model.__name__] = len(ctx)
    build_graph(2)
    build_graph(3)
    counts_three = {}
    for model in domain_models():
        with CaptureQueriesContext(connection) as ctx:
            assert operator.get(changelist(model)).status_code == 200
        counts_three[model.__name__] = len(ctx)
    assert counts_three == counts_one


def test_user_changelist_shows_tenant(operator):
    sub = build_graph(1)
    response = operator.get(reverse("admin:auth_user_changelist"))
    assert response.status_code == 200
    assert sub.client.name in response.content.decode()
    response = operator.get(reverse("admin:auth_user_change", args=[sub.client.owner_id]))
    assert response.status_code == 200


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda m: m.__name__)
def test_money_and_journal_rows_are_read_only(operator, model):
    build_graph(1)
    obj = model.objects.order_by("pk").first()
    model_admin = admin.site._registry[model]
    request = operator.get(changelist(model)).wsgi_request
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, obj)
    assert not model_admin.has_delete_permission(request, obj)
    meta = model._meta
    add_url = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
    assert operator.post(add_url, {}).status_code == 403
    count = model.objects.count()
    assert operator.post(change(model, obj.pk), {}).status_code == 403
    assert model.objects.count() == count


def test_money_is_shown_in_roubles(operator):
    build_graph(1)
    response = operator.get(changelist(Payment))
    assert "1 234,50 ₽" in response.content.decode()
    assert format_rub(Decimal("1234567.5")) == "1 234 567,50 ₽"
    assert format_rub(Decimal("-290.325")) == "-290,33 ₽"
    assert format_rub(Decimal("0")) == "0,00 ₽"
    assert format_rub(None) == "—"


def test_reseller_added_in_admin_goes_through_the_service(operator):
    response = operator.post(
        reverse("admin:accounts_reseller_add"),
        {
            "name": "  Новый реселлер ",
            "inn": "7701234567",
            "email": "NEW@Example.com",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    reseller = Reseller.objects.get()
    # reseller_create trims the name and lowers the e-mail; a plain ModelForm would not.
    assert (reseller.name, reseller.email, reseller.inn) == (
        "Новый реселлер",
        "new@example.com",
        "7701234567",
    )


def test_reseller_with_a_bad_inn_is_refused_and_nothing_written(operator):
    response = operator.post(
        reverse("admin:accounts_reseller_add"),
        {"name": "Реселлер", "inn": "12ab", "email": "r@example.com", "is_active": "on"},
    )
    assert response.status_code == 200
    assert "inn" in response.context["adminform"].form.errors
    assert Reseller.objects.count() == 0


def test_client_added_in_admin_gets_its_owner_and_membership(operator):
    reseller = Reseller.objects.create(name="Р", email="r@example.com")
    response = operator.post(
        reverse("admin:accounts_client_add"),
        {"reseller": reseller.pk, "name": "ООО Тест", "inn": "", "email": "Owner@Example.com"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client = Client.objects.get()
    assert client.owner.username == "owner@example.com"
    assert Membership.objects.filter(user=client.owner, client=client).exists()
    assert operator.get(change(Client, client.pk)).status_code == 200


def test_client_with_a_taken_email_is_refused_and_nothing_written(operator):
    reseller = Reseller.objects.create(name="Р", email="r@example.com")
    get_user_model().objects.create_user("taken@example.com")
    response = operator.post(
        reverse("admin:accounts_client_add"),
        {"reseller": reseller.pk, "name": "ООО Тест", "inn": "", "email": "taken@example.com"},
    )
    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    assert Client.objects.count() == 0


def test_reseller_plan_actions_call_the_services(operator):
    plan = ResellerPlanFactory(status=ResellerPlan.Status.INACTIVE, is_published=False)
    url = changelist(ResellerPlan)

    def act(action):
        return operator.post(url, {"action": action, "_selected_action": [plan.pk]})

    # Publishing an inactive plan is refused by the service and reported, not written.
    assert act("publish").status_code == 302
    plan.refresh_from_db()
    assert plan.is_published is False
    act("activate")
    act("publish")
    plan.refresh_from_db()
    assert (plan.status, plan.is_published, plan.activated_at is not None) == (
        ResellerPlan.Status.ACTIVE,
        True,
        True,
    )
    act("deactivate")
    plan.refresh_from_db()
    assert (plan.status, plan.is_published) == (ResellerPlan.Status.INACTIVE, False)


def test_vendor_plan_is_edited_in_the_admin(operator):
    response = operator.post(
        reverse("admin:plans_vendorplan_add"),
        {
            "name": "ESET PROTECT Entry",
            "product_code": "EP-ENTRY",
            "eset_product_code": "110",
            "description": "",
            "is_available": "on",
            "min_seats": 5,
            "max_seats": 250,
            "purchase_price": "96.00",
            "billing_cycle": "30_days",
            "suspension_grace_days": 30,
        },
    )
    assert response.status_code == 302
    assert VendorPlan.objects.get().purchase_price == Decimal("96.00")
    assert VendorPlan.objects.get().eset_product_code == 110
    # Seats: the minimum above the maximum is refused by the model's constraint.
    plan = VendorPlan.objects.get()
    response = operator.post(
        change(VendorPlan, plan.pk),
        {
            "name": plan.name,
            "product_code": plan.product_code,
            "eset_product_code": "110",
            "description": "",
            "is_available": "on",
            "min_seats": 300,
            "max_seats": 250,
            "purchase_price": "96.00",
            "billing_cycle": "30_days",
            "suspension_grace_days": 30,
        },
    )
    assert response.status_code == 200
    plan.refresh_from_db()
    assert plan.min_seats == 5


def test_orders_are_read_only(operator):
    sub = build_graph(1)
    for model, obj in [(Order, sub.order), (Subscription, sub)]:
        model_admin = admin.site._registry[model]
        request = operator.get(changelist(model)).wsgi_request
        assert not model_admin.has_change_permission(request, obj)
    assert SeatChange.objects.filter(subscription=sub).exists()
