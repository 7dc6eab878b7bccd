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

        def interactions(user, units):
            visible = Interaction.objects.filter(unit__in=units)
            if not user.is_staff:
                visible = visible.filter(is_shared_with_business=True)
            return visible.select_related("unit")

        def of_visible_units(model):
            return lambda user, units: model.objects.filter(unit__in=units).select_related("unit")

        search.register(
            search.SearchKind("interaction", interactions, F("subject"), ("subject", "notes"), "unit.name")
        )
        search.register(
            search.SearchKind(
                "requirement",
                of_visible_units(Requirement),
                F("title"),
                ("title", "description"),
                "unit.name",
            )
        )
        search.register(
            search.SearchKind(
                "escalation",
                of_visible_units(Escalation),
                F("subject"),
                ("subject", "description"),
                "unit.name",
            )
        )
