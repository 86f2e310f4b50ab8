from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = "Документы"

    def ready(self) -> None:
        # The invoice's e-mail carries its PDF, made when the e-mail is sent.
        from notifications.models import NotificationKind
        from notifications.services import attachments_register

        from .rendering import invoice_attachments

        attachments_register(kind=NotificationKind.INVOICE_ISSUED, make=invoice_attachments)
