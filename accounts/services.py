from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User as UserModel
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from config.errors import Conflict, ValidationError

from .audit import audit_record
from .models import AuditAction, Client, Membership, Reseller

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
) -> UserModel:
    username = (username or "").strip()
    if not username:
        raise ValidationError(_("Укажите имя пользователя."), field="username")
    user = _user_create(username=username, email=_clean_email(email), password=password)
    Membership.objects.create(user=user, reseller=reseller, role=role)
    return user


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
) -> Client:
    """A client of the reseller; its owner (who receives activation data, S9) is a user
    whose login is the client's e-mail. The address may be left for later (the API and
    the admin do not ask for it): an order is then refused until it is given."""
    name = _clean_name(name)
    email = _clean_email(email)
    inn = _clean_inn(inn)
    address = _clean_address(
        address_state=address_state,
        address_city=address_city,
        address_street=address_street,
        address_zip=address_zip,
    )
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
    return client


def _clean_address(**fields: str) -> dict[str, str]:
    limits = {"address_state": 100, "address_city": 100, "address_street": 200, "address_zip": 20}
    clean: dict[str, str] = {}
    for name, value in fields.items():
        value = (value or "").strip()
        if len(value) > limits[name]:
            raise ValidationError(_("Не длиннее %(n)s символов.") % {"n": limits[name]}, field=name)
        clean[name] = value
    return clean


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
