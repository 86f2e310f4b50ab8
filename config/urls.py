from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from api.panel_urls import panel_urls as api_panel_urls
from api.panel_urls import portal_urls as api_portal_urls
from billing.statement_views import admin_statement
from billing.urls import dashboard_urls, statement_urls
from documents.act_urls import panel_act_urls, panel_statement_urls, portal_act_urls
from documents.urls import client_invoice_urls
from orders.urls import subscription_urls


class FaviconRedirect(RedirectView):
    """Browsers ask /favicon.ico of pages that link no icon (the API's JSON, a PDF): the
    product's one icon, static/favicon.svg, which every base template links."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("favicon.svg")


urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("favicon.ico", FaviconRedirect.as_view()),
    # Invitation links, "forgot password" (also the admin's), the language switch.
    path("", include("accounts.person_urls")),
    # The distributor's statement (DESIGN.md §13): the operator's page beside the admin's.
    path(
        "admin/statement/",
        admin.site.admin_view(admin_statement),
        name="admin-distributor-statement",
    ),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # The reseller panel (DESIGN.md §8): each app serves its own pages under /panel/.
    path("panel/plans/", include("plans.urls")),
    path("panel/orders/", include("orders.urls")),
    path("panel/subscriptions/", include(subscription_urls)),
    path("panel/payments/", include("billing.urls")),
    path("panel/notifications/", include("notifications.urls")),
    path("panel/eset-usage/", include("eset_gateway.urls")),
    path("panel/dashboard/", include(dashboard_urls)),
    path("panel/statement/", include(statement_urls)),
    path("panel/tokens/", include(api_panel_urls)),
    path("panel/invoices/", include("documents.urls")),
    path("panel/clients/<int:client_id>/invoices/", include(client_invoice_urls)),
    path("panel/statements/", include("documents.statement_urls")),
    path("panel/acts/", include(panel_act_urls)),
    path("panel/clients/<int:client_id>/statement/", include(panel_statement_urls)),
    path("panel/", include("accounts.urls")),
    path("portal/tokens/", include(api_portal_urls)),
    path("portal/invoices/", include("documents.portal_urls")),
    path("portal/acts/", include(portal_act_urls)),
    path("portal/", include("accounts.portal_urls")),
    path("api/", include("api.urls")),
]

if settings.ESET_MOCK_ENABLED:
    urlpatterns.append(path("eset-mock/", include("eset_gateway.mock.urls")))

# The product's error pages (config.views); with DEBUG on, its middleware stands in for them.
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
