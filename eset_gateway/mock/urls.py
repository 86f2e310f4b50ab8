from django.urls import path

from . import views

app_name = "eset_mock"

urlpatterns = [
    path("api/<path:call>", views.api, name="api"),
    path("_mock/", views.controls, name="controls"),
]
