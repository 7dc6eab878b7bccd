"""Opportunities, and requirements: prepared by anyone of the unit, decided by the deciding customer."""

import datetime

from django.db import transaction
from django.utils import timezone

from core.domain import DomainError
from customers.models import BusinessUnit
from customers.selectors import deciding_customer_for
from customers.services import ensure_can_edit_unit, ensure_deciding_customer
from notifications.mail import email_enqueue
from services.models import Service
from webhooks.events import EventType, emit

from .. import rules
from ..models import Opportunity, Requirement
from .common import acting_contact

DESIRED_IN_THE_PAST = "The desired date cannot be in the past."


@transaction.atomic
def opportunity_save(*, opportunity: Opportunity, by) -> Opportunity:
    """Create or change an opportunity (the staff form and the API both hand it over with
    their changes applied): staff of the unit's portfolio only (and, when it moves to
    another unit, of that unit's too); its owner, if any, is a member of IT staff."""
    if opportunity.pk:
        previous = Opportunity.objects.select_related("unit").get(pk=opportunity.pk)
        ensure_can_edit_unit(user=by, unit=previous.unit)
    ensure_can_edit_unit(user=by, unit=opportunity.unit)
    if opportunity.estimated_annual_value is not None and opportunity.estimated_annual_value < 0:
        raise DomainError("The estimated value cannot be negative.", field="estimated_annual_value")
    if opportunity.owner_id is not None and not opportunity.owner.is_staff:
        raise DomainError("An opportunity is owned by a member of IT staff.", field="owner")
    opportunity.save()
    return opportunity


# --- Requirements: prepared by anyone of the unit, decided by the deciding customer ---


def _check_requirement_fields(
    *,
    kind: str,
    service: Service | None,
    desired_by: datetime.date | None,
    stored_desired_by: datetime.date | None = None,
) -> None:
    """A change names its service; a desired date that is set or moved is today or later
    (a draft whose date has passed can still be completed)."""
    if kind == Requirement.Kind.CHANGE and service is None:
        raise DomainError("A change request must name the service to change.", field="service")
    if rules.sets_a_past_date(value=desired_by, stored=stored_desired_by, today=timezone.localdate()):
        raise DomainError(DESIRED_IN_THE_PAST, field="desired_by")


@transaction.atomic
def requirement_prepare(
    *,
    unit: BusinessUnit,
    by,
    title: str,
    description: str,
    kind: str = Requirement.Kind.NEW_SERVICE,
    service: Service | None = None,
    priority: str = Requirement.Priority.MEDIUM,
    desired_by: datetime.date | None = None,
) -> Requirement:
    """Anyone of the unit (purchasers included) or its relationship manager may prepare."""
    contact = acting_contact(user=by, unit=unit, what="prepare requirements for it")
    if contact is None:
        ensure_can_edit_unit(user=by, unit=unit)
    _check_requirement_fields(kind=kind, service=service, desired_by=desired_by)
    return Requirement.objects.create(
        unit=unit,
        title=title,
        description=description,
        kind=kind,
        service=service,
        priority=priority,
        desired_by=desired_by,
        prepared_by=contact,
        created_by=by,
    )


@transaction.atomic
def requirement_update(
    *,
    requirement: Requirement,
    by,
    title: str,
    description: str,
    kind: str = Requirement.Kind.NEW_SERVICE,
    service: Service | None = None,
    priority: str = Requirement.Priority.MEDIUM,
    desired_by: datetime.date | None = None,
) -> Requirement:
    """A requirement is changed only while it is being prepared, by whoever may prepare
    one for its unit, under the same rules."""
    _ensure_status(requirement, Requirement.Status.DRAFT, doing="changed")
    if acting_contact(user=by, unit=requirement.unit, what="change its requirements") is None:
        ensure_can_edit_unit(user=by, unit=requirement.unit)
    _check_requirement_fields(
        kind=kind, service=service, desired_by=desired_by, stored_desired_by=requirement.desired_by
    )
    requirement.title = title
    requirement.description = description
    requirement.kind = kind
    requirement.service = service
    requirement.priority = priority
    requirement.desired_by = desired_by
    requirement.save(
        update_fields=["title", "description", "kind", "service", "priority", "desired_by", "updated_at"]
    )
    return requirement


def _ensure_status(requirement: Requirement, *allowed: str, doing: str) -> None:
    if requirement.status not in allowed:
        raise DomainError(
            f"This requirement is {requirement.get_status_display().lower()}; it cannot be {doing} now."
        )


@transaction.atomic
def requirement_submit(*, requirement: Requirement, by) -> Requirement:
    """A prepared requirement goes to the deciding customer, who is told by e-mail."""
    _ensure_status(requirement, Requirement.Status.DRAFT, doing="submitted")
    if acting_contact(user=by, unit=requirement.unit, what="submit its requirements") is None:
        ensure_can_edit_unit(user=by, unit=requirement.unit)
    requirement.status = Requirement.Status.SUBMITTED
    requirement.submitted_at = timezone.now()
    requirement.save(update_fields=["status", "submitted_at", "updated_at"])
    decider = deciding_customer_for(unit=requirement.unit)
    if decider is not None:
        email_enqueue(
            key=f"requirement-submitted:{requirement.pk}",
            to=[decider.email],
            subject=f"Your decision is asked: “{requirement.title}”",
            template="portal_requirement_submitted",
            context={"requirement": requirement, "decider": decider},
        )
    emit(EventType.REQUIREMENT_SUBMITTED, requirement)
    return requirement


# What the deciding customer may decide, and the status each decision gives.
DECISIONS = {"approve": Requirement.Status.APPROVED, "reject": Requirement.Status.REJECTED}


@transaction.atomic
def requirement_decide(*, requirement: Requirement, by, decision: str, reason: str = "") -> Requirement:
    """Approve or reject a submitted requirement: only the deciding customer of its unit
    decides (customers.services.ensure_deciding_customer); a purchaser prepares but never
    decides, and staff never decide for the business. A rejection says why. The decision
    is kept (who, when, why); the unit's relationship manager and the contact who prepared
    the request are told. The portal's decision, the API's approve and reject and the staff
    page all come here."""
    if decision not in DECISIONS:
        raise DomainError("Choose whether to approve or to reject the requirement.", field="decision")
    # Locked and read afresh: two decisions at once cannot both find it awaiting one.
    requirement.refresh_from_db(from_queryset=Requirement.objects.select_for_update())
    status = DECISIONS[decision]
    decider = ensure_deciding_customer(user=by, unit=requirement.unit, what=f"{decision} a requirement")
    _ensure_status(requirement, Requirement.Status.SUBMITTED, doing=status.label.lower())
    if decision == "reject" and not reason.strip():
        raise DomainError("Say why the requirement is rejected.", field="reason")
    requirement.status = status
    requirement.decided_by = decider
    requirement.decided_at = timezone.now()
    requirement.decision_reason = reason
    requirement.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"])
    manager = requirement.unit.relationship_manager
    if manager is not None:
        email_enqueue(
            key=f"requirement-decided:{requirement.pk}",
            to=[manager.email],
            subject=f"{decider.full_name} {status} “{requirement.title}”",
            template="requirement_decided",
            context={"requirement": requirement, "decider": decider, "manager": manager},
        )
    requester = requirement.prepared_by
    if requester is not None and requester.pk != decider.pk:
        email_enqueue(
            key=f"requirement-decided:{requirement.pk}:requester",
            to=[requester.email],
            subject=f"Your request “{requirement.title}” was {status}",
            template="portal_requirement_decided",
            context={"requirement": requirement, "decider": decider, "requester": requester},
        )
    emit(EventType.REQUIREMENT_DECIDED, requirement)
    return requirement


@transaction.atomic
def requirement_start_delivery(*, requirement: Requirement, by) -> Requirement:
    """IT starts delivering only what the business approved."""
    ensure_can_edit_unit(user=by, unit=requirement.unit)
    _ensure_status(requirement, Requirement.Status.APPROVED, doing="taken into delivery")
    requirement.status = Requirement.Status.IN_DELIVERY
    requirement.delivery_started_at = timezone.now()
    requirement.save(update_fields=["status", "delivery_started_at", "updated_at"])
    return requirement


@transaction.atomic
def requirement_deliver(*, requirement: Requirement, by) -> Requirement:
    ensure_can_edit_unit(user=by, unit=requirement.unit)
    _ensure_status(requirement, Requirement.Status.IN_DELIVERY, doing="marked delivered")
    requirement.status = Requirement.Status.DELIVERED
    requirement.delivered_at = timezone.now()
    requirement.save(update_fields=["status", "delivered_at", "updated_at"])
    return requirement
