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
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Client, Membership, Reseller
from accounts.permissions import CLIENT, RESELLER, TABLE, Action
from billing.submissions import token_issue
from orders.models import Order, Subscription
from orders.services import order_confirm, order_create
from plans.models import ResellerPlan, VendorPlan
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
    )


def _unusable(username: str):
    user = UserFactory(username=username)
    user.set_unusable_password()
    user.save()
    return user


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
    # -------------------------------------------------------------- the client's API
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
]

# Actions of the table that no face offers on this branch yet: whoever adds the page or
# the endpoint adds its case above and takes the action off this list.
NOT_YET_IN_A_FACE = {
    Action.SUBSCRIPTIONS_CANCEL,
    Action.CORRECTIONS,
    Action.DOCUMENTS,
    Action.STATEMENTS_IMPORT,
    Action.EXPORTS,
    Action.REQUISITES_MANAGE,
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
        Action.STAFF_MANAGE: (
            reverse("accounts:staff"),
            reverse("accounts:staff-remove", args=[w.staff_target.pk]),
        ),
    }
    for action, (page, mark) in shown.items():
        assert (mark in _html(user, page)) == (action in allowed), (role, action)
    client_page = _html(user, reverse("accounts:client-detail", args=[w.client.pk]))
    assert (reverse("orders:new") in client_page) == (Action.ORDERS_MANAGE in allowed)
    assert (reverse("payments:new") in client_page) == (Action.PAYMENTS_REGISTER in allowed)
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
        # The acts and the statement: the menu names them only to whom they open.
        Action.DOCUMENTS: (reverse("portal:home"), f'href="{reverse("portal-acts:list")}"'),
    }
    for action, (page, mark) in shown.items():
        assert (mark in _html(user, page)) == (action in allowed), (role, action)
    order_page = _html(user, reverse("portal:order", args=[w.draft.pk]))
    assert (reverse("portal:order-confirm", args=[w.draft.pk]) in order_page) == (
        Action.ORDERS_MANAGE in allowed
    )
