"""The reseller panel's sign-in and client pages, mounted under /panel/."""

from django.urls import path

from billing import correction_views

from . import audit_views, requisites_views, views

app_name = "accounts"

urlpatterns = [
    path("", views.panel_home, name="panel-home"),
    path("login/", views.PanelLoginView.as_view(), name="login"),
    path("logout/", views.PanelLogoutView.as_view(), name="logout"),
    path("audit/", audit_views.audit_list, name="audit"),
    path("clients/", views.client_list, name="client-list"),
    path("clients/new/", views.client_new, name="client-new"),
    path("clients/<int:client_id>/", views.client_detail, name="client-detail"),
    path("clients/<int:client_id>/refund/", correction_views.client_refund, name="client-refund"),
    path("clients/<int:client_id>/adjust/", correction_views.client_adjust, name="client-adjust"),
    path(
        "clients/<int:client_id>/invitation/",
        views.client_invitation_resend,
        name="client-invitation",
    ),
    path(
        "clients/<int:client_id>/requisites/",
        requisites_views.client_requisites,
        name="client-requisites",
    ),
    path("requisites/", requisites_views.reseller_requisites, name="requisites"),
    path("staff/", views.staff, name="staff"),
    path("staff/<int:membership_id>/remove/", views.staff_remove, name="staff-remove"),
    path("staff/<int:membership_id>/resend/", views.staff_resend, name="staff-resend"),
    path("profile/", views.profile, name="profile"),
    path("settings/reminders/", views.reminder_settings, name="reminder-settings"),
]
