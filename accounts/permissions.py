"""Who may do what (DESIGN.md §3, §9): one table, asked by the panel, the portal and the
API alike. A person acts for one tenant (a reseller or a client) with one role; the
table names, per side and role, the actions allowed. Reading is allowed to every role
of the tenant; the tenant itself is decided by the selectors (another tenant's object
is a 404 before any role is asked)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.errors import Forbidden

from .models import Membership
from .selectors import membership_for


class Action(models.TextChoices):
    PLANS_MANAGE = "plans_manage", gettext_lazy("тарифные планы: активация, цена, публикация")
    CLIENTS_MANAGE = "clients_manage", gettext_lazy("клиенты: создание и изменение")
    ORDERS_MANAGE = "orders_manage", gettext_lazy("заказы: создание, подтверждение, отмена")
    SUBSCRIPTIONS_MANAGE = (
        "subscriptions_manage",
        gettext_lazy("подписки: число мест и автопродление"),
    )
    SUBSCRIPTIONS_CANCEL = "subscriptions_cancel", gettext_lazy("отмена подписки сейчас")
    PAYMENTS_REGISTER = "payments_register", gettext_lazy("регистрация платежей")
    CORRECTIONS = "corrections", gettext_lazy("сторно, возвраты, корректировки")
    DOCUMENTS = "documents", gettext_lazy("счета, акты, сверки")
    STATEMENTS_IMPORT = "statements_import", gettext_lazy("загрузка банковских выписок")
    EXPORTS = "exports", gettext_lazy("выгрузки списков")
    STAFF_MANAGE = "staff_manage", gettext_lazy("сотрудники реселлера")
    PEOPLE_MANAGE = "people_manage", gettext_lazy("пользователи клиента")
    REQUISITES_MANAGE = "requisites_manage", gettext_lazy("реквизиты")
    AUDIT_READ = "audit_read", gettext_lazy("журнал аудита")
    SETTINGS_MANAGE = "settings_manage", gettext_lazy("настройки реселлера")


R = Membership.Role
A = Action
RESELLER, CLIENT = "reseller", "client"

# (side, role) → the actions allowed. Anything absent is refused.
TABLE: dict[tuple[str, str], frozenset[str]] = {
    (RESELLER, R.ADMIN): frozenset(A.values),
    (RESELLER, R.MANAGER): frozenset(
        {
            A.CLIENTS_MANAGE,
            A.ORDERS_MANAGE,
            A.SUBSCRIPTIONS_MANAGE,
            A.SUBSCRIPTIONS_CANCEL,
            A.PAYMENTS_REGISTER,
            A.DOCUMENTS,
            A.EXPORTS,
        }
    ),
    (RESELLER, R.ACCOUNTANT): frozenset(
        {
            A.PAYMENTS_REGISTER,
            A.CORRECTIONS,
            A.DOCUMENTS,
            A.STATEMENTS_IMPORT,
            A.EXPORTS,
        }
    ),
    (CLIENT, R.OWNER): frozenset(
        {
            A.ORDERS_MANAGE,
            A.SUBSCRIPTIONS_MANAGE,
            A.SUBSCRIPTIONS_CANCEL,
            A.DOCUMENTS,
            A.EXPORTS,
            A.PEOPLE_MANAGE,
            A.REQUISITES_MANAGE,
        }
    ),
    (CLIENT, R.ADMIN): frozenset(
        {
            A.ORDERS_MANAGE,
            A.SUBSCRIPTIONS_MANAGE,
            A.SUBSCRIPTIONS_CANCEL,
            A.DOCUMENTS,
            A.EXPORTS,
            A.PEOPLE_MANAGE,
        }
    ),
    (CLIENT, R.ACCOUNTANT): frozenset({A.DOCUMENTS, A.EXPORTS}),
    (CLIENT, R.VIEWER): frozenset(),
}

# The roles each side may give its people (the client's owner is made with the client).
ROLES = {
    RESELLER: (R.ADMIN, R.MANAGER, R.ACCOUNTANT),
    CLIENT: (R.ADMIN, R.ACCOUNTANT, R.VIEWER),
}


def side_and_role(membership: Membership | None) -> tuple[str, str] | None:
    if membership is None:
        return None
    side = RESELLER if membership.reseller_id else CLIENT
    return side, membership.role


def allowed(membership: Membership | None, action: str) -> bool:
    key = side_and_role(membership)
    return key is not None and action in TABLE.get(key, frozenset())


def can(user, action: str) -> bool:
    """Whether `user` may do `action` for its own tenant."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return allowed(membership_for(user=user), action)


def require(user, action: str) -> None:
    """Refuses with a 403 (Forbidden) what the role does not allow; writes nothing."""
    if not can(user, action):
        raise Forbidden(
            _("Ваша роль не позволяет это действие: %(action)s.")
            % {"action": Action(action).label},
        )


def actions_of(user) -> frozenset[str]:
    """Every action the user's role allows: templates show only these (DESIGN.md §8)."""
    key = side_and_role(membership_for(user=user)) if user is not None else None
    return TABLE.get(key, frozenset()) if key else frozenset()
