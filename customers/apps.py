from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = "Business side"

    def ready(self):
        from django.db.models import F, Value
        from django.db.models.functions import Concat

        from core import importing, search

        from .imports import ContactImporter, UnitImporter
        from .models import BusinessUnit, Contact

        importing.register(UnitImporter)
        importing.register(ContactImporter)
        search.register_visible_units(BusinessUnit.objects.visible_to)
        search.register(
            search.SearchKind(
                "unit", lambda user, units: units, F("name"), ("name", "code", "description"), "code"
            )
        )
        search.register(
            search.SearchKind(
                "contact",
                lambda user, units: Contact.objects.filter(unit__in=units).select_related("unit"),
                Concat("first_name", Value(" "), "last_name"),
                ("first_name", "last_name", "email", "job_title"),
                "unit.name",
            )
        )
