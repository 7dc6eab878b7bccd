"""Every change to the relationship goes through here, with the rules it must keep."""

import datetime
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.domain import DomainError, DomainPermissionError
from customers import roles
from customers.models import BusinessUnit, Contact
from customers.selectors import (
    contacts_of_user_for_unit,
    deciding_customer_for,
    unit_is_editable_by,
    unit_is_visible_to,
)
from customers.services import ensure_can_edit_unit, ensure_deciding_customer
from notifications.mail import email_enqueue, email_enqueue_many, email_send_later
from notifications.models import OutgoingEmail
from services.models import Agreement, Service, Subscription
from services.services import agreement_reviewed
from webhooks.events import EventType, emit, emit_many

from . import rules
from .models import (
    Escalation,
    EscalationEvent,
    FollowUpAction,
    Interaction,
    Opportunity,
    Requirement,
    ServiceRating,
    SurveyCampaign,
    SurveyInvitation,
    SurveyResponse,
)

User = get_user_model()

DUE_IN_THE_PAST = "A due date cannot be in the past."
DESIRED_IN_THE_PAST = "The desired date cannot be in the past."


def _acting_contact(*, user, unit: BusinessUnit, what: str) -> Contact | None:
    """The contact a business user acts as for `unit`; None for staff who may act on it."""
    if user.is_staff:
        return None
    contacts = contacts_of_user_for_unit(user=user, unit=unit)
    if not contacts:
        raise DomainPermissionError(f"You are not a contact of {unit.name}, so you cannot {what}.")
    return contacts[0]


# --- Interactions and follow-up actions -------------------------------------------------


@transaction.atomic
def interaction_log(
    *,
    unit: BusinessUnit,
    by,
    kind: str,
    subject: str,
    occurred_at: datetime.datetime,
    notes: str = "",
    sentiment: str = Interaction.Sentiment.NEUTRAL,
    is_shared_with_business: bool = False,
    contacts=(),
    staff=(),
    agreement: Agreement | None = None,
    actions: list[dict] = (),
) -> Interaction:
    """Log a contact moment, with the follow-up actions agreed in it (each a dict of
    title, owner, due_on and optionally description). Staff of the unit's portfolio only."""
    ensure_can_edit_unit(user=by, unit=unit)
    if occurred_at > timezone.now() + datetime.timedelta(days=1):
        raise DomainError(
            "An interaction is logged after it happened, not in the future.", field="occurred_at"
        )
    if any(contact.unit_id != unit.pk for contact in contacts):
        raise DomainError("Every contact present must belong to this unit.", field="contacts")
    if agreement is not None and agreement.unit_id != unit.pk:
        raise DomainError("The agreement belongs to another unit.", field="agreement")
    interaction = Interaction.objects.create(
        unit=unit,
        kind=kind,
        subject=subject,
        occurred_at=occurred_at,
        notes=notes,
        sentiment=sentiment,
        is_shared_with_business=is_shared_with_business,
        agreement=agreement,
        created_by=by,
    )
    interaction.contacts.set(contacts)
    interaction.staff.set({*staff, by})
    for number, action in enumerate(actions, start=1):
        try:
            action_create(unit=unit, by=by, interaction=interaction, **action)
        except DomainPermissionError:
            raise
        except DomainError as error:
            raise DomainError(f"Action {number}: {error.message}", field="actions") from error
    return interaction


@transaction.atomic
def agreement_review_record(
    *,
    agreement: Agreement,
    by,
    occurred_at: datetime.datetime,
    subject: str,
    notes: str = "",
    sentiment: str = Interaction.Sentiment.NEUTRAL,
    is_shared_with_business: bool = False,
    contacts=(),
    actions: list[dict] = (),
) -> Interaction:
    """A service review of an agreement was held. Its one record is a service-review
    interaction linked to the agreement (with the actions agreed, tracked with the
    agreement); the agreement's last review becomes the day it was held and its next review
    one interval later (services.agreement_reviewed); the review actions the agreement-review
    job opened are done. Only a signed (active) agreement is reviewed, by staff of its unit's
    portfolio (interaction_log checks who)."""
    agreement = Agreement.objects.select_for_update().select_related("unit").get(pk=agreement.pk)
    if agreement.status != Agreement.Status.ACTIVE:
        raise DomainError(
            f"Only a signed agreement is reviewed; this one is {agreement.get_status_display().lower()}."
        )
    interaction = interaction_log(
        unit=agreement.unit,
        by=by,
        kind=Interaction.Kind.SERVICE_REVIEW,
        subject=subject,
        occurred_at=occurred_at,
        notes=notes,
        sentiment=sentiment,
        is_shared_with_business=is_shared_with_business,
        contacts=contacts,
        agreement=agreement,
        actions=[{**action, "agreement": agreement} for action in actions],
    )
    agreement_reviewed(agreement=agreement, on=timezone.localdate(occurred_at))
    review_actions = FollowUpAction.objects.open().filter(
        agreement=agreement, interaction__isnull=True, escalation__isnull=True, survey_response__isnull=True
    )
    for action in review_actions:
        action_set_status(action=action, by=by, status=FollowUpAction.Status.DONE)
    return interaction


@transaction.atomic
def interaction_update(
    *,
    interaction: Interaction,
    by,
    kind: str,
    subject: str,
    occurred_at: datetime.datetime,
    notes: str = "",
    sentiment: str = Interaction.Sentiment.NEUTRAL,
    is_shared_with_business: bool = False,
    contacts=(),
) -> Interaction:
    """Correct a logged interaction, under the rules of logging one: staff of the unit's
    portfolio, not in the future, only contacts of the unit present."""
    ensure_can_edit_unit(user=by, unit=interaction.unit)
    if occurred_at > timezone.now() + datetime.timedelta(days=1):
        raise DomainError(
            "An interaction is logged after it happened, not in the future.", field="occurred_at"
        )
    if any(contact.unit_id != interaction.unit_id for contact in contacts):
        raise DomainError("Every contact present must belong to this unit.", field="contacts")
    interaction.kind = kind
    interaction.subject = subject
    interaction.occurred_at = occurred_at
    interaction.notes = notes
    interaction.sentiment = sentiment
    interaction.is_shared_with_business = is_shared_with_business
    interaction.save()
    interaction.contacts.set(contacts)
    return interaction


def action_is_changeable_by(*, user, action: FollowUpAction) -> bool:
    """Who may change an action (its content, owner, due date and status): its owner, or
    whoever may change its unit (the relationship manager of the unit's portfolio, or
    staff with the wider right). Every other member of staff may read it."""
    return action.owner_id == user.pk or unit_is_editable_by(user=user, unit=action.unit)


def _ensure_may_change_action(*, user, action: FollowUpAction) -> None:
    if not action_is_changeable_by(user=user, action=action):
        raise DomainPermissionError(
            "Only the owner of this action or the unit's relationship manager may change it."
        )


def _ensure_sources_of_unit(
    *,
    unit: BusinessUnit,
    interaction: Interaction | None,
    escalation: Escalation | None,
    survey_response: SurveyResponse | None,
    agreement: Agreement | None,
) -> None:
    """An action is linked only to an interaction, escalation, survey answer or agreement
    of its own unit: the work agreed about one unit is never filed under another. So what
    it is linked to is something the person who may open the action (who may edit its unit)
    may see and change too."""
    sources = [
        ("interaction", interaction, "interaction", "an", lambda i: f" “{i.subject}”"),
        ("escalation", escalation, "escalation", "an", lambda e: f" “{e.subject}”"),
        ("survey_response", survey_response, "survey answer", "a", lambda r: f" of {r.invitation.contact}"),
        ("agreement", agreement, "agreement", "an", lambda a: f" {a.reference}"),
    ]
    for field, source, what, article, name in sources:
        if source is not None and source.unit_id != unit.pk:
            raise DomainError(
                f"The {what}{name(source)} is of {source.unit.name}, not of {unit.name}: an action "
                f"is linked only to {article} {what} of its own unit.",
                field=field,
            )


@transaction.atomic
def action_create(
    *,
    unit: BusinessUnit,
    by,
    title: str,
    owner,
    due_on: datetime.date,
    description: str = "",
    interaction: Interaction | None = None,
    escalation: Escalation | None = None,
    survey_response: SurveyResponse | None = None,
    agreement: Agreement | None = None,
) -> FollowUpAction:
    """Open a follow-up action. `by` None means the portal itself opened it (a job).

    A person sets a due date of today or later. A job may record a date already passed
    (the agreement review that fell due last week is due then, not today). What the action
    comes from is of its own unit (_ensure_sources_of_unit)."""
    if by is not None:
        ensure_can_edit_unit(user=by, unit=unit)
        if rules.sets_a_past_date(value=due_on, today=timezone.localdate()):
            raise DomainError(DUE_IN_THE_PAST, field="due_on")
    if owner is None or not owner.is_staff:
        raise DomainError("An action is owned by a member of IT staff.", field="owner")
    _ensure_sources_of_unit(
        unit=unit,
        interaction=interaction,
        escalation=escalation,
        survey_response=survey_response,
        agreement=agreement,
    )
    return FollowUpAction.objects.create(
        unit=unit,
        title=title,
        description=description,
        owner=owner,
        due_on=due_on,
        interaction=interaction,
        escalation=escalation,
        survey_response=survey_response,
        agreement=agreement,
    )


@transaction.atomic
def action_update(
    *, action: FollowUpAction, by, title: str, owner, due_on: datetime.date, description: str = ""
) -> FollowUpAction:
    """Change what an action is, who owns it and when it is due: whoever may change the
    action (action_is_changeable_by); the owner stays a member of IT staff. A due date that
    is moved lands today or later (so never before the action was opened); an overdue action
    left at its date can still be renamed or handed over."""
    _ensure_may_change_action(user=by, action=action)
    if owner is None or not owner.is_staff:
        raise DomainError("An action is owned by a member of IT staff.", field="owner")
    if rules.sets_a_past_date(value=due_on, stored=action.due_on, today=timezone.localdate()):
        raise DomainError(DUE_IN_THE_PAST, field="due_on")
    action.title = title
    action.owner = owner
    action.due_on = due_on
    action.description = description
    action.save(update_fields=["title", "owner", "due_on", "description", "updated_at"])
    return action


@transaction.atomic
def action_set_status(*, action: FollowUpAction, by, status: str) -> FollowUpAction:
    """Owner, the unit's relationship manager or IT management move an action along. The
    status it already has changes nothing (a repeated "done" keeps when it was done)."""
    _ensure_may_change_action(user=by, action=action)
    if status not in FollowUpAction.Status.values:
        raise DomainError(f"Unknown status {status!r}.", field="status")
    if status == action.status:
        return action
    return _action_write_status(action, status)


@transaction.atomic
def action_reopen(*, action: FollowUpAction, by) -> FollowUpAction:
    """Take a done or cancelled action up again (the Undo of *Done*), under the rule of
    changing it. It goes back to the status it had before it was closed, open or in
    progress, as the history shows; the reopening is a history row of its own."""
    _ensure_may_change_action(user=by, action=action)
    if action.is_open:
        raise DomainError(f"This action is {action.get_status_display().lower()} already.", field="status")
    before = (
        action.history.filter(status__in=FollowUpAction.OPEN_STATUSES)
        .order_by("-history_date", "-history_id")
        .values_list("status", flat=True)
        .first()
    )
    return _action_write_status(action, before or FollowUpAction.Status.OPEN)


def _action_write_status(action: FollowUpAction, status: str) -> FollowUpAction:
    action.status = status
    action.completed_at = timezone.now() if status == FollowUpAction.Status.DONE else None
    action.save(update_fields=["status", "completed_at", "updated_at"])
    return action


# --- Opportunities ------------------------------------------------------------------------


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
    contact = _acting_contact(user=by, unit=unit, what="prepare requirements for it")
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
    if _acting_contact(user=by, unit=requirement.unit, what="change its requirements") is None:
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
    if _acting_contact(user=by, unit=requirement.unit, what="submit its requirements") is None:
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


# --- Escalations: a formal route of three levels --------------------------------------


def may_respond_at_level(*, user, escalation: Escalation) -> bool:
    """Level 1 is the unit's relationship manager, 2 IT management, 3 the steering group;
    a higher level may always step in below it."""
    if not user.is_authenticated or not user.is_staff:
        return False
    if user.is_superuser or roles.is_steering_member(user):
        return True
    if roles.is_it_manager(user):
        return escalation.level <= Escalation.Level.IT_MANAGEMENT
    return (
        escalation.level == Escalation.Level.RELATIONSHIP_MANAGER
        and escalation.unit.relationship_manager_id == user.pk
    )


def _ensure_may_respond(*, user, escalation: Escalation, what: str) -> None:
    if not may_respond_at_level(user=user, escalation=escalation):
        raise DomainPermissionError(
            f"This escalation is at level {escalation.get_level_display()}; only that level "
            f"(or one above it) may {what} it."
        )


def _record(
    escalation: Escalation, kind: str, *, by=None, contact=None, note="", from_level=None, to_level=None
):
    return EscalationEvent.objects.create(
        escalation=escalation,
        kind=kind,
        actor_user=by if by is not None and by.is_staff else None,
        actor_contact=contact,
        note=note,
        from_level=from_level,
        to_level=to_level,
        created_at=timezone.now(),
    )


def _level_message(escalation: Escalation, *, reason: str, members: list | None = None) -> dict:
    if members is None:
        members = roles.level_members(level=escalation.level, unit=escalation.unit)
    return {
        "key": f"escalation:{escalation.pk}:{reason}:level-{escalation.level}",
        "to": [member.email for member in members],
        "subject": f"[Escalation L{escalation.level}] {escalation.subject} — {escalation.unit.name}",
        "template": "escalation_level",
        "context": {"escalation": escalation, "reason": reason},
    }


def _business_message(escalation: Escalation, *, reason: str) -> dict | None:
    contact = escalation.raised_by_contact
    if contact is None:
        return None
    return {
        "key": f"escalation:{escalation.pk}:{reason}:business:level-{escalation.level}",
        "to": [contact.email],
        "subject": f"Your escalation “{escalation.subject}”: {reason.replace('-', ' ')}",
        "template": "escalation_business",
        "context": {"escalation": escalation, "reason": reason, "contact": contact},
    }


def _notify_level(escalation: Escalation, *, reason: str) -> None:
    email_enqueue(**_level_message(escalation, reason=reason))


def _notify_business(escalation: Escalation, *, reason: str) -> None:
    message = _business_message(escalation, reason=reason)
    if message is not None:
        email_enqueue(**message)


def escalation_ensure_may_raise(*, user, unit: BusinessUnit) -> Contact | None:
    """Who may raise an escalation for a unit: on the staff side its relationship manager or
    who manages every unit (the right to edit the unit); on the business side a contact who
    sees the unit (any role: their own unit, a customer also the units below theirs).
    Returns the contact a business user raises it as, None for staff."""
    if user.is_authenticated and user.is_staff:
        if not unit_is_editable_by(user=user, unit=unit):
            raise DomainPermissionError(
                f"{unit.name} is not in your portfolio: only its relationship manager or IT "
                "management may raise an escalation for it.",
                field="unit",
            )
        return None
    if not unit_is_visible_to(user=user, unit=unit):
        raise DomainPermissionError(
            f"You are not a contact of {unit.name}, so you cannot raise an escalation for it.", field="unit"
        )
    return _acting_contact(user=user, unit=unit, what="raise an escalation for it")


@transaction.atomic
def escalation_raise(
    *, unit: BusinessUnit, by, subject: str, description: str, severity: str, service: Service | None = None
) -> Escalation:
    """Raised by the business or by staff (escalation_ensure_may_raise says who); it starts
    at level 1 with a deadline set by its severity."""
    contact = escalation_ensure_may_raise(user=by, unit=unit)
    if severity not in Escalation.Severity.values:
        raise DomainError(f"Unknown severity {severity!r}.", field="severity")
    if service is not None and not Subscription.objects.filter(unit=unit, service=service).exists():
        raise DomainError(f"{unit.name} does not use {service.name}.", field="service")
    now = timezone.now()
    escalation = Escalation.objects.create(
        unit=unit,
        subject=subject,
        description=description,
        severity=severity,
        service=service,
        level=1,
        raised_by_contact=contact,
        raised_by_user=by,
        raised_at=now,
        respond_by=rules.respond_by(severity=severity, from_time=now),
    )
    _record(escalation, EscalationEvent.Kind.RAISED, by=by, contact=contact, to_level=1)
    _notify_level(escalation, reason="raised")
    emit(EventType.ESCALATION_RAISED, escalation)
    return escalation


@transaction.atomic
def escalation_acknowledge(*, escalation: Escalation, by, note: str = "") -> Escalation:
    _ensure_may_respond(user=by, escalation=escalation, what="acknowledge")
    if escalation.status != Escalation.Status.OPEN:
        raise DomainError(
            f"This escalation is {escalation.get_status_display().lower()}; only an open one can be acknowledged."
        )
    escalation.status = Escalation.Status.ACKNOWLEDGED
    escalation.acknowledged_at = timezone.now()
    escalation.save(update_fields=["status", "acknowledged_at", "updated_at"])
    _record(escalation, EscalationEvent.Kind.ACKNOWLEDGED, by=by, note=note)
    _notify_business(escalation, reason="acknowledged")
    return escalation


@transaction.atomic
def escalation_escalate(
    *, escalation: Escalation, by=None, note: str = "", automatic: bool = False
) -> Escalation:
    """Move up one level: by hand (staff at the current level, or a contact of the unit who
    is not satisfied), or automatically when the deadline passed (`by` None). The new level
    gets a fresh deadline and is notified, and so is the business. By hand it needs a reason:
    the next level reads it first, whoever escalates and through whichever door."""
    if escalation.status not in Escalation.OPEN_STATUSES:
        raise DomainError("Only an open escalation can be escalated.")
    to_level = rules.next_level(escalation.level)
    if to_level is None:
        raise DomainError("This escalation is already with the IT steering group, the top of the route.")
    contact = None
    if not automatic:
        if by is None:
            raise DomainPermissionError("Say who escalates.")
        if not note.strip():
            raise DomainError("Say why it goes up a level: the next level reads this first.", field="note")
        if by.is_staff:
            _ensure_may_respond(user=by, escalation=escalation, what="escalate")
        else:
            contact = _acting_contact(user=by, unit=escalation.unit, what="escalate its escalations")
    now = timezone.now()
    from_level = escalation.level
    escalation.level = to_level
    escalation.status = Escalation.Status.OPEN
    escalation.respond_by = rules.respond_by(severity=escalation.severity, from_time=now)
    escalation.level_reminded_at = None
    escalation.save(update_fields=["level", "status", "respond_by", "level_reminded_at", "updated_at"])
    kind = EscalationEvent.Kind.AUTO_ESCALATED if automatic else EscalationEvent.Kind.ESCALATED
    _record(escalation, kind, by=by, contact=contact, note=note, from_level=from_level, to_level=to_level)
    _notify_level(escalation, reason="escalated")
    _notify_business(escalation, reason="escalated")
    emit(EventType.ESCALATION_ESCALATED, escalation)
    return escalation


@transaction.atomic
def escalation_escalate_overdue(*, escalations: list[Escalation], now: datetime.datetime) -> int:
    """The ladder's automatic step for many escalations at once, each locked by the caller
    and past its deadline: what `escalation_escalate(automatic=True)` does to one (next
    level, fresh deadline, history, the new level and the business notified), in a few
    queries for the lot instead of a dozen each. Returns how many climbed."""
    climbed, events, messages, members = [], [], [], {}
    for escalation in escalations:
        to_level = rules.next_level(escalation.level)
        if to_level is None or escalation.status not in Escalation.OPEN_STATUSES:
            continue
        events.append(
            EscalationEvent(
                escalation=escalation,
                kind=EscalationEvent.Kind.AUTO_ESCALATED,
                from_level=escalation.level,
                to_level=to_level,
                note="",
                created_at=now,
            )
        )
        escalation.level = to_level
        escalation.status = Escalation.Status.OPEN
        escalation.respond_by = rules.respond_by(severity=escalation.severity, from_time=now)
        escalation.level_reminded_at = None
        escalation.updated_at = now
        climbed.append(escalation)
        if to_level not in members and to_level != 1:  # levels 2 and 3: the same people for all
            members[to_level] = roles.level_members(level=to_level, unit=escalation.unit)
        messages.append(_level_message(escalation, reason="escalated", members=members.get(to_level)))
        business = _business_message(escalation, reason="escalated")
        if business is not None:
            messages.append(business)
    # Escalations climbing to the same level with the same severity get the same deadline:
    # one UPDATE per (level, deadline), at most levels x severities, not a CASE per row.
    groups = defaultdict(list)
    for escalation in climbed:
        groups[(escalation.level, escalation.respond_by)].append(escalation.pk)
    for (level, respond_by), pks in groups.items():
        Escalation.objects.filter(pk__in=pks).update(
            level=level,
            status=Escalation.Status.OPEN,
            respond_by=respond_by,
            level_reminded_at=None,
            updated_at=now,
        )
    # The UPDATEs above bypass save(): write the audit history and webhook events here.
    Escalation.history.bulk_history_create(climbed, update=True, default_date=now, batch_size=500)
    EscalationEvent.objects.bulk_create(events, batch_size=500)
    emit_many(EventType.ESCALATION_ESCALATED, climbed)
    email_enqueue_many(messages=messages)
    keys = [message["key"] for message in messages]
    transaction.on_commit(lambda: email_send_later(keys=keys))
    return len(climbed)


# Nothing climbs above the IT steering group: past its deadline, it is reminded instead.
OVERDUE_AT_TOP = "overdue"


@transaction.atomic
def escalation_remind_overdue_at_top(*, escalations: list[Escalation], now: datetime.datetime) -> int:
    """The ladder's step for open escalations past the deadline of the top level (each
    locked by the caller): the IT steering group is reminded once per escalation, and the
    reminder is kept in its history. Once: the e-mail's outbox key names the escalation, the
    reason and the level, so an escalation whose key is taken is left alone. A few queries
    for the lot. Returns how many were reminded."""
    escalations = [
        e for e in escalations if e.level == rules.TOP_LEVEL and e.status == Escalation.Status.OPEN
    ]
    if not escalations:
        return 0
    members = roles.level_members(level=rules.TOP_LEVEL, unit=escalations[0].unit)
    if not members:
        return 0  # nobody to remind: nothing is written, so a later run reminds them once named
    messages = {e.pk: _level_message(e, reason=OVERDUE_AT_TOP, members=members) for e in escalations}
    taken = set(
        OutgoingEmail.objects.filter(key__in=[m["key"] for m in messages.values()]).values_list(
            "key", flat=True
        )
    )
    fresh = [e for e in escalations if messages[e.pk]["key"] not in taken]
    if not fresh:
        return 0
    email_enqueue_many(messages=[messages[e.pk] for e in fresh])
    EscalationEvent.objects.bulk_create(
        [
            EscalationEvent(
                escalation=e,
                kind=EscalationEvent.Kind.REMINDED,
                to_level=e.level,
                note="Deadline passed at the top of the route: the IT steering group was reminded.",
                created_at=now,
            )
            for e in fresh
        ],
        batch_size=500,
    )
    keys = [messages[e.pk]["key"] for e in fresh]
    transaction.on_commit(lambda: email_send_later(keys=keys))
    return len(fresh)


@transaction.atomic
def escalation_remind(*, escalation: Escalation) -> bool:
    """Remind the current level once before its deadline. False if already reminded."""
    # A conditional UPDATE (the claim) that history does not see: `level_reminded_at` is left
    # out of the escalation's history, and the reminder is an event of its own.
    claimed = Escalation.objects.filter(
        pk=escalation.pk,
        level=escalation.level,
        level_reminded_at__isnull=True,
        status__in=Escalation.OPEN_STATUSES,
    ).update(level_reminded_at=timezone.now())
    if not claimed:
        return False
    _record(escalation, EscalationEvent.Kind.REMINDED, to_level=escalation.level)
    _notify_level(escalation, reason="reminder")
    return True


@transaction.atomic
def escalation_resolve(*, escalation: Escalation, by, resolution: str) -> Escalation:
    _ensure_may_respond(user=by, escalation=escalation, what="resolve")
    if escalation.status not in Escalation.OPEN_STATUSES:
        raise DomainError("Only an open escalation can be resolved.")
    if not resolution.strip():
        raise DomainError("Describe the resolution.", field="resolution")
    escalation.status = Escalation.Status.RESOLVED
    escalation.resolved_at = timezone.now()
    escalation.resolution = resolution
    escalation.save(update_fields=["status", "resolved_at", "resolution", "updated_at"])
    _record(escalation, EscalationEvent.Kind.RESOLVED, by=by, note=resolution)
    _notify_business(escalation, reason="resolved")
    emit(EventType.ESCALATION_RESOLVED, escalation)
    return escalation


@transaction.atomic
def escalation_close(*, escalation: Escalation, by, note: str = "") -> Escalation:
    """A resolved escalation is closed by the business (satisfied) or by staff."""
    if escalation.status != Escalation.Status.RESOLVED:
        raise DomainError("Only a resolved escalation can be closed.")
    contact = None
    if by.is_staff:
        _ensure_may_respond(user=by, escalation=escalation, what="close")
    else:
        contact = _acting_contact(user=by, unit=escalation.unit, what="close its escalations")
    escalation.status = Escalation.Status.CLOSED
    escalation.closed_at = timezone.now()
    escalation.save(update_fields=["status", "closed_at", "updated_at"])
    _record(escalation, EscalationEvent.Kind.CLOSED, by=by, contact=contact, note=note)
    return escalation


@transaction.atomic
def escalation_comment(*, escalation: Escalation, by, note: str) -> EscalationEvent:
    if not note.strip():
        raise DomainError("A comment cannot be empty.", field="note")
    contact = None
    if by.is_staff:
        if not (
            may_respond_at_level(user=by, escalation=escalation)
            or unit_is_editable_by(user=by, unit=escalation.unit)
        ):
            raise DomainPermissionError("You are not on this escalation's route.")
    else:
        contact = _acting_contact(user=by, unit=escalation.unit, what="comment on its escalations")
    return _record(escalation, EscalationEvent.Kind.COMMENTED, by=by, contact=contact, note=note)


# --- Satisfaction surveys -----------------------------------------------------------------


@transaction.atomic
def survey_campaign_save(*, campaign: SurveyCampaign, by) -> SurveyCampaign:
    """Plan a survey campaign, or change its name or dates (handed over with the changes
    applied): IT staff only; a campaign closes after it opens. Who planned it is kept."""
    if not (by.is_authenticated and by.is_staff):
        raise DomainPermissionError("Only IT staff plan survey campaigns.")
    if campaign.opens_at and campaign.closes_at and campaign.closes_at <= campaign.opens_at:
        raise DomainError("A campaign must close after it opens.", field="closes_at")
    if campaign.pk is None:
        campaign.created_by = by
    campaign.save()
    return campaign


@transaction.atomic
def survey_invitation_create(*, campaign: SurveyCampaign, contact: Contact) -> SurveyInvitation:
    """One invitation per contact per campaign."""
    if SurveyInvitation.objects.filter(campaign=campaign, contact=contact).exists():
        raise DomainError(f"{contact.full_name} is already invited to {campaign.name}.")
    return SurveyInvitation.objects.create(campaign=campaign, contact=contact, unit=contact.unit)


def survey_invitation_state(invitation: SurveyInvitation | None) -> str:
    """Whether a link may be answered: "open", "used", "expired" or "unknown"."""
    if invitation is None:
        return "unknown"
    if invitation.status == SurveyInvitation.Status.RESPONDED:
        return "used"
    campaign = invitation.campaign
    if (
        invitation.status == SurveyInvitation.Status.EXPIRED
        or campaign.status == SurveyCampaign.Status.CLOSED
        or campaign.closes_at <= timezone.now()
    ):
        return "expired"
    if campaign.opens_at > timezone.now():
        return "unknown"
    return "open"


@transaction.atomic
def survey_response_submit(
    *,
    invitation: SurveyInvitation,
    overall_satisfaction: int,
    recommend_score: int,
    ratings: dict[int, int] | None = None,
    comment: str = "",
) -> SurveyResponse:
    """Answer an invitation once. Ratings are per subscription of the unit (id → 1..5).
    A poor answer opens a follow-up action for the relationship manager."""
    # Lock the invitation: two submits of the same link cannot both pass the check.
    invitation = (
        SurveyInvitation.objects.select_for_update().select_related("campaign", "unit").get(pk=invitation.pk)
    )
    state = survey_invitation_state(invitation)
    if state == "used":
        raise DomainError("This survey has already been answered. Thank you!")
    if state != "open":
        raise DomainError("This survey is no longer open for answers.")
    if not 1 <= overall_satisfaction <= 5:
        raise DomainError("Overall satisfaction must be between 1 and 5.", field="overall_satisfaction")
    if not 0 <= recommend_score <= 10:
        raise DomainError("Likelihood to recommend must be between 0 and 10.", field="recommend_score")
    ratings = ratings or {}
    subscriptions = {
        sub.pk: sub
        for sub in Subscription.objects.filter(unit=invitation.unit, pk__in=list(ratings)).select_related(
            "service"
        )
    }
    for subscription_id, rating in ratings.items():
        if subscription_id not in subscriptions:
            raise DomainError("A rating names a service this unit does not use.", field="ratings")
        if not 1 <= rating <= 5:
            raise DomainError(
                f"The rating of {subscriptions[subscription_id].service.name} must be between 1 and 5.",
                field="ratings",
            )
    response = SurveyResponse.objects.create(
        invitation=invitation,
        campaign=invitation.campaign,
        unit=invitation.unit,
        overall_satisfaction=overall_satisfaction,
        recommend_score=recommend_score,
        comment=comment,
    )
    ServiceRating.objects.bulk_create(
        ServiceRating(response=response, subscription=subscriptions[sid], rating=rating)
        for sid, rating in ratings.items()
    )
    invitation.status = SurveyInvitation.Status.RESPONDED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    if rules.is_poor_answer(
        overall_satisfaction=overall_satisfaction, recommend_score=recommend_score, ratings=ratings.values()
    ):
        survey_response_follow_up(response=response)
        emit(EventType.SURVEY_POOR_RESPONSE, response)
    return response


@transaction.atomic
def survey_response_follow_up(*, response: SurveyResponse) -> FollowUpAction | None:
    """Open the follow-up action for a poor answer, once (safe to call again)."""
    manager = response.unit.relationship_manager
    if manager is None or response.actions.exists():
        return None
    contact = response.invitation.contact
    return action_create(
        unit=response.unit,
        by=None,
        title=f"Follow up the survey answer of {contact.full_name}",
        description=(
            f"Satisfaction {response.overall_satisfaction}/5, recommend {response.recommend_score}/10.\n\n"
            f"{response.comment}"
        ).strip(),
        owner=manager,
        due_on=timezone.localdate() + datetime.timedelta(days=7),
        survey_response=response,
    )


@transaction.atomic
def escalation_raise_for_survey(*, response: SurveyResponse) -> Escalation | None:
    """A very poor survey answer raises an escalation at level 1, by the portal itself (no
    raising user); linked to the answer's follow-up action, so raising again does nothing.
    Returns None if the answer has an escalation already or its unit has no manager."""
    survey_response_follow_up(response=response)
    # Locked: two callers at once cannot both see "no escalation yet".
    action = (
        FollowUpAction.objects.select_for_update().filter(survey_response=response).order_by("pk").first()
    )
    if action is None or action.escalation_id is not None:
        return None
    contact = response.invitation.contact
    now = timezone.now()
    severity = Escalation.Severity.HIGH
    escalation = Escalation.objects.create(
        unit=response.unit,
        subject=f"Very poor survey answer from {contact.full_name}",
        description=(
            f"{contact.full_name} rated IT {response.overall_satisfaction}/5 overall and "
            f"{response.recommend_score}/10 for recommending it in “{response.campaign.name}”.\n\n"
            f"{response.comment}"
        ).strip(),
        severity=severity,
        level=1,
        raised_at=now,
        respond_by=rules.respond_by(severity=severity, from_time=now),
    )
    _record(escalation, EscalationEvent.Kind.RAISED, to_level=1, note="Raised automatically by the survey.")
    # One row, so a save rather than an UPDATE: the link then shows in the action's history.
    action.escalation = escalation
    action.save(update_fields=["escalation", "updated_at"])
    _notify_level(escalation, reason="raised")
    emit(EventType.ESCALATION_RAISED, escalation)
    return escalation
