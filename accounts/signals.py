"""What accounts announces to the layers above it (DESIGN.md §2): accounts may not import
the notification services, so it says that a person was invited and notifications (its
receiver is connected in NotificationsConfig.ready) writes the journal row and the e-mail,
synchronously, inside the inviting transaction."""

from django.dispatch import Signal

# Sent with `invitation` (accounts.Invitation) once the row is written.
person_invited = Signal()
