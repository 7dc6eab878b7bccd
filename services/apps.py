from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = "IT services"

    def ready(self):
        from django.db.models import F

        from core import importing, search

        from .imports import MeasurementImporter, ServiceImporter, SubscriptionImporter
        from .models import Service

        for importer in (ServiceImporter, SubscriptionImporter, MeasurementImporter):
            importing.register(importer)
        # The catalogue is open to everyone signed in.
        search.register(
            search.SearchKind(
                "service",
                lambda user, units: Service.objects.all(),
                F("name"),
                ("name", "code", "description"),
                "get_lifecycle_display",
            )
        )
