"""Reads of the relationship side for the API: who may see which rows, with the joins done
so that every list is a constant number of queries."""

from django.db.models import Count, Prefetch

from api.mixins import scope_to_visible_units
from relationships.models import (
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
from relationships.selectors_survey import campaign_results as survey_results


def interaction_list(*, user):
    """A business contact sees only the interactions whose notes are shared with them."""
    return (
        Interaction.objects.visible_to(user)
        .select_related("unit", "created_by", "agreement")
        .prefetch_related("contacts", "staff")
    )


def action_list(*, user):
    return FollowUpAction.objects.visible_to(user).select_related("unit", "owner")


def requirement_list(*, user):
    return Requirement.objects.visible_to(user).select_related("unit", "service", "prepared_by", "decided_by")


def opportunity_list(*, user):
    return Opportunity.objects.visible_to(user).select_related("unit", "owner")


def campaign_list():
    return SurveyCampaign.objects.select_related("created_by").annotate(
        invitation_count=Count("invitations", distinct=True),
        response_count=Count("responses", distinct=True),
    )


def invitation_list():
    return SurveyInvitation.objects.select_related("campaign", "contact", "unit")


def response_list(*, user):
    """Staff read every answer; a business contact only the answers they gave themselves."""
    queryset = SurveyResponse.objects.select_related(
        "campaign", "unit", "invitation__contact"
    ).prefetch_related(
        Prefetch("ratings", queryset=ServiceRating.objects.select_related("subscription__service"))
    )
    if user.is_staff:
        return queryset
    return queryset.filter(invitation__contact__user=user)


def escalation_list(*, user):
    events = EscalationEvent.objects.select_related("actor_user", "actor_contact")
    return scope_to_visible_units(
        Escalation.objects.select_related(
            "unit", "service", "raised_by_contact", "raised_by_user"
        ).prefetch_related(Prefetch("events", queryset=events)),
        user,
    )


def _figures(result) -> dict:
    return {
        "invited": result.invited,
        "responded": result.responded,
        "response_rate": result.response_rate,
        "average_satisfaction": result.average_satisfaction,
        "nps": result.nps,
    }


def campaign_results(*, campaign: SurveyCampaign) -> dict:
    """The campaign's results (selectors_survey.campaign_results) in the API's shape."""
    results = survey_results(campaign)
    return {
        "campaign": campaign,
        "overall": _figures(results.overall),
        "units": [
            {"unit": {"id": unit.unit_id, "code": unit.unit_code, "name": unit.unit_name}, **_figures(unit)}
            for unit in results.units
        ],
    }
