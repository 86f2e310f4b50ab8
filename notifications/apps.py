from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Уведомления"

    def ready(self) -> None:
        # accounts announces invitations; it may not import the notification services.
        from accounts.signals import person_invited

        from .invitations import on_person_invited

        person_invited.connect(on_person_invited, dispatch_uid="notifications.invitation")
