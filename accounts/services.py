from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User as UserModel
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import Conflict, ValidationError, errors_collect

from .audit import audit_record
from .invitations import invitation_send, password_check
from .models import (
    REMINDER_DAYS_COUNT_MAX,
    REMINDER_DAYS_MAX,
    REMINDER_DAYS_MIN,
    AuditAction,
    Client,
    Invitation,
    Membership,
    Requisites,
    Reseller,
    VatMode,
)
from .permissions import CLIENT, RESELLER, ROLES
from .requisites import account_clean, bik_clean, inn_clean, kpp_clean, ogrn_clean

User = get_user_model()


def _clean_name(name: str, *, field: str = "name") -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Укажите название."), field=field)
    if len(name) > 200:
        raise ValidationError(_("Название длиннее 200 символов."), field=field)
    return name


# A client's e-mail is its owner's login, and Django's username holds 150 characters.
EMAIL_MAX = 150


def _clean_email(email: str, *, field: str = "email") -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationError(_("Укажите корректный e-mail."), field=field) from None
    if len(email) > EMAIL_MAX:
        raise ValidationError(
            _("E-mail длиннее %(n)s символов.") % {"n": EMAIL_MAX}, field=field
        ) from None
    return email


def _clean_inn(inn: str) -> str:
    inn = (inn or "").strip()
    if inn and (not inn.isdigit() or len(inn) not in (10, 12)):
        raise ValidationError(_("ИНН состоит из 10 или 12 цифр."), field="inn")
    return inn


@transaction.atomic
def reseller_create(*, name: str, email: str, inn: str = "") -> Reseller:
    return Reseller.objects.create(
        name=_clean_name(name), email=_clean_email(email), inn=_clean_inn(inn)
    )


def _user_create(*, username: str, email: str, password: str | None) -> UserModel:
    try:
        with transaction.atomic():
            user = User(username=username, email=email)
            if password:
                user.set_password(password)
            else:
                user.set_unusable_password()
            user.save()
    except IntegrityError:
        # Another account holds the login: the state refuses it (409 in the API), the input
        # itself is well formed.
        raise Conflict(_("Пользователь с таким e-mail уже существует."), field="email") from None
    return user


@transaction.atomic
def reseller_user_create(
    *,
    reseller: Reseller,
    username: str,
    email: str,
    password: str | None = None,
    role: str = Membership.Role.ADMIN,
    at: datetime | None = None,
    by=None,
) -> UserModel:
    """A staff member of the reseller. Without a password they are sent an invitation to
    set one (DESIGN.md §3)."""
    username = (username or "").strip()
    if not username:
        raise ValidationError(_("Укажите имя пользователя."), field="username")
    if role not in STAFF_ROLES:
        raise ValidationError(_("Выберите роль сотрудника."), field="role")
    user = _user_create(username=username, email=_clean_email(email), password=password)
    Membership.objects.create(user=user, reseller=reseller, role=role)
    if not password:
        invitation_send(user=user, at=_moment(at), by=by)
    return user


def _moment(at: datetime | None) -> datetime:
    # An invitation's week is wall-clock time, not a financial moment: a caller with no
    # moment of its own (the seed, a shell) invites as of now.
    return at if at is not None else timezone.now()


@transaction.atomic
def client_create(
    *,
    reseller: Reseller,
    name: str,
    email: str,
    inn: str = "",
    password: str | None = None,
    address_state: str = "",
    address_city: str = "",
    address_street: str = "",
    address_zip: str = "",
    by=None,
    at: datetime | None = None,
) -> Client:
    """A client of the reseller; its owner (who receives activation data, S9) is a user
    whose login is the client's e-mail. Without a password the owner is sent an invitation
    to set one, in this transaction (DESIGN.md §3). The address may be left for later (the
    API and the admin do not ask for it): an order is then refused until it is given."""
    clean = client_fields_clean(
        name=name,
        email=email,
        inn=inn,
        address_state=address_state,
        address_city=address_city,
        address_street=address_street,
        address_zip=address_zip,
    )
    name, email, inn = clean["name"], clean["email"], clean["inn"]
    address = {field: clean[field] for field in CLIENT_ADDRESS_FIELDS}
    if not reseller.is_active:
        raise ValidationError(_("Реселлер неактивен."), field="reseller")
    owner = _user_create(username=email, email=email, password=password)
    client = Client.objects.create(
        reseller=reseller, name=name, email=email, inn=inn, owner=owner, **address
    )
    Membership.objects.create(user=owner, client=client, role=Membership.Role.OWNER)
    audit_record(
        action=AuditAction.CLIENT_CREATED,
        reseller_id=reseller.pk,
        client_id=client.pk,
        by=by,
        obj=client,
        after={"name": name, "email": email, "inn": inn, **address},
    )
    if not password:
        invitation_send(user=owner, at=_moment(at), by=by)
    return client


ADDRESS_LIMITS = {
    "address_state": 100,
    "address_city": 100,
    "address_street": 200,
    "address_zip": 20,
}


def _clean_address_part(name: str, value: str) -> str:
    value = (value or "").strip()
    if len(value) > ADDRESS_LIMITS[name]:
        raise ValidationError(
            _("Не длиннее %(n)s символов.") % {"n": ADDRESS_LIMITS[name]}, field=name
        )
    return value


def _clean_address(**fields: str) -> dict[str, str]:
    return errors_collect(
        {name: partial(_clean_address_part, name, value) for name, value in fields.items()}
    )


def client_fields_clean(
    *,
    name: str,
    email: str,
    inn: str = "",
    address_state: str = "",
    address_city: str = "",
    address_street: str = "",
    address_zip: str = "",
) -> dict[str, str]:
    """A client's fields cleaned, or every field's refusal at once (ValidationErrors), so
    that the panel's form shows all its mistakes in one round. Writes nothing."""
    return errors_collect(
        {
            "name": partial(_clean_name, name),
            "email": partial(_clean_email, email),
            "inn": partial(_clean_inn, inn),
            "address_state": partial(_clean_address_part, "address_state", address_state),
            "address_city": partial(_clean_address_part, "address_city", address_city),
            "address_street": partial(_clean_address_part, "address_street", address_street),
            "address_zip": partial(_clean_address_part, "address_zip", address_zip),
        }
    )


CLIENT_ADDRESS_FIELDS = ("address_state", "address_city", "address_street", "address_zip")


def client_address_require(*, client: Client) -> None:
    """ESET creates a client's company only with its address (Company/Create/customer):
    a client without one is refused here, naming the field, before a licence is ordered,
    rather than by a command that would fail at ESET."""
    for name in CLIENT_ADDRESS_FIELDS:
        if not (getattr(client, name) or "").strip():
            raise ValidationError(
                _("Укажите адрес клиента (регион, город, улица и дом, индекс): ESET требует его."),
                field=name,
            )


@transaction.atomic
def client_update(
    *,
    client: Client,
    name: str | None = None,
    inn: str | None = None,
    address: dict[str, str] | None = None,
    by=None,
) -> Client:
    """The client's name and INN, checked by the same rules as client_create. The e-mail
    is not changed here: it is the owner's login (S9)."""
    changes: dict[str, str] = {}
    if name is not None:
        changes["name"] = _clean_name(name)
    if inn is not None:
        changes["inn"] = _clean_inn(inn)
    if address is not None:
        changes.update(_clean_address(**{k: address.get(k, "") for k in CLIENT_ADDRESS_FIELDS}))
    if changes:
        before = {key: getattr(client, key) for key in changes}
        Client.objects.filter(pk=client.pk).update(**changes)
        client.refresh_from_db()
        audit_record(
            action=AuditAction.CLIENT_CHANGED,
            reseller_id=client.reseller_id,
            client_id=client.pk,
            by=by,
            obj=client,
            before=before,
            after=changes,
        )
    return client


# --------------------------------------------------------------------------- settings


def _clean_reminder_days(days: str | Sequence[int]) -> list[int]:
    """`"7, 1"` (a form) or `[7, 1]` (code): distinct whole days in range, largest first."""
    field = "reminder_days"
    bounds = {"min": REMINDER_DAYS_MIN, "max": REMINDER_DAYS_MAX}
    if isinstance(days, str):
        tokens: list[object] = [t for t in re.split(r"[\s,;]+", days.strip()) if t]
    elif isinstance(days, Sequence):
        tokens = list(days)
    else:
        raise ValidationError(
            _("Укажите дни от %(min)s до %(max)s через запятую, например «7, 1».") % bounds,
            field=field,
        )
    values: set[int] = set()
    for token in tokens:
        if isinstance(token, str) and token.isascii() and token.isdigit():
            value = int(token)
        elif isinstance(token, int) and not isinstance(token, bool):
            value = token
        else:
            raise ValidationError(
                _(
                    "«%(value)s» — не целое число дней. Укажите дни от %(min)s до %(max)s "
                    "через запятую, например «7, 1»."
                )
                % {"value": token, **bounds},
                field=field,
            )
        if not REMINDER_DAYS_MIN <= value <= REMINDER_DAYS_MAX:
            raise ValidationError(
                _("Напоминать можно за %(min)s–%(max)s дней до окончания периода, не за %(value)s.")
                % {"value": value, **bounds},
                field=field,
            )
        values.add(value)
    if len(values) > REMINDER_DAYS_COUNT_MAX:
        raise ValidationError(
            _("Укажите не больше %(n)s сроков напоминаний, а не %(count)s.")
            % {"n": REMINDER_DAYS_COUNT_MAX, "count": len(values)},
            field=field,
        )
    return sorted(values, reverse=True)


def reminder_days_text(days: Sequence[int]) -> str:
    """`7, 1`: how a form and the audit trail show the thresholds."""
    return ", ".join(str(d) for d in days)


@transaction.atomic
def reseller_set_reminder_days(
    *, reseller: Reseller, days: str | Sequence[int], at: datetime | None = None, by=None
) -> Reseller:
    """How many days before a period's end its renewal reminders go out (DESIGN.md §4.10).
    An empty list sends none."""
    cleaned = _clean_reminder_days(days)
    locked = Reseller.objects.select_for_update().get(pk=reseller.pk)
    before = list(locked.reminder_days or [])
    if before != cleaned:
        Reseller.objects.filter(pk=reseller.pk).update(reminder_days=cleaned)
        audit_record(
            action=AuditAction.REMINDER_DAYS_CHANGED,
            reseller_id=reseller.pk,
            at=at,
            by=by,
            obj=reseller,
            before={"reminder_days": reminder_days_text(before)},
            after={"reminder_days": reminder_days_text(cleaned)},
        )
    reseller.reminder_days = cleaned
    return reseller


# --------------------------------------------------------------------------- people

# The roles each side gives its people: the one table's (accounts.permissions).
STAFF_ROLES: tuple[str, ...] = tuple(ROLES[RESELLER])
CLIENT_ROLES: tuple[str, ...] = tuple(ROLES[CLIENT])


def _clean_role(role: str, *, allowed: tuple[str, ...]) -> str:
    role = (role or "").strip()
    if role not in allowed:
        raise ValidationError(
            _("Выберите роль из списка: %(roles)s.")
            % {"roles": ", ".join(str(Membership.Role(r).label) for r in allowed)},
            field="role",
        )
    return role


def _invitee(*, email: str) -> UserModel:
    """A new user for the e-mail, or the same person removed earlier (no membership, not
    active) coming back."""
    former = User.objects.filter(username=email, is_active=False, membership__isnull=True).first()
    if former is not None:
        former.is_active = True
        former.email = email
        former.set_unusable_password()
        former.save(update_fields=["is_active", "email", "password"])
        return former
    return _user_create(username=email, email=email, password=None)


@transaction.atomic
def person_invite(
    *,
    email: str,
    role: str,
    at: datetime,
    by=None,
    reseller: Reseller | None = None,
    client: Client | None = None,
) -> Membership:
    """A reseller's staff member (`reseller`) or a client's person (`client`) with a role of
    that side (DESIGN.md §3), sent an invitation to set their password. The client's owner
    is made with the client, never here."""
    if (reseller is None) == (client is None):
        raise ValidationError(_("Укажите реселлера или клиента."), field="tenant")
    email = _clean_email(email)
    role = _clean_role(role, allowed=STAFF_ROLES if reseller is not None else CLIENT_ROLES)
    user = _invitee(email=email)
    membership = Membership.objects.create(user=user, reseller=reseller, client=client, role=role)
    reseller_id = reseller.pk if reseller is not None else client.reseller_id  # type: ignore[union-attr]
    audit_record(
        action=AuditAction.PERSON_INVITED,
        reseller_id=reseller_id,
        client_id=client.pk if client is not None else None,
        at=at,
        by=by,
        obj=user,
        object_type="user",
        after={"email": email, "role": role},
    )
    invitation_send(user=user, at=at, by=by)
    return membership


@transaction.atomic
def invitation_resend(*, membership: Membership, at: datetime, by=None) -> Invitation:
    """A new link for a person who has not set a password yet; the previous link dies."""
    invitation = invitation_send(user=membership.user, at=at, by=by)
    audit_record(
        action=AuditAction.PERSON_INVITED,
        reseller_id=invitation.reseller_id,
        client_id=invitation.client_id,
        at=at,
        by=by,
        object_type="user",
        object_id=membership.user_id,
        after={"email": membership.user.email, "role": membership.role, "resent": True},
    )
    return invitation


@transaction.atomic
def person_remove(*, membership: Membership, at: datetime, by=None) -> None:
    """Takes the person's access away: the membership goes, the user can no longer sign in
    (kept, not deleted: payments and the audit trail name them), open links die."""
    locked = (
        # Only the membership row is locked (PostgreSQL refuses FOR UPDATE on the nullable
        # side of the outer join to the client).
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "client")
        .filter(pk=membership.pk)
        .first()
    )
    if locked is None:
        raise Conflict(_("Пользователь уже удалён."), field="membership")
    user = locked.user
    if getattr(by, "pk", None) == user.pk:
        raise Conflict(_("Нельзя удалить самого себя."), field="membership")
    if locked.client is not None and locked.client.owner_id == user.pk:
        raise Conflict(
            _("Владельца клиента удалить нельзя: он получает активационные данные."),
            field="membership",
        )
    if (
        locked.reseller_id is not None
        and locked.role == Membership.Role.ADMIN
        and not Membership.objects.filter(reseller_id=locked.reseller_id, role=locked.role)
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise Conflict(_("Нельзя удалить последнего администратора."), field="membership")
    reseller_id = locked.reseller_id or locked.client.reseller_id  # type: ignore[union-attr]
    audit_record(
        action=AuditAction.PERSON_REMOVED,
        reseller_id=reseller_id,
        client_id=locked.client_id,
        at=at,
        by=by,
        object_type="user",
        object_id=user.pk,
        before={"email": user.email, "role": locked.role},
    )
    Invitation.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=at
    )
    locked.delete()
    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["is_active", "password"])


LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)


@transaction.atomic
def person_set_language(*, user, language: str) -> str:
    """The person's UI language, stored with them (DESIGN.md §8)."""
    language = (language or "").strip()
    if language not in LANGUAGES:
        raise ValidationError(
            _("Выберите язык: %(codes)s.") % {"codes": ", ".join(LANGUAGES)}, field="language"
        )
    if not Membership.objects.filter(user=user).update(language=language):
        raise ValidationError(
            _("Язык хранится только у пользователей панели и портала."), field="language"
        )
    return language


@transaction.atomic
def password_change(*, user, old_password: str, new_password: str) -> UserModel:
    """The person's own password; the old one must be given."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.check_password(old_password or ""):
        raise ValidationError(_("Текущий пароль указан неверно."), field="old_password")
    password_check(new_password, user=user, field="new_password1")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return user


# --------------------------------------------------------------------------- requisites

# What each kind of owner keeps (DESIGN.md §3): a client is a buyer, a reseller also sells
# (bank requisites, the signatory, the VAT mode).
CLIENT_REQUISITES_FIELDS: tuple[str, ...] = ("legal_name", "inn", "kpp", "ogrn", "legal_address")
RESELLER_REQUISITES_FIELDS: tuple[str, ...] = (
    *CLIENT_REQUISITES_FIELDS,
    "bank_name",
    "bik",
    "corr_account",
    "account",
    "signatory_name",
    "signatory_position",
    "vat_mode",
)
# What a reseller's invoice cannot go without (documents.services.invoice_issue asks).
RESELLER_REQUISITES_REQUIRED: tuple[str, ...] = (
    "legal_name",
    "inn",
    "legal_address",
    "bank_name",
    "bik",
    "corr_account",
    "account",
    "signatory_name",
)
_TEXT_LIMITS = {
    "legal_name": 300,
    "legal_address": 500,
    "bank_name": 300,
    "signatory_name": 200,
    "signatory_position": 200,
}


def requisites_fields(owner: Reseller | Client) -> tuple[str, ...]:
    return RESELLER_REQUISITES_FIELDS if isinstance(owner, Reseller) else CLIENT_REQUISITES_FIELDS


def requisites_missing(requisites: Requisites | None) -> list[str]:
    """The required fields of a reseller's requisites that are empty (all of them when
    there are none), in the form's order."""
    return [
        name
        for name in RESELLER_REQUISITES_REQUIRED
        if requisites is None or not getattr(requisites, name)
    ]


def _requisites_clean(*, owner: Reseller | Client, data: dict) -> dict[str, str]:
    allowed = requisites_fields(owner)
    for key in data:
        if key not in allowed:
            raise ValidationError(
                _("Это поле не относится к реквизитам: %(field)s.") % {"field": key}, field=key
            )
    raw = {name: str(data.get(name) or "").strip() for name in allowed}
    for name, limit in _TEXT_LIMITS.items():
        if name in raw and len(raw[name]) > limit:
            raise ValidationError(_("Не длиннее %(n)s символов.") % {"n": limit}, field=name)
    if not raw["legal_name"]:
        raise ValidationError(_("Укажите полное наименование."), field="legal_name")
    clean = dict(raw)
    clean["inn"] = inn_clean(raw["inn"])
    if not clean["inn"]:
        raise ValidationError(_("Укажите ИНН."), field="inn")
    clean["kpp"] = kpp_clean(raw["kpp"])
    clean["ogrn"] = ogrn_clean(raw["ogrn"])
    company = len(clean["inn"]) == 10
    # An organisation has a KPP and a 13-digit OGRN; a sole trader (12-digit INN) has
    # neither KPP nor OGRN but a 15-digit OGRNIP.
    if company and not clean["kpp"]:
        raise ValidationError(_("Укажите КПП: у организации он есть."), field="kpp")
    if not company and clean["kpp"]:
        raise ValidationError(
            _("У индивидуального предпринимателя нет КПП: оставьте поле пустым."), field="kpp"
        )
    if clean["ogrn"] and len(clean["ogrn"]) != (13 if company else 15):
        raise ValidationError(
            _("У организации ОГРН из 13 цифр.")
            if company
            else _("У индивидуального предпринимателя ОГРНИП из 15 цифр."),
            field="ogrn",
        )
    if isinstance(owner, Reseller):
        clean["bik"] = bik_clean(raw["bik"])
        clean["corr_account"] = account_clean(
            raw["corr_account"], bik=clean["bik"], field="corr_account", correspondent=True
        )
        clean["account"] = account_clean(raw["account"], bik=clean["bik"], field="account")
        vat_mode = raw["vat_mode"] or VatMode.STANDARD
        if vat_mode not in VatMode.values:
            raise ValidationError(
                _("Выберите режим НДС: «Без НДС» или по ставке на дату документа."),
                field="vat_mode",
            )
        clean["vat_mode"] = vat_mode
    return clean


@transaction.atomic
def requisites_save(
    *, owner: Reseller | Client, data: dict, by=None, at: datetime | None = None
) -> Requisites:
    """Writes the requisites of a reseller or a client (DESIGN.md §13), every number
    checked (accounts.requisites). `data` holds the owner kind's fields; absent ones are
    emptied. The INN is the owner's too (the one the bank import matches a payer by)."""
    if not isinstance(owner, Reseller | Client):
        raise ValidationError(_("Реквизиты бывают у реселлера или клиента."), field="owner")
    clean = _requisites_clean(owner=owner, data=data or {})
    if isinstance(owner, Reseller):
        requisites, _created = Requisites.objects.get_or_create(reseller=owner)
    else:
        requisites, _created = Requisites.objects.get_or_create(client=owner)
    requisites = Requisites.objects.select_for_update().get(pk=requisites.pk)
    before = {name: getattr(requisites, name) for name in clean}
    changed = {name: value for name, value in clean.items() if before[name] != value}
    if not changed and not _created:
        return requisites
    for name, value in clean.items():
        setattr(requisites, name, value)
    requisites.updated_at = _moment(at)
    requisites.save()
    if owner.inn != clean["inn"]:
        type(owner).objects.filter(pk=owner.pk).update(inn=clean["inn"])
        owner.inn = clean["inn"]
    reseller_id = owner.pk if isinstance(owner, Reseller) else owner.reseller_id
    audit_record(
        action=AuditAction.REQUISITES_CHANGED,
        reseller_id=reseller_id,
        client_id=owner.pk if isinstance(owner, Client) else None,
        at=at,
        by=by,
        obj=requisites,
        before={name: before[name] for name in changed},
        after=changed,
    )
    return requisites
