"""Satisfaction surveys: campaigns, invitations and answers."""

import datetime

from django.db import transaction
from django.utils import timezone

from core.domain import DomainError, DomainPermissionError
from customers.models import Contact
from services.models import Subscription
from webhooks.events import EventType, emit

from .. import rules
from ..models import FollowUpAction, ServiceRating, SurveyCampaign, SurveyInvitation, SurveyResponse
from .interactions import action_create


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
