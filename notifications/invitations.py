"""The invitation (DESIGN.md §3) as a notification: accounts announces it
(accounts.signals.person_invited) and this writes the journal row in the inviting
transaction; the e-mail, sent after commit by the outbox drain, gets the link at the moment
of sending. The journal's stored text never holds the link: its token is a secret
(accounts.invitations) and the journal is read by the reseller's staff."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import get_template
from django.utils import translation

from accounts.invitations import invitation_path
from accounts.models import Invitation, Membership
from core.clock import MOSCOW

from .models import Notification, NotificationKind
from .services import NotificationSpec, notify
from .texts import payload_context


def invitation_payload(invitation: Invitation) -> dict:
    user = invitation.user
    membership = Membership.objects.select_related("reseller", "client").get(user=user)
    local = invitation.expires_at.astimezone(MOSCOW)
    return {
        "invitation": invitation.pk,
        "login": user.get_username(),
        "reseller": invitation.reseller.name,
        "client": membership.client.name if membership.client is not None else "",
        "face": "portal" if membership.client_id else "panel",
        "role": membership.role,
        "expires_on": local.date().isoformat(),
        "expires_time": local.strftime("%H:%M"),
    }


def on_person_invited(sender, *, invitation: Invitation, **kwargs) -> None:
    """The receiver of accounts.signals.person_invited (connected in apps.py)."""
    notify(
        specs=[
            NotificationSpec(
                kind=NotificationKind.INVITATION,
                key=f"invitation:{invitation.pk}",
                reseller_id=invitation.reseller_id,
                client_id=invitation.client_id,
                subscription_id=None,
                recipient_id=invitation.user_id,
                email_to=invitation.user.email,
                payload=invitation_payload(invitation),
            )
        ],
        at=invitation.created_at,
    )


def invitation_link(invitation_id: int) -> str:
    invitation = Invitation.objects.select_related("user").filter(pk=invitation_id).first()
    if invitation is None:
        return ""
    return settings.SITE_URL.rstrip("/") + invitation_path(invitation)


def email_text(notification: Notification) -> tuple[str, str]:
    """What the e-mail of a notification says: the journal's record, except an invitation,
    which is rendered again with its link (in Russian, as the record is)."""
    if notification.kind != NotificationKind.INVITATION:
        return notification.subject, notification.body
    context = payload_context(notification.payload or {})
    context["link"] = invitation_link(int((notification.payload or {}).get("invitation") or 0))
    with translation.override("ru"):
        text = get_template("notifications/invitation.txt").render(context).strip()
    subject, _sep, body = text.partition("\n")
    return subject.strip(), body.strip()
