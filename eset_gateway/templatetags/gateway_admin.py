"""The gateway's health line on the operator's front page (templates/admin/index.html)."""

from __future__ import annotations

from django import template

from ..selectors import GatewayHealth, gateway_health

register = template.Library()


@register.simple_tag
def eset_gateway_health() -> GatewayHealth:
    return gateway_health()
