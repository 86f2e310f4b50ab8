"""The reseller panel's payment pages (mounted under /panel/payments/) and its dashboard
(`dashboard_urls`, mounted under /panel/dashboard/) and the distributor's statement
(`statement_urls`, /panel/statement/)."""

from django.urls import path

from . import correction_views, statement_views, views

app_name = "payments"

urlpatterns = [
    path("", views.payment_index, name="list"),
    path("new/", views.payment_new, name="new"),
    path("<int:payment_id>/", views.payment_detail, name="detail"),
    path("<int:payment_id>/reverse/", correction_views.payment_reverse, name="reverse"),
]

dashboard_urls = ([path("", views.dashboard, name="index")], "dashboard")
statement_urls = ([path("", statement_views.panel_statement, name="index")], "statement")
