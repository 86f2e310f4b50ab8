"""The reseller panel's notification journal, mounted under /panel/notifications/."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_index, name="list"),
    path("<int:notification_id>/", views.notification_detail, name="detail"),
    path("<int:notification_id>/read/", views.notification_read, name="read"),
    path("<int:notification_id>/resend/", views.notification_resend, name="resend"),
]
