"""The reseller panel's order pages (mounted under /panel/orders/) and subscription pages
(`subscription_urls`, mounted under /panel/subscriptions/)."""

from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("", views.order_index, name="list"),
    path("new/", views.order_new, name="new"),
    path("<int:order_id>/", views.order_detail, name="detail"),
    path("<int:order_id>/confirm/", views.order_confirm, name="confirm"),
    path("<int:order_id>/cancel/", views.order_cancel, name="cancel"),
]

subscription_urls = (
    [
        path("", views.subscription_index, name="list"),
        path("<int:subscription_id>/", views.subscription_page, name="detail"),
        path("<int:subscription_id>/seats/", views.subscription_seats, name="seats"),
        path(
            "<int:subscription_id>/seats/cancel/",
            views.seat_change_cancel,
            name="seat-change-cancel",
        ),
        path("<int:subscription_id>/auto-renew/", views.subscription_auto_renew, name="auto-renew"),
        path("<int:subscription_id>/cancel/", views.subscription_cancel, name="cancel"),
    ],
    "subscriptions",
)
