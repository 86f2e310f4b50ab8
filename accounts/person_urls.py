"""Pages every person has, outside the panel and the portal (mounted at the site's root):
the invitation link, "forgot password", the language switch."""

from django.urls import path

from . import person_views as views

urlpatterns = [
    path(
        "invite/<int:invitation_id>/<str:token>/",
        views.invitation_page,
        name="invitation-accept",
    ),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    # The operator admin's login shows its "forgot password" link when this name exists.
    path("admin/password_reset/", views.PasswordResetView.as_view(), name="admin_password_reset"),
    path("i18n/setlang/", views.language_switch, name="set_language"),
]
