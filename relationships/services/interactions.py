"""Interactions with the business and the follow-up actions that come out of them."""

import datetime

from django.db import transaction
from django.utils import timezone

from core.domain import DomainError, DomainPermissionError
from customers.models import BusinessUnit
from customers.selectors import unit_is_editable_by
from customers.services import ensure_can_edit_unit
from services.models import Agreement
from services.services import agreement_reviewed

from .. import rules
from ..models import Escalation, FollowUpAction, Interaction, SurveyResponse

DUE_IN_THE_PAST = "A due date cannot be in the past."


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
