"""The role table (accounts.permissions, DESIGN.md §3) walked whole, in the pages and the
API: for every role of each side and every action a face offers, an allowed request is
done (something is written) and a refused one is a 403 with not one row changed. Then the
pages: a person sees only the buttons their role allows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Client, Membership, Requisites, Reseller
from accounts.permissions import CLIENT, RESELLER, TABLE, Action
from accounts.services import requisites_save
from billing.submissions import token_issue
from documents.models import Invoice
from documents.services import invoice_issue
from orders.models import Order, Subscription
from orders.services import order_confirm, order_create
from plans.models import ResellerPlan, VendorPlan
from tests.accounts.test_requisites import BUYER, SELLER
from tests.documents.statement_files import ACCOUNT as STATEMENT_ACCOUNT
from tests.documents.statement_files import data as statement_data
from tests.factories import (
    ClientFactory,
    ResellerFactory,
    ResellerPlanFactory,
    UserFactory,
    VendorPlanFactory,
)

pytestmark = pytest.mark.django_db

User = get_user_model()
R = Membership.Role
PROJECT_APPS = (
    "accounts",
    "plans",
    "orders",
    "billing",
    "documents",
    "notifications",
    "eset_gateway",
    "api",
)


def snapshot() -> dict[str, list[dict]]:
    """Every row of every project model (and the users), every column."""
    models = [m for m in apps.get_models() if m._meta.app_label in PROJECT_APPS]
    rows = {m._meta.label: list(m.objects.order_by("pk").values()) for m in models}
    rows["auth.User"] = list(User.objects.order_by("pk").values())
    return rows


@dataclass
class World:
    reseller: Reseller
    vendor_new: VendorPlan  # in the catalogue, not activated by the reseller
    plan: ResellerPlan  # active and published
    client: Client
    draft: Order
    subscription: Subscription  # awaiting payment, auto-renew on
    staff_target: Membership  # a manager invited, no password yet
    person_target: Membership  # a client's viewer invited, no password yet
    people: dict[tuple[str, str], object]
    invoice: Invoice  # issued to the client, unpaid (the reseller's requisites are filled)


@pytest.fixture
def w() -> World:
    reseller = ResellerFactory()
    vendor_new = VendorPlanFactory(min_seats=1, max_seats=50)
    plan = ResellerPlanFactory(reseller=reseller, seat_price=Decimal("100.00"))
    client = ClientFactory(reseller=reseller)
    at = timezone.now()
    draft = order_create(client=client, reseller_plan=plan, seats=2, at=at)
    subscription = order_confirm(
        order=order_create(client=client, reseller_plan=plan, seats=3, at=at), at=at
    )
    people: dict[tuple[str, str], object] = {(CLIENT, R.OWNER): client.owner}
    for role in (R.ADMIN, R.MANAGER, R.ACCOUNTANT):
        user = UserFactory(username=f"staff-{role}@walk.example")
        Membership.objects.create(user=user, reseller=reseller, role=role)
        people[(RESELLER, role)] = user
    for role in (R.ADMIN, R.ACCOUNTANT, R.VIEWER):
        user = UserFactory(username=f"client-{role}@walk.example")
        Membership.objects.create(user=user, client=client, role=role)
        people[(CLIENT, role)] = user
    staff_target = Membership.objects.create(
        user=_unusable("target-staff@walk.example"), reseller=reseller, role=R.MANAGER
    )
    person_target = Membership.objects.create(
        user=_unusable("target-person@walk.example"), client=client, role=R.VIEWER
    )
    client.owner.set_unusable_password()
    client.owner.save()
    requisites_save(owner=reseller, data=dict(SELLER), at=at)
    invoice = invoice_issue(client=client, amount=Decimal("100.00"), at=at)
    return World(
        reseller,
        vendor_new,
        plan,
        client,
        draft,
        subscription,
        staff_target,
        person_target,
        people,
        invoice,
    )


def _unusable(username: str):
    user = UserFactory(username=username)
    user.set_unusable_password()
    user.save()
    return user


def _statement_of(reseller: Reseller) -> bytes:
    """A statement with one payment to the reseller's account (its requisites set first:
    the import picks the incoming payments by them)."""
    Requisites.objects.get_or_create(
        reseller=reseller, defaults={"account": STATEMENT_ACCOUNT, "inn": "7707083893"}
    )
    return statement_data("unknown_inn.txt")


# (side, action, face, what the request is) → method, path, body, the status when done
Request = tuple[str, str, dict]


@dataclass(frozen=True)
class Case:
    side: str
    action: str
    face: str  # "page" or "api"
    name: str
    make: Callable[[World], Request]
    done: tuple[int, ...]
    # A read the role table guards (an export): allowed, it answers and writes nothing.
    reads: bool = False

    def __str__(self) -> str:
        return f"{self.side}-{self.action}-{self.face}-{self.name}"


CASES = [
    # -------------------------------------------------------------- the reseller's panel
    Case(
        RESELLER,
        Action.PLANS_MANAGE,
        "page",
        "activate",
        lambda w: ("post", reverse("plans:activate", args=[w.vendor_new.pk]), {}),
        (302,),
    ),
    Case(
        RESELLER,
        Action.PLANS_MANAGE,
        "page",
        "seat-price",
        lambda w: (
            "post",
            reverse("plans:workplace", args=[w.plan.vendor_plan_id]),
            {"seat_price": "150"},
        ),
        (302,),
    ),
    Case(
        RESELLER,
        Action.CLIENTS_MANAGE,
        "page",
        "create",
        lambda w: (
            "post",
            reverse("accounts:client-new"),
            {
                "name": "ООО Новое",
                "email": "new@walk.example",
                "address_state": "Москва",
                "address_city": "Москва",
                "address_street": "ул. Тверская, 1",
                "address_zip": "125009",
            },
        ),
        (302,),
    ),
    Case(
        RESELLER,
        Action.CLIENTS_MANAGE,
        "page",
        "resend-invitation",
        lambda w: ("post", reverse("accounts:client-invitation", args=[w.client.pk]), {}),
        (302,),
    ),
    Case(
        RESELLER,
        Action.ORDERS_MANAGE,
        "page",
        "create",
        lambda w: (
            "post",
            reverse("orders:new"),
            {"client": w.client.pk, "reseller_plan": w.plan.pk, "seats": "2"},
        ),
        (302,),
    ),
    Case(
        RESELLER,
        Action.ORDERS_MANAGE,
        "page",
        "cancel",
        lambda w: ("post", reverse("orders:cancel", args=[w.draft.pk]), {}),
        (302,),
    ),
    Case(
        RESELLER,
        Action.SUBSCRIPTIONS_MANAGE,
        "page",
        "auto-renew",
        lambda w: (
            "post",
            reverse("subscriptions:auto-renew", args=[w.subscription.pk]),
            {"auto_renew": "off"},
        ),
        (302,),
    ),
    Case(
        RESELLER,
        Action.PAYMENTS_REGISTER,
        "page",
        "register",
        lambda w: (
            "post",
            reverse("payments:new") + f"?client={w.client.pk}",
            {"amount": "100", "method": "bank_transfer", "form_token": token_issue()},
        ),
        (302,),
    ),
    Case(
        RESELLER,
        Action.STAFF_MANAGE,
        "page",
        "invite",
        lambda w: (
            "post",
            reverse("accounts:staff"),
            {"email": "new-staff@walk.example", "role": "manager"},
        ),
        (302,),
    ),
    Case(
        RESELLER,
        Action.STAFF_MANAGE,
        "page",
        "resend",
        lambda w: ("post", reverse("accounts:staff-resend", args=[w.staff_target.pk]), {}),
        (302,),
    ),
    Case(
        RESELLER,
        Action.STAFF_MANAGE,
        "page",
        "remove",
        lambda w: ("post", reverse("accounts:staff-remove", args=[w.staff_target.pk]), {}),
        (302,),
    ),
    Case(
        RESELLER,
        Action.SETTINGS_MANAGE,
        "page",
        "reminder-days",
        lambda w: ("post", reverse("accounts:reminder-settings"), {"reminder_days": "10, 3"}),
        (302,),
    ),
    Case(
        RESELLER,
        Action.CLIENTS_MANAGE,
        "page",
        "client-requisites",
        lambda w: ("post", reverse("accounts:client-requisites", args=[w.client.pk]), BUYER),
        (302,),
    ),
    Case(
        RESELLER,
        Action.STATEMENTS_IMPORT,
        "page",
        "upload",
        lambda w: (
            "post",
            reverse("statements:upload"),
            {
                "file": SimpleUploadedFile("kl_to_1c.txt", _statement_of(w.reseller)),
                "form_token": token_issue(),
            },
        ),
        (302,),
    ),
    Case(
        RESELLER,
        Action.REQUISITES_MANAGE,
        "page",
        "own-requisites",
        lambda w: ("post", reverse("accounts:requisites"), {**SELLER, "vat_mode": "none"}),
        (302,),
    ),
    Case(
        RESELLER,
        Action.DOCUMENTS,
        "page",
        "invoice-issue",
        lambda w: (
            "post",
            reverse("client-invoices:new", args=[w.client.pk]),
            {"amount": "250", "form_token": token_issue()},
        ),
        (302,),
    ),
    Case(
        RESELLER,
        Action.DOCUMENTS,
        "page",
        "invoice-cancel",
        lambda w: ("post", reverse("invoices:cancel", args=[w.invoice.pk]), {}),
        (302,),
    ),
    Case(
        RESELLER,
        Action.PAYMENTS_REGISTER,
        "page",
        "invoice-pay",
        lambda w: (
            "post",
            reverse("invoices:pay", args=[w.invoice.pk]),
            {"amount": "100", "method": "bank_transfer", "form_token": token_issue()},
        ),
        (302,),
    ),
    # -------------------------------------------------------------- the reseller's API
    Case(
        RESELLER,
        Action.PLANS_MANAGE,
        "api",
        "activate",
        lambda w: ("post", f"/api/v1/reseller/plans/{w.vendor_new.pk}/activate/", {}),
        (200,),
    ),
    Case(
        RESELLER,
        Action.PLANS_MANAGE,
        "api",
        "seat-price",
        lambda w: (
            "put",
            f"/api/v1/reseller/plans/{w.plan.vendor_plan_id}/seat-price/",
            {"seat_price": "150.00"},
        ),
        (200,),
    ),
    Case(
        RESELLER,
        Action.CLIENTS_MANAGE,
        "api",
        "create",
        lambda w: (
            "post",
            "/api/v1/reseller/clients/",
            {
                "name": "ООО Новое",
                "email": "new@walk.example",
                "address_state": "Москва",
                "address_city": "Москва",
                "address_street": "ул. Тверская, 1",
                "address_zip": "125009",
            },
        ),
        (201,),
    ),
    Case(
        RESELLER,
        Action.CLIENTS_MANAGE,
        "api",
        "update",
        lambda w: ("patch", f"/api/v1/reseller/clients/{w.client.pk}/", {"name": "ООО Иное"}),
        (200,),
    ),
    Case(
        RESELLER,
        Action.ORDERS_MANAGE,
        "api",
        "create",
        lambda w: (
            "post",
            "/api/v1/reseller/orders/",
            {"client": w.client.pk, "reseller_plan": w.plan.pk, "seats": 2},
        ),
        (201,),
    ),
    Case(
        RESELLER,
        Action.ORDERS_MANAGE,
        "api",
        "cancel",
        lambda w: ("post", f"/api/v1/reseller/orders/{w.draft.pk}/cancel/", {}),
        (200,),
    ),
    Case(
        RESELLER,
        Action.SUBSCRIPTIONS_MANAGE,
        "api",
        "auto-renew",
        lambda w: (
            "put",
            f"/api/v1/reseller/subscriptions/{w.subscription.pk}/auto-renew/",
            {"auto_renew": False},
        ),
        (200,),
    ),
    Case(
        RESELLER,
        Action.PAYMENTS_REGISTER,
        "api",
        "register",
        lambda w: (
            "post",
            "/api/v1/reseller/payments/",
            {"client": w.client.pk, "amount": "100.00"},
        ),
        (201,),
    ),
    Case(
        RESELLER,
        Action.DOCUMENTS,
        "api",
        "invoice-issue",
        lambda w: (
            "post",
            "/api/v1/reseller/invoices/",
            {"client": w.client.pk, "amount": "250.00"},
        ),
        (201,),
    ),
    Case(
        RESELLER,
        Action.DOCUMENTS,
        "api",
        "invoice-cancel",
        lambda w: ("post", f"/api/v1/reseller/invoices/{w.invoice.pk}/cancel/", {}),
        (200,),
    ),
    Case(
        RESELLER,
        Action.PAYMENTS_REGISTER,
        "api",
        "invoice-pay",
        lambda w: (
            "post",
            f"/api/v1/reseller/invoices/{w.invoice.pk}/payments/",
            {"amount": "100.00"},
        ),
        (201,),
    ),
    # -------------------------------------------------------------- the client's portal
    Case(
        CLIENT,
        Action.ORDERS_MANAGE,
        "page",
        "create",
        lambda w: ("post", reverse("portal:plan-order", args=[w.plan.pk]), {"seats": "2"}),
        (302,),
    ),
    Case(
        CLIENT,
        Action.ORDERS_MANAGE,
        "page",
        "cancel",
        lambda w: ("post", reverse("portal:order-cancel", args=[w.draft.pk]), {}),
        (302,),
    ),
    Case(
        CLIENT,
        Action.SUBSCRIPTIONS_MANAGE,
        "page",
        "auto-renew",
        lambda w: (
            "post",
            reverse("portal:auto-renew", args=[w.subscription.pk]),
            {"auto_renew": "off"},
        ),
        (302,),
    ),
    Case(
        CLIENT,
        Action.PEOPLE_MANAGE,
        "page",
        "invite",
        lambda w: (
            "post",
            reverse("portal:people"),
            {"email": "new-person@walk.example", "role": "viewer"},
        ),
        (302,),
    ),
    Case(
        CLIENT,
        Action.PEOPLE_MANAGE,
        "page",
        "resend",
        lambda w: ("post", reverse("portal:person-resend", args=[w.person_target.pk]), {}),
        (302,),
    ),
    Case(
        CLIENT,
        Action.PEOPLE_MANAGE,
        "page",
        "remove",
        lambda w: ("post", reverse("portal:person-remove", args=[w.person_target.pk]), {}),
        (302,),
    ),
    Case(
        CLIENT,
        Action.REQUISITES_MANAGE,
        "page",
        "requisites",
        lambda w: ("post", reverse("portal:requisites"), BUYER),
        (302,),
    ),
    Case(
        CLIENT,
        Action.DOCUMENTS,
        "page",
        "invoice-issue",
        lambda w: (
            "post",
            reverse("portal-invoices:new"),
            {"amount": "250", "form_token": token_issue()},
        ),
        (302,),
    ),
    # -------------------------------------------------------------- the client's API
    Case(
        CLIENT,
        Action.DOCUMENTS,
        "api",
        "invoice-issue",
        lambda w: ("post", "/api/v1/client/invoices/", {"amount": "250.00"}),
        (201,),
    ),
    Case(
        CLIENT,
        Action.ORDERS_MANAGE,
        "api",
        "create",
        lambda w: ("post", "/api/v1/client/orders/", {"reseller_plan": w.plan.pk, "seats": 2}),
        (201,),
    ),
    Case(
        CLIENT,
        Action.ORDERS_MANAGE,
        "api",
        "cancel",
        lambda w: ("post", f"/api/v1/client/orders/{w.draft.pk}/cancel/", {}),
        (200,),
    ),
    Case(
        CLIENT,
        Action.SUBSCRIPTIONS_MANAGE,
        "api",
        "auto-renew",
        lambda w: (
            "put",
            f"/api/v1/client/subscriptions/{w.subscription.pk}/auto-renew/",
            {"auto_renew": False},
        ),
        (200,),
    ),
    # -------------------------------------------------------------- exports (reads)
    Case(
        RESELLER,
        Action.EXPORTS,
        "page",
        "payments-csv",
        lambda w: ("get", reverse("payments:list"), {"export": "csv"}),
        (200,),
        reads=True,
    ),
    Case(
        CLIENT,
        Action.EXPORTS,
        "page",
        "orders-xlsx",
        lambda w: ("get", reverse("portal:orders"), {"export": "xlsx"}),
        (200,),
        reads=True,
    ),
]

# Actions of the table that no face offers on this branch yet: whoever adds the page or
# the endpoint adds its case above and takes the action off this list.
NOT_YET_IN_A_FACE = {
    Action.SUBSCRIPTIONS_CANCEL,
    Action.CORRECTIONS,
    Action.AUDIT_READ,
}

ROLES = {side: sorted(role for s, role in TABLE if s == side) for side in (RESELLER, CLIENT)}
WALK = [
    pytest.param(case, role, id=f"{case}-{role}") for case in CASES for role in ROLES[case.side]
]


def test_every_action_of_the_table_is_walked_or_named_as_not_yet_offered():
    walked = {case.action for case in CASES}
    assert walked | NOT_YET_IN_A_FACE == set(Action.values)
    assert not walked & NOT_YET_IN_A_FACE
    # Every side's actions that some role of that side has are walked on that side.
    for side in (RESELLER, CLIENT):
        granted = set().union(*(TABLE[(side, role)] for role in ROLES[side]))
        if side == RESELLER:
            # The reseller's admin holds every action, the client's people included; the
            # panel reaches a client's people only through the client page (the owner's
            # invitation, walked as clients_manage).
            granted -= {Action.PEOPLE_MANAGE}
        assert granted - NOT_YET_IN_A_FACE <= {c.action for c in CASES if c.side == side}


def _signed_in(case: Case, user):
    if case.face == "api":
        api = APIClient()
        api.force_authenticate(user)
        return api
    http = HttpClient()
    http.force_login(user)
    return http


@pytest.mark.parametrize(("case", "role"), WALK)
def test_the_role_table_decides(case: Case, role: str, w: World):
    user = w.people[(case.side, role)]
    allowed = case.action in TABLE[(case.side, role)]
    http = _signed_in(case, user)  # signing in stamps last_login: before the snapshot
    method, path, body = case.make(w)
    before = snapshot()
    if case.face == "api":
        response = getattr(http, method)(path, body, format="json")
    else:
        response = getattr(http, method)(path, body)
    if allowed:
        assert response.status_code in case.done, (response.status_code, response.content[:400])
        if case.reads:
            assert snapshot() == before, "a read wrote something"
        else:
            assert snapshot() != before, "an allowed action wrote nothing"
    else:
        assert response.status_code == 403, (response.status_code, response.content[:400])
        assert snapshot() == before


# --------------------------------------------------------------------------- what is shown


def _html(user, url: str) -> str:
    http = HttpClient()
    http.force_login(user)
    response = http.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


@pytest.mark.parametrize("role", ROLES[RESELLER])
def test_the_panel_shows_only_what_the_role_allows(role, w: World):
    user = w.people[(RESELLER, role)]
    allowed = TABLE[(RESELLER, role)]
    shown = {
        Action.CLIENTS_MANAGE: (
            reverse("accounts:client-list"),
            f'href="{reverse("accounts:client-new")}"',
        ),
        Action.ORDERS_MANAGE: (
            reverse("orders:detail", args=[w.draft.pk]),
            reverse("orders:confirm", args=[w.draft.pk]),
        ),
        Action.PLANS_MANAGE: (
            reverse("plans:detail", args=[w.vendor_new.pk]),
            reverse("plans:activate", args=[w.vendor_new.pk]),
        ),
        Action.SUBSCRIPTIONS_MANAGE: (
            reverse("subscriptions:detail", args=[w.subscription.pk]),
            reverse("subscriptions:auto-renew", args=[w.subscription.pk]),
        ),
        Action.PAYMENTS_REGISTER: (reverse("payments:list"), reverse("payments:new")),
        Action.EXPORTS: (reverse("orders:list"), "export=xlsx"),
        Action.STATEMENTS_IMPORT: (
            reverse("statements:list"),
            f'href="{reverse("statements:upload")}"',
        ),
        Action.DOCUMENTS: (
            reverse("invoices:detail", args=[w.invoice.pk]),
            reverse("invoices:cancel", args=[w.invoice.pk]),
        ),
        Action.REQUISITES_MANAGE: (reverse("accounts:requisites"), 'name="bik"'),
        Action.STAFF_MANAGE: (
            reverse("accounts:staff"),
            reverse("accounts:staff-remove", args=[w.staff_target.pk]),
        ),
        Action.SETTINGS_MANAGE: (reverse("accounts:reminder-settings"), 'name="reminder_days"'),
    }
    for action, (page, mark) in shown.items():
        assert (mark in _html(user, page)) == (action in allowed), (role, action)
    client_page = _html(user, reverse("accounts:client-detail", args=[w.client.pk]))
    assert (reverse("orders:new") in client_page) == (Action.ORDERS_MANAGE in allowed)
    assert (reverse("payments:new") in client_page) == (Action.PAYMENTS_REGISTER in allowed)
    issue = reverse("client-invoices:new", args=[w.client.pk])
    assert (issue in client_page) == (Action.DOCUMENTS in allowed)
    invoice_page = _html(user, reverse("invoices:detail", args=[w.invoice.pk]))
    pay = reverse("invoices:pay", args=[w.invoice.pk])
    assert (pay in invoice_page) == (Action.PAYMENTS_REGISTER in allowed)
    assert (reverse("accounts:client-invitation", args=[w.client.pk]) in client_page) == (
        Action.CLIENTS_MANAGE in allowed
    )


@pytest.mark.parametrize("role", ROLES[CLIENT])
def test_the_portal_shows_only_what_the_role_allows(role, w: World):
    user = w.people[(CLIENT, role)]
    allowed = TABLE[(CLIENT, role)]
    shown = {
        Action.ORDERS_MANAGE: (
            reverse("portal:plans"),
            reverse("portal:plan-order", args=[w.plan.pk]),
        ),
        Action.SUBSCRIPTIONS_MANAGE: (
            reverse("portal:subscription", args=[w.subscription.pk]),
            reverse("portal:auto-renew", args=[w.subscription.pk]),
        ),
        Action.PEOPLE_MANAGE: (
            reverse("portal:people"),
            reverse("portal:person-remove", args=[w.person_target.pk]),
        ),
        Action.EXPORTS: (reverse("portal:orders"), "export=xlsx"),
        Action.DOCUMENTS: (reverse("portal-invoices:list"), reverse("portal-invoices:new")),
        Action.REQUISITES_MANAGE: (reverse("portal:requisites"), 'name="legal_name"'),
    }
    for action, (page, mark) in shown.items():
        assert (mark in _html(user, page)) == (action in allowed), (role, action)
    order_page = _html(user, reverse("portal:order", args=[w.draft.pk]))
    assert (reverse("portal:order-confirm", args=[w.draft.pk]) in order_page) == (
        Action.ORDERS_MANAGE in allowed
    )
