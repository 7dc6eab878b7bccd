from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The project-wide parts that need start-up: the data generation behind cached reads."""

    name = "brm"
    verbose_name = "BRM Portal"

    def ready(self):
        from core import freshness

        freshness.connect()
