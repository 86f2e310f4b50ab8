"""The client portal, mounted under /portal/."""

from django.urls import path

from . import portal_views as views
from .requisites_views import portal_requisites

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.PortalLoginView.as_view(), name="login"),
    path("logout/", views.PortalLogoutView.as_view(), name="logout"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/<int:plan_id>/order/", views.plan_order, name="plan-order"),
    path("orders/", views.orders, name="orders"),
    path("orders/<int:order_id>/", views.order_detail, name="order"),
    path("orders/<int:order_id>/confirm/", views.order_confirm, name="order-confirm"),
    path("orders/<int:order_id>/cancel/", views.order_cancel, name="order-cancel"),
    path("subscriptions/", views.subscription_list, name="subscriptions"),
    path("subscriptions/<int:subscription_id>/", views.subscription_detail, name="subscription"),
    path("subscriptions/<int:subscription_id>/seats/", views.subscription_seats, name="seats"),
    path(
        "subscriptions/<int:subscription_id>/seats/cancel/",
        views.seat_change_cancel,
        name="seat-change-cancel",
    ),
    path(
        "subscriptions/<int:subscription_id>/auto-renew/",
        views.subscription_auto_renew,
        name="auto-renew",
    ),
    path(
        "subscriptions/<int:subscription_id>/cancel/",
        views.subscription_cancel,
        name="subscription-cancel",
    ),
    path("balance/", views.balance, name="balance"),
    path("people/", views.people, name="people"),
    path("people/<int:membership_id>/remove/", views.person_remove_view, name="person-remove"),
    path("people/<int:membership_id>/resend/", views.person_resend, name="person-resend"),
    path("profile/", views.profile, name="profile"),
    path("requisites/", portal_requisites, name="requisites"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:notification_id>/", views.notification_detail, name="notification"),
    path(
        "notifications/<int:notification_id>/read/",
        views.notification_read,
        name="notification-read",
    ),
]
