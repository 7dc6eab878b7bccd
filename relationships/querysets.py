"""Who sees which rows of the relationship: one `visible_to(user)` per entity, asked alike by
the staff pages and their exports, the portal, the API and the search.

- Interactions: staff all of them; a business contact those of the units they see whose
  notes are shared with the business (`shared_with_business`), never IT's internal notes.
- Requirements: staff all of them; a business contact those of the units they see.
- Follow-up actions and opportunities are IT's own work: staff all of them, the business none.

Staff read every unit (who may change one is the services' rule), so for them no filter at
all. For a business contact, the units they see are BusinessUnit.objects.visible_to: one
query for their contacts, then a subquery.
"""

from django.db import models

from customers.models import BusinessUnit


def _is_staff(user) -> bool:
    return user.is_authenticated and user.is_staff


class UnitRowsQuerySet(models.QuerySet):
    """Rows of a unit that the business sees too: those of the units they see."""

    def visible_to(self, user, *, units=None):
        """`units`: BusinessUnit.objects.visible_to(user), when the caller has it already
        (the search asks for several kinds at once), so the contacts are not read again."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self
        return self.filter(unit__in=BusinessUnit.objects.visible_to(user) if units is None else units)


class StaffRowsQuerySet(models.QuerySet):
    """IT's own rows: every member of staff sees them, nobody of the business."""

    def visible_to(self, user):
        return self if _is_staff(user) else self.none()


class InteractionQuerySet(UnitRowsQuerySet):
    def shared_with_business(self):
        """Interactions whose notes IT chose to show the business: the one filter between
        internal notes and the portal, the API, the search and the business copy of the
        relationship file."""
        return self.filter(is_shared_with_business=True)

    def visible_to(self, user, *, units=None):
        rows = super().visible_to(user, units=units)
        return rows if _is_staff(user) else rows.shared_with_business()


class RequirementQuerySet(UnitRowsQuerySet):
    pass


class OpportunityQuerySet(StaffRowsQuerySet):
    pass
