"""The eset-mock service's URLconf (config/settings_eset_mock.py): the mock alone."""

from django.urls import include, path

urlpatterns = [path("eset-mock/", include("eset_gateway.mock.urls"))]
