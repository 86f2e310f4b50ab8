"""The reseller panel's seat-day differences with ESET, mounted under /panel/eset-usage/."""

from django.urls import path

from . import views

app_name = "eset_usage"

urlpatterns = [
    path("", views.usage_difference_index, name="list"),
]
