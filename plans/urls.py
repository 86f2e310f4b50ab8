"""The reseller panel's tariff plan pages, mounted under /panel/plans/."""

from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("<int:vendor_plan_id>/", views.plan_detail, name="detail"),
    path("<int:vendor_plan_id>/resources/", views.plan_resources, name="resources"),
    path("<int:vendor_plan_id>/resources/workplace/", views.plan_workplace, name="workplace"),
    path("<int:vendor_plan_id>/activate/", views.plan_activate, name="activate"),
    path("<int:vendor_plan_id>/deactivate/", views.plan_deactivate, name="deactivate"),
    path("<int:vendor_plan_id>/publish/", views.plan_publish, name="publish"),
    path("<int:vendor_plan_id>/unpublish/", views.plan_unpublish, name="unpublish"),
]
