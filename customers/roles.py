"""The staff groups of the escalation route and what each may do.

The groups are created by a data migration, so every installation has them; an
administrator puts people in them.
"""

from django.contrib.auth import get_user_model

RELATIONSHIP_MANAGERS = "Relationship managers"
IT_MANAGEMENT = "IT management"
STEERING_GROUP = "IT steering group"

User = get_user_model()

# IT management and the steering group look after every unit, not one portfolio.
GROUPS_WITH_WIDER_RIGHTS = (IT_MANAGEMENT, STEERING_GROUP)


def ensure_groups() -> dict:
    """The three groups and their rights, created if missing (a data migration makes them;
    this restores them where a test flushed the database). Returns them by name."""
    from django.contrib.auth.models import Group, Permission

    manage_all = Permission.objects.get(codename="manage_all_units", content_type__app_label="customers")
    manage_webhooks = Permission.objects.get(
        codename="manage_webhooks", content_type__app_label="integrations"
    )
    groups = {}
    for name in (RELATIONSHIP_MANAGERS, IT_MANAGEMENT, STEERING_GROUP):
        groups[name], _ = Group.objects.get_or_create(name=name)
        if name in GROUPS_WITH_WIDER_RIGHTS:
            groups[name].permissions.add(manage_all)
        if name == IT_MANAGEMENT:
            groups[name].permissions.add(manage_webhooks)
    return groups


def in_group(user, name: str) -> bool:
    # Reads the groups once per request object: Django caches nothing here, so cache it.
    cache = getattr(user, "_brm_group_names", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
        user._brm_group_names = cache
    return name in cache


def is_it_manager(user) -> bool:
    return user.is_superuser or in_group(user, IT_MANAGEMENT)


def is_steering_member(user) -> bool:
    return user.is_superuser or in_group(user, STEERING_GROUP)


def manages_every_unit(user) -> bool:
    """Who looks after every unit, not one portfolio: IT management, the steering group and
    whoever holds `customers.manage_all_units` (a superuser holds every right). The one
    definition: editing any unit, adding a unit at the top, importing units, changing the
    catalogue and seeing the whole organisation on the dashboard all ask it. Costs the
    user's rights and groups once per request (Django keeps the rights on the user object,
    in_group the groups)."""
    if not user.is_authenticated or not user.is_staff:
        return False
    return (
        user.is_superuser
        or user.has_perm("customers.manage_all_units")
        or is_it_manager(user)
        or is_steering_member(user)
    )


def level_members(*, level: int, unit) -> list:
    """Who answers an escalation at a level: 1 the unit's relationship manager, 2 IT
    management, 3 the IT steering group."""
    if level == 1:
        return [unit.relationship_manager] if unit.relationship_manager_id else []
    group = IT_MANAGEMENT if level == 2 else STEERING_GROUP
    return list(User.objects.filter(groups__name=group, is_active=True).order_by("last_name"))
