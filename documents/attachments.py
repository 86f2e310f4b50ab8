"""The PDFs the documents' e-mails carry (notifications.attachments): an act_issued e-mail
its act, an invoice_issued one its invoice. A document no longer found sends the text
alone."""

from __future__ import annotations

from notifications.attachments import Attachment
from notifications.models import Notification

from .models import Act, Invoice

PDF = "application/pdf"


def act_attachments(notification: Notification) -> list[Attachment]:
    if notification.client_id is None:  # a document's e-mail is always a client's
        return []
    from .act_rendering import act_pdf

    act = Act.objects.filter(
        pk=(notification.payload or {}).get("act_id") or 0, client_id=notification.client_id
    ).first()
    if act is None:
        return []
    return [Attachment(f"act-{act.year}-{act.number}.pdf", act_pdf(act), PDF)]


def invoice_attachments(notification: Notification) -> list[Attachment]:
    if notification.client_id is None:
        return []
    from .rendering import invoice_pdf

    invoice = (
        Invoice.objects.filter(
            pk=(notification.payload or {}).get("invoice_id") or 0,
            client_id=notification.client_id,
        )
        .prefetch_related("lines")
        .first()
    )
    if invoice is None:
        return []
    return [Attachment(f"invoice-{invoice.year}-{invoice.number}.pdf", invoice_pdf(invoice), PDF)]
