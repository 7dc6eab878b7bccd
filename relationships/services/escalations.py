"""Escalations: a formal route of three levels, climbed until someone responds."""

import datetime
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from core.domain import DomainError, DomainPermissionError
from customers import roles
from customers.models import BusinessUnit, Contact
from customers.selectors import unit_is_editable_by, unit_is_visible_to
from notifications.mail import email_enqueue, email_enqueue_many, email_send_later
from notifications.models import OutgoingEmail
from services.models import Service, Subscription
from webhooks.events import EventType, emit, emit_many

from .. import rules
from ..models import Escalation, EscalationEvent, FollowUpAction, SurveyResponse
from .common import acting_contact
from .surveys import survey_response_follow_up


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
    return acting_contact(user=user, unit=unit, what="raise an escalation for it")


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
            contact = acting_contact(user=by, unit=escalation.unit, what="escalate its escalations")
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
        contact = acting_contact(user=by, unit=escalation.unit, what="close its escalations")
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
        contact = acting_contact(user=by, unit=escalation.unit, what="comment on its escalations")
    return _record(escalation, EscalationEvent.Kind.COMMENTED, by=by, contact=contact, note=note)


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
