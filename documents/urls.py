"""The panel's invoice pages, under /panel/invoices/ and /panel/clients/<id>/invoices/."""

from django.urls import path

from . import views

app_name = "invoices"

urlpatterns = [
    path("", views.invoice_index, name="list"),
    path("<int:invoice_id>/", views.invoice_detail, name="detail"),
    path("<int:invoice_id>/pdf/", views.invoice_pdf, name="pdf"),
    path("<int:invoice_id>/cancel/", views.invoice_cancel_view, name="cancel"),
    path("<int:invoice_id>/pay/", views.invoice_pay, name="pay"),
]

# Mounted at /panel/clients/<int:client_id>/invoices/ (config.urls).
client_invoice_urls = (
    [path("new/", views.client_invoice_new, name="new")],
    "client-invoices",
)
