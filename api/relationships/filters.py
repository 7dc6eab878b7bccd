from api.filters import BRMFilterSet, DateFilter, IdFilter, IsoDateTimeFilter, StrictBooleanFilter
from relationships.models import (
    Escalation,
    FollowUpAction,
    Interaction,
    Opportunity,
    Requirement,
    SurveyCampaign,
    SurveyInvitation,
    SurveyResponse,
)


def _unit():
    return IdFilter(field_name="unit")


class InteractionFilter(BRMFilterSet):
    unit = _unit()
    occurred_after = IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lte")

    class Meta:
        model = Interaction
        fields = ["unit", "kind", "sentiment", "is_shared_with_business"]


class FollowUpActionFilter(BRMFilterSet):
    unit = _unit()
    owner = IdFilter(field_name="owner")
    due_before = DateFilter(field_name="due_on", lookup_expr="lte")

    class Meta:
        model = FollowUpAction
        fields = ["unit", "owner", "status"]


class RequirementFilter(BRMFilterSet):
    unit = _unit()
    service = IdFilter(field_name="service")

    class Meta:
        model = Requirement
        fields = ["unit", "service", "status", "kind", "priority"]


class OpportunityFilter(BRMFilterSet):
    unit = _unit()

    class Meta:
        model = Opportunity
        fields = ["unit", "kind", "status"]


class SurveyCampaignFilter(BRMFilterSet):
    class Meta:
        model = SurveyCampaign
        fields = ["status"]


class SurveyInvitationFilter(BRMFilterSet):
    unit = _unit()
    campaign = IdFilter(field_name="campaign")
    contact = IdFilter(field_name="contact")

    class Meta:
        model = SurveyInvitation
        fields = ["campaign", "unit", "contact", "status"]


class SurveyResponseFilter(BRMFilterSet):
    unit = _unit()
    campaign = IdFilter(field_name="campaign")

    class Meta:
        model = SurveyResponse
        fields = ["campaign", "unit"]


class EscalationFilter(BRMFilterSet):
    unit = _unit()
    service = IdFilter(field_name="service")
    is_open = StrictBooleanFilter(method="filter_open", label="Open or acknowledged")

    class Meta:
        model = Escalation
        fields = ["unit", "service", "status", "severity", "level"]

    def filter_open(self, queryset, name, value):
        statuses = Escalation.OPEN_STATUSES
        return queryset.filter(status__in=statuses) if value else queryset.exclude(status__in=statuses)
