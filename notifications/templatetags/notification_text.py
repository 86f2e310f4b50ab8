"""`{{ notification|subject }}` and `{{ notification|body }}` in the reader's language."""

from django import template

from notifications.models import Notification
from notifications.texts import notification_text

register = template.Library()


@register.filter
def subject(notification: Notification) -> str:
    return notification_text(notification).subject


@register.filter
def body(notification: Notification) -> str:
    return notification_text(notification).body
