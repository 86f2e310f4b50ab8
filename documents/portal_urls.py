"""The portal's invoice pages, under /portal/invoices/."""

from django.urls import path

from . import portal_views as views

app_name = "portal-invoices"

urlpatterns = [
    path("", views.invoice_index, name="list"),
    path("new/", views.invoice_new, name="new"),
    path("<int:invoice_id>/", views.invoice_detail, name="detail"),
    path("<int:invoice_id>/pdf/", views.invoice_pdf, name="pdf"),
]
