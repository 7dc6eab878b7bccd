from django.contrib.auth import get_user_model
from rest_framework import serializers

from api.fields import (
    ModelSerializer,
    SaneDateField,
    SaneDateTimeField,
    StrictBooleanField,
    StrictCharField,
    StrictDecimalField,
    StrictIntegerField,
    StrictPrimaryKeyRelatedField,
)
from api.mixins import (
    ScopedPrimaryKeyRelatedField,
    UnitRefSerializer,
    UserRefSerializer,
    scope_to_visible_units,
    staff_user_field,
    unit_field,
)
from api.services.serializers import ContactRefSerializer, ServiceRefSerializer
from customers.models import Contact
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
from services.models import Agreement, Service

User = get_user_model()


def _visible(queryset, user):
    return scope_to_visible_units(queryset, user)


def _agreement_field(**kwargs):
    return ScopedPrimaryKeyRelatedField(
        queryset=Agreement.objects.all(), scope=lambda queryset, user: queryset.visible_to(user), **kwargs
    )


# --- Output ------------------------------------------------------------------------------


class InteractionSerializer(ModelSerializer):
    unit = UnitRefSerializer(read_only=True)
    contacts = ContactRefSerializer(many=True, read_only=True)
    staff = UserRefSerializer(many=True, read_only=True)
    created_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Interaction
        fields = [
            "id",
            "unit",
            "kind",
            "subject",
            "occurred_at",
            "notes",
            "sentiment",
            "is_shared_with_business",
            "agreement",
            "contacts",
            "staff",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class FollowUpActionSerializer(ModelSerializer):
    unit = UnitRefSerializer(read_only=True)
    owner = UserRefSerializer(read_only=True)

    class Meta:
        model = FollowUpAction
        fields = [
            "id",
            "unit",
            "title",
            "description",
            "owner",
            "due_on",
            "status",
            "interaction",
            "survey_response",
            "escalation",
            "agreement",
            "completed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class RequirementSerializer(ModelSerializer):
    unit = UnitRefSerializer(read_only=True)
    service = ServiceRefSerializer(read_only=True, allow_null=True)
    prepared_by = ContactRefSerializer(read_only=True, allow_null=True)
    decided_by = ContactRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Requirement
        fields = [
            "id",
            "unit",
            "title",
            "description",
            "kind",
            "service",
            "priority",
            "desired_by",
            "status",
            "prepared_by",
            "submitted_at",
            "decided_by",
            "decided_at",
            "decision_reason",
            "delivery_started_at",
            "delivered_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class OpportunitySerializer(ModelSerializer):
    unit = UnitRefSerializer(read_only=True)
    owner = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "unit",
            "title",
            "description",
            "kind",
            "status",
            "estimated_annual_value",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SurveyCampaignSerializer(ModelSerializer):
    invitation_count = StrictIntegerField(read_only=True)
    response_count = StrictIntegerField(read_only=True)

    class Meta:
        model = SurveyCampaign
        fields = [
            "id",
            "name",
            "status",
            "opens_at",
            "closes_at",
            "closed_at",
            "invitation_count",
            "response_count",
            "created_at",
        ]
        read_only_fields = fields


class SurveyInvitationSerializer(ModelSerializer):
    """The link's secret is never shown: it travels by e-mail to its contact only."""

    unit = UnitRefSerializer(read_only=True)
    contact = ContactRefSerializer(read_only=True)

    class Meta:
        model = SurveyInvitation
        fields = [
            "id",
            "campaign",
            "contact",
            "unit",
            "status",
            "sent_at",
            "reminder_count",
            "last_reminded_at",
            "responded_at",
            "created_at",
        ]
        read_only_fields = fields


class ServiceRatingSerializer(ModelSerializer):
    service = ServiceRefSerializer(source="subscription.service", read_only=True)

    class Meta:
        model = ServiceRating
        fields = ["subscription", "service", "rating"]
        read_only_fields = fields


class SurveyResponseSerializer(ModelSerializer):
    unit = UnitRefSerializer(read_only=True)
    contact = ContactRefSerializer(source="invitation.contact", read_only=True)
    ratings = ServiceRatingSerializer(many=True, read_only=True)

    class Meta:
        model = SurveyResponse
        fields = [
            "id",
            "campaign",
            "unit",
            "contact",
            "overall_satisfaction",
            "recommend_score",
            "comment",
            "ratings",
            "submitted_at",
        ]
        read_only_fields = fields


class EscalationEventSerializer(ModelSerializer):
    actor_user = UserRefSerializer(read_only=True, allow_null=True)
    actor_contact = ContactRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = EscalationEvent
        fields = ["id", "kind", "from_level", "to_level", "actor_user", "actor_contact", "note", "created_at"]
        read_only_fields = fields


class EscalationSerializer(ModelSerializer):
    unit = UnitRefSerializer(read_only=True)
    service = ServiceRefSerializer(read_only=True, allow_null=True)
    raised_by_contact = ContactRefSerializer(read_only=True, allow_null=True)
    raised_by_user = UserRefSerializer(read_only=True, allow_null=True)
    events = EscalationEventSerializer(many=True, read_only=True)

    class Meta:
        model = Escalation
        fields = [
            "id",
            "unit",
            "subject",
            "description",
            "severity",
            "service",
            "level",
            "status",
            "raised_by_contact",
            "raised_by_user",
            "raised_at",
            "respond_by",
            "acknowledged_at",
            "resolved_at",
            "closed_at",
            "resolution",
            "events",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class HealthSerializer(serializers.Serializer):
    unit = UnitRefSerializer(read_only=True)
    score = StrictIntegerField(min_value=0, max_value=100)
    band = serializers.ChoiceField(choices=[("good", "Good"), ("fair", "Fair"), ("poor", "Poor")])
    satisfaction = serializers.FloatField(allow_null=True, help_text="Latest survey average, 1 to 5.")
    attainment = serializers.FloatField(allow_null=True, help_text="Targets met, percent, last 3 months.")
    open_escalations = StrictIntegerField()
    days_since_interaction = StrictIntegerField(allow_null=True)
    overdue_actions = StrictIntegerField()
    reasons = serializers.ListField(child=StrictCharField())


class ResultFiguresSerializer(serializers.Serializer):
    invited = StrictIntegerField()
    responded = StrictIntegerField()
    response_rate = serializers.FloatField(allow_null=True, help_text="Percent of invitations answered.")
    average_satisfaction = serializers.FloatField(allow_null=True, help_text="1 to 5.")
    nps = StrictIntegerField(allow_null=True, help_text="Net Promoter Score, -100 to 100.")


class UnitResultSerializer(ResultFiguresSerializer):
    unit = UnitRefSerializer()


class CampaignResultsSerializer(serializers.Serializer):
    campaign = SurveyCampaignSerializer()
    overall = ResultFiguresSerializer()
    units = UnitResultSerializer(many=True)


# --- Input -------------------------------------------------------------------------------


class ActionInputSerializer(serializers.Serializer):
    title = StrictCharField(max_length=200)
    owner = staff_user_field()
    due_on = SaneDateField()
    description = StrictCharField(required=False, allow_blank=True, default="")


class InteractionInputSerializer(serializers.Serializer):
    unit = unit_field()
    kind = serializers.ChoiceField(choices=Interaction.Kind.choices)
    subject = StrictCharField(max_length=200)
    occurred_at = SaneDateTimeField()
    notes = StrictCharField(required=False, allow_blank=True, default="")
    sentiment = serializers.ChoiceField(
        choices=Interaction.Sentiment.choices, default=Interaction.Sentiment.NEUTRAL
    )
    is_shared_with_business = StrictBooleanField(default=False)
    contacts = ScopedPrimaryKeyRelatedField(
        queryset=Contact.objects.all(), scope=_visible, many=True, required=False, default=list
    )
    staff = staff_user_field(many=True, required=False, default=list)
    agreement = _agreement_field(required=False, allow_null=True, default=None)
    actions = ActionInputSerializer(many=True, required=False, default=list)


class FollowUpActionInputSerializer(ActionInputSerializer):
    unit = unit_field()
    # Any interaction the caller sees; the service refuses one of another unit, by name.
    interaction = ScopedPrimaryKeyRelatedField(
        queryset=Interaction.objects.all(),
        scope=lambda queryset, user: queryset.visible_to(user),
        required=False,
        allow_null=True,
        default=None,
    )
    escalation = ScopedPrimaryKeyRelatedField(
        queryset=Escalation.objects.all(), scope=_visible, required=False, allow_null=True, default=None
    )
    agreement = _agreement_field(required=False, allow_null=True, default=None)


class ActionStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=FollowUpAction.Status.choices)


class RequirementInputSerializer(serializers.Serializer):
    unit = unit_field()
    title = StrictCharField(max_length=200)
    description = StrictCharField()
    kind = serializers.ChoiceField(choices=Requirement.Kind.choices, default=Requirement.Kind.NEW_SERVICE)
    service = StrictPrimaryKeyRelatedField(
        queryset=Service.objects.all(), required=False, allow_null=True, default=None
    )
    priority = serializers.ChoiceField(
        choices=Requirement.Priority.choices, default=Requirement.Priority.MEDIUM
    )
    desired_by = SaneDateField(required=False, allow_null=True, default=None)


class DecisionSerializer(serializers.Serializer):
    reason = StrictCharField(
        required=False, allow_blank=True, default="", help_text="Why; required to reject."
    )


class RejectionSerializer(serializers.Serializer):
    # Required, but by the service (requirement_decide), so every door says the same.
    reason = StrictCharField(
        required=False, allow_blank=True, default="", help_text="Why the requirement is rejected: required."
    )


class OpportunityInputSerializer(ModelSerializer):
    unit = unit_field()
    owner = staff_user_field(required=False, allow_null=True)
    estimated_annual_value = StrictDecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )

    class Meta:
        model = Opportunity
        fields = ["unit", "title", "description", "kind", "status", "estimated_annual_value", "owner"]


class SurveyCampaignInputSerializer(ModelSerializer):
    """A campaign closes after it opens: the service's rule (survey_campaign_save)."""

    class Meta:
        model = SurveyCampaign
        fields = ["name", "opens_at", "closes_at"]


class SurveyInvitationInputSerializer(serializers.Serializer):
    campaign = StrictPrimaryKeyRelatedField(queryset=SurveyCampaign.objects.all())
    contact = StrictPrimaryKeyRelatedField(queryset=Contact.objects.filter(is_active=True))


class EscalationInputSerializer(serializers.Serializer):
    unit = unit_field()
    subject = StrictCharField(max_length=200)
    description = StrictCharField()
    severity = serializers.ChoiceField(
        choices=Escalation.Severity.choices, default=Escalation.Severity.MEDIUM
    )
    service = StrictPrimaryKeyRelatedField(
        queryset=Service.objects.all(), required=False, allow_null=True, default=None
    )


class NoteSerializer(serializers.Serializer):
    note = StrictCharField(required=False, allow_blank=True, default="")


class CommentSerializer(serializers.Serializer):
    note = StrictCharField(help_text="The comment.")


class ResolutionSerializer(serializers.Serializer):
    resolution = StrictCharField(help_text="What was done about it.")
