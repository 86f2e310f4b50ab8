from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = "Документы"

    def ready(self) -> None:
        # The documents' e-mails carry their PDFs (notifications.attachments).
        from notifications.attachments import attachments_register
        from notifications.models import NotificationKind

        from .attachments import act_attachments, invoice_attachments

        attachments_register(kind=NotificationKind.ACT_ISSUED, render=act_attachments)
        attachments_register(kind=NotificationKind.INVOICE_ISSUED, render=invoice_attachments)
