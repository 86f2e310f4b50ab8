"""The one table of who may do what (accounts.permissions, DESIGN.md §3)."""

import pytest

from accounts.models import Membership
from accounts.permissions import CLIENT, RESELLER, TABLE, Action, allowed, can, require
from config.errors import Forbidden
from tests.factories import ClientFactory, ResellerFactory, UserFactory

R = Membership.Role
EXPECTED = {
    (RESELLER, R.ADMIN): set(Action.values),
    (RESELLER, R.MANAGER): {
        "clients_manage",
        "orders_manage",
        "subscriptions_manage",
        "subscriptions_cancel",
        "payments_register",
        "documents",
        "exports",
    },
    (RESELLER, R.ACCOUNTANT): {
        "payments_register",
        "corrections",
        "documents",
        "statements_import",
        "exports",
    },
    (CLIENT, R.OWNER): {
        "orders_manage",
        "subscriptions_manage",
        "subscriptions_cancel",
        "documents",
        "exports",
        "people_manage",
        "requisites_manage",
    },
    (CLIENT, R.ADMIN): {
        "orders_manage",
        "subscriptions_manage",
        "subscriptions_cancel",
        "documents",
        "exports",
        "people_manage",
    },
    (CLIENT, R.ACCOUNTANT): {"documents", "exports"},
    (CLIENT, R.VIEWER): set(),
}


def test_the_table_is_the_design():
    assert {key: set(actions) for key, actions in TABLE.items()} == EXPECTED


@pytest.mark.django_db
@pytest.mark.parametrize("key", list(EXPECTED), ids=lambda k: f"{k[0]}:{k[1]}")
@pytest.mark.parametrize("action", Action.values)
def test_every_role_and_action(key, action):
    side, role = key
    user = UserFactory()
    if side == RESELLER:
        Membership.objects.create(user=user, reseller=ResellerFactory(), role=role)
    else:
        Membership.objects.create(user=user, client=ClientFactory(), role=role)
    assert can(user, action) is (action in EXPECTED[key])
    if action in EXPECTED[key]:
        require(user, action)
    else:
        with pytest.raises(Forbidden):
            require(user, action)


@pytest.mark.django_db
def test_nobody_without_a_membership_may_do_anything():
    user = UserFactory()
    assert not any(can(user, action) for action in Action.values)
    assert not allowed(None, Action.PAYMENTS_REGISTER)
