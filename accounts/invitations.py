"""Invitations (DESIGN.md §3): a one-time link to set a password, valid for a week, sent
when a person is created without a password and again on request (a resend closes the
previous link).

The link's token is never stored, not even as a hash: like Django's password-reset token
it is an HMAC (salted with SECRET_KEY) of the invitation row and the person's password
hash, so it is recomputed to be checked, and setting a password makes it worthless. The
e-mail puts it into the link at the moment of sending (notifications.invitations); the
journal keeps the message without it."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from config.errors import Conflict, NotFound, ValidationError
from core.clock import require_aware

from .models import Invitation, Membership
from .signals import person_invited

User = get_user_model()

INVITATION_VALID = timedelta(days=7)
KEY_SALT = "accounts.Invitation"


def invitation_token(invitation: Invitation) -> str:
    value = (
        f"{invitation.pk}:{invitation.user_id}:{invitation.created_at.timestamp()}:"
        f"{invitation.user.password}"
    )
    return salted_hmac(KEY_SALT, value, algorithm="sha256").hexdigest()[:40]


def invitation_path(invitation: Invitation) -> str:
    """The link's path; notifications prefixes the site's address."""
    return reverse(
        "invitation-accept",
        kwargs={"invitation_id": invitation.pk, "token": invitation_token(invitation)},
    )


@transaction.atomic
def invitation_send(*, user, at: datetime, by=None) -> Invitation:
    """A new link for a person who has no password yet; the open one (if any) is closed.
    A person who already set a password uses «Забыли пароль?» instead."""
    at = require_aware(at)
    # The person's row, locked: two resends at once make one open invitation, not two.
    user = User.objects.select_for_update().get(pk=user.pk)
    membership = Membership.objects.select_related("client").filter(user=user).first()
    if membership is None or not user.is_active:
        raise NotFound(_("Пользователь не найден."), field="user")
    if user.has_usable_password():
        raise Conflict(
            _("Пользователь уже задал пароль: пусть воспользуется ссылкой «Забыли пароль?»."),
            field="user",
        )
    Invitation.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=at
    )
    reseller_id = membership.reseller_id or membership.client.reseller_id  # type: ignore[union-attr]
    invitation = Invitation.objects.create(
        user=user,
        reseller_id=reseller_id,
        client_id=membership.client_id,
        created_by=by if getattr(by, "pk", None) else None,
        created_at=at,
        expires_at=at + INVITATION_VALID,
    )
    invitation.user = user
    person_invited.send(sender=Invitation, invitation=invitation)
    return invitation


def invitation_open(*, invitation_id: int, token: str, at: datetime) -> Invitation:
    """The invitation the link names, if the link is still good. A wrong token, a used or
    a replaced link read the same (nothing about the row is told to a guesser)."""
    at = require_aware(at)
    invitation = (
        Invitation.objects.select_related("user", "client", "reseller")
        .filter(pk=invitation_id)
        .first()
    )
    if (
        invitation is None
        or not constant_time_compare(str(token), invitation_token(invitation))
        or invitation.used_at is not None
        or invitation.revoked_at is not None
        or not invitation.user.is_active
    ):
        raise NotFound(
            _("Ссылка недействительна: она уже использована или заменена новой."), field="token"
        )
    if at >= invitation.expires_at:
        raise Conflict(
            _("Срок действия ссылки истёк. Попросите отправить приглашение ещё раз."),
            field="token",
        )
    return invitation


def password_check(password: str, *, user, field: str = "password") -> str:
    """Django's password validators (settings.AUTH_PASSWORD_VALIDATORS), in one message."""
    password = password or ""
    if not password:
        raise ValidationError(_("Укажите пароль."), field=field)
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationError(" ".join(exc.messages), field=field) from None
    return password


@transaction.atomic
def invitation_accept(*, invitation_id: int, token: str, password: str, at: datetime):
    """Sets the person's password through the link; the link is spent."""
    invitation = invitation_open(invitation_id=invitation_id, token=token, at=at)
    user = User.objects.select_for_update().get(pk=invitation.user_id)
    password_check(password, user=user)
    # Compare-and-set: of two submissions of one link, one sets the password.
    if not Invitation.objects.filter(
        pk=invitation.pk, used_at__isnull=True, revoked_at__isnull=True
    ).update(used_at=at):
        raise NotFound(
            _("Ссылка недействительна: она уже использована или заменена новой."), field="token"
        )
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


def invitation_pending(*, user) -> Invitation | None:
    return (
        Invitation.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
