from . import roles
from .models import BusinessUnit, Contact


def deciding_customer_for(*, unit: BusinessUnit) -> Contact | None:
    """The active customer contact of the nearest unit at or above `unit`: the one person
    who may decide for it. One query, whatever the depth of the tree."""
    return (
        Contact.objects.filter(
            unit_id__in=[*unit.ancestor_ids, unit.pk],
            role=Contact.Role.CUSTOMER,
            is_active=True,
        )
        .select_related("unit", "user")
        .order_by("-unit__depth")
        .first()
    )


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
