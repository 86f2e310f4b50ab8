"""`{% if request.user|may:"corrections" %}`: pages show only the actions the person's role
allows (DESIGN.md §8); the views refuse the rest (accounts.permissions.require)."""

from django import template

from accounts.permissions import can

register = template.Library()


@register.filter
def may(user, action: str) -> bool:
    return can(user, action)
