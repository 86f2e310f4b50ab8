"""`{% audit_row event as row %}`: an audit event's object and its before → after in words."""

from django import template

from accounts.audit_text import changes_of, object_text

register = template.Library()


@register.simple_tag
def audit_row(event) -> dict:
    return {"object": object_text(event), "changes": changes_of(event)}
