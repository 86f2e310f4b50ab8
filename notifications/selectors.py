"""Reads of the notification journal (S9), scoped by the tenant the caller passes in."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import Client, Reseller
from config.errors import NotFound

from .models import Notification, NotificationKind

READ_FILTERS = ("unread", "read")


def notification_list(
    *,
    reseller: Reseller,
    client_id: int | None = None,
    kind: str | None = None,
    read: str | None = None,
) -> QuerySet[Notification]:
    """Every notification of the reseller and of its clients, newest first. `read` is
    "unread", "read" or anything else for both."""
    notifications = Notification.objects.filter(reseller=reseller).select_related("client")
    if client_id is not None:
        notifications = notifications.filter(client_id=client_id)
    return _filtered(notifications, kind=kind, read=read)


def _filtered(
    notifications: QuerySet[Notification], *, kind: str | None, read: str | None
) -> QuerySet[Notification]:
    if kind in NotificationKind.values:
        notifications = notifications.filter(kind=kind)
    if read == "unread":
        notifications = notifications.filter(read_at__isnull=True)
    elif read == "read":
        notifications = notifications.filter(read_at__isnull=False)
    return notifications.order_by("-created_at", "-id")


def notification_unread_count(*, reseller: Reseller) -> int:
    return Notification.objects.filter(reseller=reseller, read_at__isnull=True).count()


def notification_get(*, reseller: Reseller, notification_id: int) -> Notification:
    """Another reseller's notification is not found: its existence stays hidden."""
    notification = (
        Notification.objects.filter(reseller=reseller, pk=notification_id)
        .select_related("client", "subscription", "recipient")
        .first()
    )
    if notification is None:
        raise NotFound(_("Уведомление не найдено."), field="notification")
    return notification


# --------------------------------------------------------------------------- the portal


def client_notification_list(
    *, client: Client, kind: str | None = None, read: str | None = None
) -> QuerySet[Notification]:
    """The client's own journal (S9): what was addressed to its people, newest first. The
    reseller's copies of the same events (no recipient) stay in the reseller's journal."""
    notifications = Notification.objects.filter(client=client, recipient__isnull=False)
    return _filtered(notifications.select_related("subscription"), kind=kind, read=read)


def client_notification_unread_count(*, client: Client) -> int:
    return client_notification_list(client=client).filter(read_at__isnull=True).count()


def client_notification_get(*, client: Client, notification_id: int) -> Notification:
    """Another client's notification, or the reseller's copy, is not found."""
    notification = client_notification_list(client=client).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound(_("Уведомление не найдено."), field="notification")
    return notification
