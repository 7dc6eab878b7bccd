from . import roles
from .models import BusinessUnit, Contact


def deciding_customers_for(*, units) -> dict[int, Contact | None]:
    """The deciding customer of each unit: the active customer contact of the nearest unit
    at or above it, the one person who may decide for it (approve a requirement, sign an
    agreement). The one definition of the rule: BusinessUnitQuerySet.decided_by and
    .holding_budget_without_customer ask the same in SQL. One query for any number of
    units: the customer contacts of every unit on their paths."""
    units = list(units)
    ids = {ancestor for unit in units for ancestor in [*unit.ancestor_ids, unit.pk]}
    customers = {
        contact.unit_id: contact
        for contact in Contact.objects.filter(
            unit_id__in=ids, role=Contact.Role.CUSTOMER, is_active=True
        ).select_related("unit")
    }
    return {
        unit.pk: next(
            (customers[uid] for uid in reversed([*unit.ancestor_ids, unit.pk]) if uid in customers), None
        )
        for unit in units
    }


def deciding_customer_for(*, unit: BusinessUnit) -> Contact | None:
    """The deciding customer of one unit (deciding_customers_for): one query."""
    return deciding_customers_for(units=[unit])[unit.pk]


def is_deciding_customer(*, user, decider: Contact | None) -> bool:
    """Whether `user` signs in as `decider`, the deciding customer of a unit."""
    return decider is not None and decider.user_id is not None and decider.user_id == user.pk


def units_decided_by(*, user, units) -> set[int]:
    """Ids of the units (among `units`) for which `user` is the deciding customer."""
    deciders = deciding_customers_for(units=units)
    return {uid for uid, decider in deciders.items() if is_deciding_customer(user=user, decider=decider)}


def contacts_of_user_for_unit(*, user, unit: BusinessUnit) -> list[Contact]:
    """The contacts through which a portal user acts for `unit` (their own unit, or an
    ancestor for a customer of a division)."""
    if not user.is_authenticated:
        return []
    return list(Contact.objects.filter(user=user, is_active=True, unit_id__in=[*unit.ancestor_ids, unit.pk]))


def unit_is_visible_to(*, user, unit: BusinessUnit) -> bool:
    return BusinessUnit.objects.visible_to(user).filter(pk=unit.pk).exists()


def unit_is_editable_by(*, user, unit: BusinessUnit) -> bool:
    """The right to edit a unit: its relationship manager, or who manages every unit."""
    if not user.is_authenticated or not user.is_staff:
        return False
    # The manager's own unit first: it needs no group or permission queries.
    return unit.relationship_manager_id == user.pk or roles.manages_every_unit(user)


def unit_may_be_created_under_by(*, user, parent: BusinessUnit | None) -> bool:
    """The right to add a unit under `parent` (or to move one there) is the right to edit
    `parent`; a unit at the top of the organisation only for who manages every unit."""
    if parent is None:
        return roles.manages_every_unit(user)
    return unit_is_editable_by(user=user, unit=parent)
