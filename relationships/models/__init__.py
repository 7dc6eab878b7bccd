"""The relationship itself, one module per subdomain: interactions and follow-up actions,
requirements and opportunities, surveys, escalations. (The health score is computed from
these in relationships/health.py and has no table of its own.)"""

from .escalations import Escalation, EscalationEvent, EscalationQuerySet
from .interactions import FollowUpAction, FollowUpActionQuerySet, Interaction
from .requirements import Opportunity, Requirement
from .summaries import (
    AttainmentSummary,
    OpenActionsSummary,
    OpenEscalationsSummary,
    SurveySummary,
    UnitActivitySummary,
)
from .surveys import (
    ServiceRating,
    SurveyCampaign,
    SurveyInvitation,
    SurveyResponse,
    hash_survey_token,
    survey_token_for,
)

__all__ = [
    "AttainmentSummary",
    "OpenActionsSummary",
    "OpenEscalationsSummary",
    "SurveySummary",
    "UnitActivitySummary",
    "Escalation",
    "EscalationEvent",
    "EscalationQuerySet",
    "FollowUpAction",
    "FollowUpActionQuerySet",
    "Interaction",
    "Opportunity",
    "Requirement",
    "ServiceRating",
    "SurveyCampaign",
    "SurveyInvitation",
    "SurveyResponse",
    "hash_survey_token",
    "survey_token_for",
]
