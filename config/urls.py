from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from billing.urls import dashboard_urls
from orders.urls import subscription_urls

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # The reseller panel (DESIGN.md §8): each app serves its own pages under /panel/.
    path("panel/plans/", include("plans.urls")),
    path("panel/orders/", include("orders.urls")),
    path("panel/subscriptions/", include(subscription_urls)),
    path("panel/payments/", include("billing.urls")),
    path("panel/notifications/", include("notifications.urls")),
    path("panel/dashboard/", include(dashboard_urls)),
    path("panel/", include("accounts.urls")),
    path("portal/", include("accounts.portal_urls")),
]

if settings.ESET_MOCK_ENABLED:
    urlpatterns.append(path("eset-mock/", include("eset_gateway.mock.urls")))
