from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core.domain import DomainError, DomainPermissionError
from notifications.mail import email_enqueue

from .models import BusinessObjective, BusinessUnit, Contact
from .selectors import (
    deciding_customer_for,
    is_deciding_customer,
    unit_is_editable_by,
    unit_may_be_created_under_by,
)


def ensure_can_edit_unit(*, user, unit: BusinessUnit) -> None:
    """A relationship manager changes only the units of their portfolio; who manages every
    unit (customers.roles.manages_every_unit) changes any."""
    if not unit_is_editable_by(user=user, unit=unit):
        raise DomainPermissionError(
            f"{unit.name} is not in your portfolio: only its relationship manager or IT "
            "management may change it."
        )


def ensure_can_create_unit_under(*, user, parent: BusinessUnit | None) -> None:
    """A unit is added (or moved) under a parent by who may edit that parent; at the top of
    the organisation only by who manages every unit."""
    if unit_may_be_created_under_by(user=user, parent=parent):
        return
    if parent is None:
        raise DomainPermissionError(
            "Only IT management or the steering group may add a unit at the top of the organisation."
        )
    raise DomainPermissionError(
        f"{parent.name} is not in your portfolio: only its relationship manager or IT "
        "management may add units under it."
    )


def _check_parent(*, unit: BusinessUnit, parent: BusinessUnit | None) -> None:
    if parent is None or unit.pk is None:
        return
    if parent.pk == unit.pk:
        raise DomainError("A unit cannot be its own parent.", field="parent")
    if f"/{unit.pk}/" in parent.path:
        raise DomainError(
            f"{unit.name} cannot be placed under {parent.name}: that is one of its own sub-units.",
            field="parent",
        )


def _unit_write(unit: BusinessUnit) -> BusinessUnit:
    """The shape of the tree and the unique code; the caller has checked the rights."""
    _check_parent(unit=unit, parent=unit.parent)
    if BusinessUnit.objects.filter(code=unit.code).exclude(pk=unit.pk).exists():
        raise DomainError(f"The code {unit.code} is already used by another unit.", field="code")
    unit.save()
    return unit


@transaction.atomic
def unit_create(*, unit: BusinessUnit, by) -> BusinessUnit:
    """Add a unit (not yet saved) under `unit.parent`: by who may edit that parent, or, at
    the top of the organisation, by who manages every unit."""
    if unit.pk is not None:
        raise ValueError("unit_create adds a new unit; change an existing one with unit_update.")
    ensure_can_create_unit_under(user=by, parent=unit.parent)
    return _unit_write(unit)


@transaction.atomic
def unit_update(*, unit: BusinessUnit, by) -> BusinessUnit:
    """Change a unit: by who may edit it as it is stored (not as the change would leave it,
    so handing a unit to another manager is the last thing its manager does with it). A
    new parent makes the change a move, with unit_move's rule too. The tree stays a tree."""
    stored = BusinessUnit.objects.select_related("parent").get(pk=unit.pk)
    ensure_can_edit_unit(user=by, unit=stored)
    if unit.parent_id != stored.parent_id:
        ensure_can_create_unit_under(user=by, parent=unit.parent)
    return _unit_write(unit)


@transaction.atomic
def unit_move(*, unit: BusinessUnit, parent: BusinessUnit | None, by) -> BusinessUnit:
    """Put a unit (and its subtree) under another parent: by who may edit the unit and may
    add units under the new parent."""
    unit.parent = parent
    return unit_update(unit=unit, by=by)


def is_same_person(first_name: str, last_name: str, other: Contact) -> bool:
    return (first_name.strip().casefold(), last_name.strip().casefold()) == (
        other.first_name.strip().casefold(),
        other.last_name.strip().casefold(),
    )


def address_taken_message(email: str, *, owner: str, where: str) -> str:
    return f"{email} is the address of {owner} ({where}): one address is one person."


def _check_address(contact: Contact) -> None:
    """An address is one person's. Logins, survey invitations and notification settings are
    matched by address whatever its case, so another person under it would be taken for
    its owner. The same person may be a contact of several units under one address, once
    per unit. Another name is checked when the address is given or changed, so renaming a
    contact of several units stays possible (one row at a time)."""
    others = list(
        Contact.objects.annotate(address=Lower("email"))  # contact_email_lower_idx
        .filter(address=contact.email.lower())
        .exclude(pk=contact.pk)
        .select_related("unit")
    )
    if any(other.unit_id == contact.unit_id for other in others):
        raise DomainError(f"{contact.email} is already a contact of {contact.unit.name}.", field="email")
    if contact.pk is not None:
        stored = Contact.objects.filter(pk=contact.pk).values_list("email", flat=True).first()
        if stored is not None and stored.lower() == contact.email.lower():
            return
    for other in others:
        if not is_same_person(contact.first_name, contact.last_name, other):
            raise DomainError(
                address_taken_message(contact.email, owner=other.full_name, where=other.unit.name),
                field="email",
            )


def _ensure_can_edit_units_of(*, user, row, model) -> None:
    """The right to edit the unit a contact or objective is stored under and the unit the
    change puts it under (one more query for a row that exists)."""
    if row.pk is not None:
        stored_unit_id = model.objects.filter(pk=row.pk).values_list("unit_id", flat=True).first()
        if stored_unit_id is not None and stored_unit_id != row.unit_id:
            ensure_can_edit_unit(user=user, unit=BusinessUnit.objects.get(pk=stored_unit_id))
    ensure_can_edit_unit(user=user, unit=row.unit)


@transaction.atomic
def contact_save(*, contact: Contact, by) -> Contact:
    """Create or change a contact: by who may edit its unit (both units, when the change
    moves it to another). A unit has one active customer at most, so that who decides for
    it is never in doubt; an address is one person's (_check_address)."""
    _ensure_can_edit_units_of(user=by, row=contact, model=Contact)
    if (
        contact.role == Contact.Role.CUSTOMER
        and contact.is_active
        and Contact.objects.filter(unit=contact.unit, role=Contact.Role.CUSTOMER, is_active=True)
        .exclude(pk=contact.pk)
        .exists()
    ):
        raise DomainError(
            f"{contact.unit.name} already has an active customer; make that contact a stakeholder first.",
            field="role",
        )
    _check_address(contact)
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError as exc:  # a concurrent write won the race
        raise DomainError("This contact conflicts with one saved at the same time; try again.") from exc
    return contact


# --- Portal access: staff give a contact a login, or take it away -----------------------


def _portal_access_link(user) -> str:
    path = reverse(
        "portal:access-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{settings.BRM_BASE_URL}{path}"


@transaction.atomic
def contact_grant_portal_access(*, contact: Contact, by):
    """Give a contact a login for the self-service portal (username = their e-mail) and
    e-mail them a link to choose a password. The link is single use (it stops working once
    a password is set, since the token covers the password hash) and expires after
    PASSWORD_RESET_TIMEOUT. Only staff who may edit the contact's unit grant access.
    Granting again before the contact has chosen a password sends a fresh link."""
    User = get_user_model()
    ensure_can_edit_unit(user=by, unit=contact.unit)
    if not contact.is_active:
        raise DomainError(f"{contact.full_name} is no longer an active contact; reactivate them first.")
    if not contact.email:
        raise DomainError(f"{contact.full_name} has no e-mail address to send the link to.", field="email")
    user = contact.user
    if user is None:
        user = User.objects.filter(username__iexact=contact.email).first()
    if user is not None and user.is_staff:
        raise DomainError(
            f"{contact.email} belongs to an IT staff login; staff use the staff side, not the portal.",
            field="email",
        )
    if user is not None and user.is_active and user.has_usable_password() and contact.user_id == user.pk:
        raise DomainError(f"{contact.full_name} already has access to the portal.")
    if user is None:
        user = User(
            username=contact.email.lower(),
            email=contact.email,
            first_name=contact.first_name,
            last_name=contact.last_name,
        )
    if not user.has_usable_password() or not user.is_active or user.pk is None:
        # A new or revoked login: no password until the contact chooses one through the link.
        user.set_unusable_password()
    user.is_active = True
    user.save()
    if contact.user_id != user.pk:
        contact.user = user
        contact.save(update_fields=["user", "updated_at"])
    email_enqueue(
        key=f"portal-access:{contact.pk}:{timezone.now().isoformat()}",
        to=[contact.email],
        subject="Your access to BRM Portal",
        template="portal_access",
        context={"contact": contact, "user": user, "link": _portal_access_link(user)},
    )
    return user


@transaction.atomic
def contact_revoke_portal_access(*, contact: Contact, by) -> None:
    """Take a contact's portal access away. The login is unlinked from the contact; when it
    serves no other active contact it is deactivated (its sessions stop working) and its
    password made unusable, so an unused set-password link dies with it too."""
    ensure_can_edit_unit(user=by, unit=contact.unit)
    user = contact.user
    if user is None:
        raise DomainError(f"{contact.full_name} has no access to the portal.")
    contact.user = None
    contact.save(update_fields=["user", "updated_at"])
    if not user.is_staff and not Contact.objects.filter(user=user, is_active=True).exists():
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["is_active", "password"])


@transaction.atomic
def objective_save(*, objective: BusinessObjective, by) -> BusinessObjective:
    """Create or change a business objective: by who may edit its unit (both units, when
    the change moves it to another)."""
    _ensure_can_edit_units_of(user=by, row=objective, model=BusinessObjective)
    objective.save()
    return objective


def ensure_deciding_customer(*, user, unit: BusinessUnit, what: str) -> Contact:
    """Decisions for a unit (approving a requirement, signing an agreement) are taken by
    its deciding customer only; returns their contact. A purchaser may prepare but never
    decide, and staff never decide for the business."""
    decider = deciding_customer_for(unit=unit)
    if decider is None:
        raise DomainError(
            f"{unit.name} has no deciding customer yet: name a customer contact for it or a "
            f"unit above it before anyone can {what}."
        )
    if not is_deciding_customer(user=user, decider=decider):
        raise DomainPermissionError(
            f"Only the deciding customer of {unit.name} ({decider.full_name}) may {what}."
        )
    return decider
