"""The reseller panel's notification journal (S9). Views parse input and delegate to
notifications.services and the tenant-scoped selectors (DESIGN.md §11)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.panel import (
    PanelRequest,
    found_or_404,
    list_export,
    paginate,
    query_without_page,
    reseller_required,
)
from accounts.selectors import client_list
from config.errors import ApplicationError
from config.forms import report_domain_error

from .exports import NOTIFICATIONS
from .forms import JournalFilterForm
from .selectors import notification_get, notification_list, notification_unread_count
from .services import notification_email_resend, notification_mark_read

# The activation data (S9) and the other payload fields people read, in this order.
PAYLOAD_FIELDS = (
    ("product", gettext_lazy("Продукт")),
    ("license_key", gettext_lazy("Лицензионный ключ")),
    ("public_license_id", gettext_lazy("Публичный ID лицензии")),
    ("seats", gettext_lazy("Рабочих мест")),
    # expires_on is exclusive: the page shows the day before it, the last one paid for.
    ("expires_on", gettext_lazy("Оплачено по (включительно)")),
)


@reseller_required
def notification_index(request: PanelRequest) -> HttpResponse:
    filters = JournalFilterForm(request.GET, clients=client_list(reseller=request.reseller))
    values = filters.cleaned_data if filters.is_valid() else {}
    client = values.get("client")
    rows = notification_list(
        reseller=request.reseller,
        client_id=client.pk if client else None,
        kind=values.get("kind") or None,
        read=values.get("read") or None,
    )
    if exported := list_export(request, NOTIFICATIONS, rows):
        return exported
    page = paginate(request, rows)
    return render(
        request,
        "panel/notifications/list.html",
        {
            "page": page,
            "filters": filters,
            "unread": notification_unread_count(reseller=request.reseller),
            "query_string": query_without_page(request),
            "section": "notifications",
            "exports": True,
        },
    )


@reseller_required
def notification_detail(request: PanelRequest, notification_id: int) -> HttpResponse:
    notification = found_or_404(
        notification_get, reseller=request.reseller, notification_id=notification_id
    )
    payload = notification.payload or {}
    activation = [(label, key, payload[key]) for key, label in PAYLOAD_FIELDS if payload.get(key)]
    return render(
        request,
        "panel/notifications/detail.html",
        {"notification": notification, "activation": activation, "section": "notifications"},
    )


@require_POST
@reseller_required
def notification_read(request: PanelRequest, notification_id: int) -> HttpResponse:
    notification = found_or_404(
        notification_get, reseller=request.reseller, notification_id=notification_id
    )
    notification_mark_read(notification=notification, at=timezone.now())
    messages.success(request, _("Уведомление отмечено как прочитанное."))
    return redirect("notifications:detail", notification_id=notification.pk)


@require_POST
@reseller_required
def notification_resend(request: PanelRequest, notification_id: int) -> HttpResponse:
    """ "Send again" for an e-mail the drain gave up on (after its last attempt)."""
    notification = found_or_404(
        notification_get, reseller=request.reseller, notification_id=notification_id
    )
    try:
        notification_email_resend(notification=notification, at=timezone.now())
    except ApplicationError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(request, _("E-mail поставлен в очередь на отправку."))
    return redirect("notifications:detail", notification_id=notification.pk)
