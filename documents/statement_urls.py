"""The panel's bank statement pages, under /panel/statements/."""

from django.urls import path

from . import statement_views as views

app_name = "statements"

urlpatterns = [
    path("", views.statement_index, name="list"),
    path("upload/", views.statement_upload, name="upload"),
    path("queue/", views.statement_queue_page, name="queue"),
    path("<int:statement_id>/", views.statement_detail, name="detail"),
    path("lines/<int:line_id>/assign/", views.statement_line_assign_page, name="assign"),
    path("lines/<int:line_id>/ignore/", views.statement_line_ignore_page, name="ignore"),
]
