from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # The reseller panel (DESIGN.md §8): each app serves its own pages under /panel/.
    path("panel/plans/", include("plans.urls")),
    path("panel/", include("accounts.urls")),
]

if settings.ESET_MOCK_ENABLED:
    urlpatterns.append(path("eset-mock/", include("eset_gateway.mock.urls")))
