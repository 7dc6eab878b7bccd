from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The composition root: its management commands (seed_demo, import_data)."""

    name = "brm"
    verbose_name = "BRM Portal"
