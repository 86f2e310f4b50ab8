"""The «API-токены» pages: `panel_urls` under /panel/tokens/, `portal_urls` under
/portal/tokens/ (config/urls.py)."""

from django.urls import path

from . import panel_views as views

panel_urls = (
    [
        path("", views.panel_tokens, name="list"),
        path("<int:token_id>/revoke/", views.panel_revoke, name="revoke"),
    ],
    "panel-tokens",
)

portal_urls = (
    [
        path("", views.portal_tokens, name="list"),
        path("<int:token_id>/revoke/", views.portal_revoke, name="revoke"),
    ],
    "portal-tokens",
)
