from django.urls import path

from . import views
from .access import control_token_required, mock_enabled, token_failures_throttled

app_name = "eset_mock"

# The access checks wrap the views here (eset_gateway/mock/access.py): the mock is served
# only while enabled, its controls need their token, failed Token/Get calls are throttled.
urlpatterns = [
    path("api/<path:call>", mock_enabled(token_failures_throttled(views.api)), name="api"),
    path("_mock/", mock_enabled(control_token_required(views.controls)), name="controls"),
]
