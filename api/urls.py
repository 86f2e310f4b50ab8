"""/api/: the schema (/api/schema/), its browsable docs (/api/docs/, assets served from
drf-spectacular-sidecar, no CDN) and version 1 of the API (/api/v1/)."""

from django.urls import URLPattern, URLResolver, include, path, re_path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from .views import client, common, documents, reseller
from .views.acts import act_urls
from .views.base import IdConverter

app_name = "api"
register_converter(IdConverter, "api_id")


def scope_urls(views, *, balances: bool) -> list[URLPattern | URLResolver]:
    router = SimpleRouter(use_regex_path=False)
    router.register("plans", views.PlanViewSet, basename="plans")
    router.register("orders", views.OrderViewSet, basename="orders")
    router.register("subscriptions", views.SubscriptionViewSet, basename="subscriptions")
    router.register("payments", views.PaymentViewSet, basename="payments")
    router.register("charges", views.ChargeViewSet, basename="charges")
    router.register("notifications", views.NotificationViewSet, basename="notifications")
    # Each scope's invoices (§13): the reseller's also cancel and take payments.
    invoices = documents.InvoiceViewSet if views is reseller else documents.ClientInvoiceViewSet
    router.register("invoices", invoices, basename="invoices")
    if balances:
        router.register("clients", views.ClientViewSet, basename="clients")
        router.register("balances", views.BalanceViewSet, basename="balances")
        router.register("periods", views.PeriodViewSet, basename="periods")
    seat_changes = views.SeatChangeViewSet.as_view({"get": "list", "post": "create"})
    return [
        *router.urls,
        path(
            "subscriptions/<api_id:subscription_pk>/seat-changes/",
            seat_changes,
            name="seat-changes",
        ),
    ]


v1: list[URLPattern | URLResolver] = [
    path("me/", common.MeView.as_view(), name="me"),
    path(
        "reseller/",
        include(([*scope_urls(reseller, balances=True), *act_urls("reseller")], "reseller")),
    ),
    path(
        "client/",
        include(
            (
                [
                    *scope_urls(client, balances=False),
                    path("balance/", client.BalanceView.as_view(), name="balance"),
                    *act_urls("client"),
                ],
                "client",
            )
        ),
    ),
]

# The schema and its docs are public and the same for everyone: nothing to throttle.
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(throttle_classes=[]), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api:schema", throttle_classes=[]),
        name="docs",
    ),
    path("v1/", include(v1)),
    # Anything else under /api/ is the API's JSON 404, not Django's HTML page; [\s\S], not
    # ".", so that a path with a newline in it (`orders/1%0A/`) is caught too.
    re_path(r"^[\s\S]*$", common.NotFoundView.as_view(), name="not-found"),
]
