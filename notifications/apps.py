from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """The outbox, each person's notification settings and the daily digest: how mail
    leaves the portal, not who gets what (that is the relationship's rule)."""

    name = "notifications"
    verbose_name = "Notifications"
