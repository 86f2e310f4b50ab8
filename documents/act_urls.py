"""The acts' and statements' pages: /panel/acts/, /panel/clients/<id>/statement/,
/portal/acts/ (mounted in config.urls)."""

from django.urls import path

from . import act_portal_views, act_views

panel_act_urls = (
    [
        path("", act_views.act_index, name="list"),
        path("<int:act_id>/", act_views.act_detail, name="detail"),
        path("<int:act_id>/pdf/", act_views.act_pdf, name="pdf"),
    ],
    "acts",
)

# Mounted at /panel/clients/<int:client_id>/statement/.
panel_statement_urls = (
    [path("", act_views.client_statement, name="client")],
    "reconciliation",
)

portal_act_urls = (
    [
        path("", act_portal_views.act_index, name="list"),
        path("statement/", act_portal_views.statement, name="statement"),
        path("<int:act_id>/", act_portal_views.act_detail, name="detail"),
        path("<int:act_id>/pdf/", act_portal_views.act_pdf, name="pdf"),
    ],
    "portal-acts",
)
