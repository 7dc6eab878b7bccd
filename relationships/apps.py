from django.apps import AppConfig


class RelationshipsConfig(AppConfig):
    name = "relationships"
    verbose_name = "Relationship"

    def ready(self):
        from django.db.models import F

        from core import search
        from notifications import mail

        from . import notifications
        from .models import Escalation, Interaction, Requirement

        # Who gets which mail, and how, is the relationship's rule; the outbox asks it.
        mail.use_rules(notifications)

        search.register(
            search.SearchKind(
                "interaction",
                lambda user, units: Interaction.objects.visible_to(user, units=units).select_related("unit"),
                F("subject"),
                ("subject", "notes"),
                "unit.name",
            )
        )
        search.register(
            search.SearchKind(
                "requirement",
                lambda user, units: Requirement.objects.visible_to(user, units=units).select_related("unit"),
                F("title"),
                ("title", "description"),
                "unit.name",
            )
        )
        search.register(
            search.SearchKind(
                "escalation",
                lambda user, units: Escalation.objects.filter(unit__in=units).select_related("unit"),
                F("subject"),
                ("subject", "description"),
                "unit.name",
            )
        )
