from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.history import HistoryMixin
from api.mixins import ServiceWriteMixin, visible_units, with_changes
from api.pagination import LargeTablePagination
from api.permissions import IsStaff, StaffWritesOnly
from customers.models import BusinessUnit
from relationships import services
from relationships.health import health_scores
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

from . import filters, selectors, serializers

READ = [mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet]
WRITE_METHODS = ["get", "post", "patch", "head", "options"]
CREATE_METHODS = ["get", "post", "head", "options"]
NO_BODY = None


@extend_schema_view(
    list=extend_schema(summary="List interactions (a business contact: only those shared with the business)"),
    create=extend_schema(summary="Log an interaction, with its follow-up actions (IT staff of the unit)"),
)
class InteractionViewSet(ServiceWriteMixin, *READ):
    """Contact moments with the business. Notes not shared with the business are for IT
    staff only: a business contact does not see those interactions at all."""

    queryset = Interaction.objects.all()
    permission_classes = [StaffWritesOnly]
    http_method_names = CREATE_METHODS
    pagination_class = LargeTablePagination  # millions of rows at an enterprise
    serializer_class = serializers.InteractionSerializer
    input_serializers = {"create": serializers.InteractionInputSerializer}
    filterset_class = filters.InteractionFilter
    search_fields = ["subject", "notes"]
    ordering_fields = ["occurred_at", "kind", "sentiment", "created_at"]
    ordering = ["-occurred_at", "id"]

    def get_queryset(self):
        return selectors.interaction_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        data = self.validated()
        interaction = services.interaction_log(by=request.user, **data)
        return self.respond(interaction, status_code=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="List follow-up actions (IT staff)"),
    create=extend_schema(summary="Open a follow-up action for a unit of your portfolio"),
    partial_update=extend_schema(summary="Move a follow-up action along (its owner or the unit's manager)"),
)
class FollowUpActionViewSet(HistoryMixin, ServiceWriteMixin, *READ):
    """IT's follow-up work: from interactions, survey answers, escalations and reviews."""

    queryset = FollowUpAction.objects.all()
    permission_classes = [IsStaff]
    http_method_names = WRITE_METHODS
    serializer_class = serializers.FollowUpActionSerializer
    input_serializers = {
        "create": serializers.FollowUpActionInputSerializer,
        "partial_update": serializers.ActionStatusSerializer,
    }
    filterset_class = filters.FollowUpActionFilter
    search_fields = ["title", "description"]
    ordering_fields = ["due_on", "status", "created_at"]
    ordering = ["due_on", "id"]

    def get_queryset(self):
        return selectors.action_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        followup = services.action_create(by=request.user, **self.validated())
        return self.respond(followup, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        followup = self.get_object()
        return self.respond(services.action_set_status(action=followup, by=request.user, **self.validated()))

    @extend_schema(
        summary="Reopen a done or cancelled action (the Undo of done)",
        request=NO_BODY,
        description="It goes back to the status it had before it was closed: open or in progress.",
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self.respond(services.action_reopen(action=self.get_object(), by=request.user))


def _requirement_step(summary, *, request=None, description=""):
    return extend_schema(summary=summary, request=request, description=description)


@extend_schema_view(
    list=extend_schema(summary="List the requirements of the units you may see"),
    create=extend_schema(summary="Prepare a requirement (any contact of the unit, or its IT staff)"),
)
class RequirementViewSet(HistoryMixin, ServiceWriteMixin, *READ):
    """Wishes of the business for new or changed services: prepared by anyone of the unit,
    decided by its deciding customer only, then delivered by IT."""

    queryset = Requirement.objects.all()
    permission_classes = [StaffWritesOnly]
    business_actions = ("create", "submit", "approve", "reject")
    http_method_names = CREATE_METHODS
    serializer_class = serializers.RequirementSerializer
    input_serializers = {
        "create": serializers.RequirementInputSerializer,
        "approve": serializers.DecisionSerializer,
        "reject": serializers.RejectionSerializer,
    }
    filterset_class = filters.RequirementFilter
    search_fields = ["title", "description"]
    ordering_fields = ["created_at", "desired_by", "priority", "status", "title"]
    ordering = ["-created_at", "id"]

    def get_queryset(self):
        return selectors.requirement_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        requirement = services.requirement_prepare(by=request.user, **self.validated())
        return self.respond(requirement, status_code=status.HTTP_201_CREATED)

    @_requirement_step("Submit a prepared requirement for decision")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self.respond(services.requirement_submit(requirement=self.get_object(), by=request.user))

    @_requirement_step(
        "Approve a requirement (the unit's deciding customer only)",
        request=serializers.DecisionSerializer,
        description="A purchaser or anyone else gets a 403 naming who may decide.",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide("approve")

    @_requirement_step(
        "Reject a requirement, saying why (the unit's deciding customer only)",
        request=serializers.RejectionSerializer,
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide("reject")

    def _decide(self, decision: str):
        requirement = services.requirement_decide(
            requirement=self.get_object(), by=self.request.user, decision=decision, **self.validated()
        )
        return self.respond(requirement)

    @_requirement_step("Start delivering an approved requirement (IT staff of the unit)")
    @action(detail=True, methods=["post"], url_path="start-delivery")
    def start_delivery(self, request, pk=None):
        return self.respond(
            services.requirement_start_delivery(requirement=self.get_object(), by=request.user)
        )

    @_requirement_step("Mark a requirement delivered (IT staff of the unit)")
    @action(detail=True, methods=["post"])
    def deliver(self, request, pk=None):
        return self.respond(services.requirement_deliver(requirement=self.get_object(), by=request.user))


@extend_schema_view(
    list=extend_schema(summary="List opportunities (IT staff)"),
    create=extend_schema(summary="Record an opportunity for a unit of your portfolio"),
    partial_update=extend_schema(summary="Change an opportunity of your portfolio"),
)
class OpportunityViewSet(ServiceWriteMixin, *READ):
    """Chances for IT to serve the business better; IT staff only."""

    queryset = Opportunity.objects.all()
    permission_classes = [IsStaff]
    http_method_names = WRITE_METHODS
    serializer_class = serializers.OpportunitySerializer
    input_serializers = {
        "create": serializers.OpportunityInputSerializer,
        "partial_update": serializers.OpportunityInputSerializer,
    }
    filterset_class = filters.OpportunityFilter
    search_fields = ["title", "description"]
    ordering_fields = ["created_at", "status", "estimated_annual_value", "title"]
    ordering = ["-created_at", "id"]

    def get_queryset(self):
        return selectors.opportunity_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        opportunity = services.opportunity_save(opportunity=Opportunity(**self.validated()), by=request.user)
        return self.respond(opportunity, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        opportunity = self.get_object()
        changes = self.validated(instance=opportunity, partial=True)
        return self.respond(
            services.opportunity_save(opportunity=with_changes(opportunity, changes), by=request.user)
        )


@extend_schema_view(
    list=extend_schema(summary="List survey campaigns (IT staff)"),
    create=extend_schema(summary="Plan a survey campaign (IT staff)"),
    partial_update=extend_schema(summary="Change a survey campaign's name or dates (IT staff)"),
)
class SurveyCampaignViewSet(ServiceWriteMixin, *READ):
    """Rounds of the satisfaction survey. The periodic jobs open, remind and close them."""

    queryset = SurveyCampaign.objects.all()
    permission_classes = [IsStaff]
    http_method_names = WRITE_METHODS
    serializer_class = serializers.SurveyCampaignSerializer
    input_serializers = {
        "create": serializers.SurveyCampaignInputSerializer,
        "partial_update": serializers.SurveyCampaignInputSerializer,
    }
    filterset_class = filters.SurveyCampaignFilter
    search_fields = ["name"]
    ordering_fields = ["opens_at", "closes_at", "name", "status"]
    ordering = ["-opens_at", "id"]

    def get_queryset(self):
        return selectors.campaign_list()

    def create(self, request, *args, **kwargs):
        campaign = services.survey_campaign_save(campaign=SurveyCampaign(**self.validated()), by=request.user)
        return self.respond(campaign, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        campaign = self.get_object()
        changes = self.validated(instance=campaign, partial=True)
        return self.respond(
            services.survey_campaign_save(campaign=with_changes(campaign, changes), by=request.user)
        )

    @extend_schema(
        summary="Results of a campaign: satisfaction, NPS and response rate per unit and overall",
        responses=serializers.CampaignResultsSerializer,
    )
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        results = selectors.campaign_results(campaign=self.get_object())
        return Response(serializers.CampaignResultsSerializer(results).data)


@extend_schema_view(
    list=extend_schema(summary="List survey invitations (IT staff; never their link)"),
    create=extend_schema(summary="Invite a contact to a campaign (IT staff)"),
)
class SurveyInvitationViewSet(ServiceWriteMixin, *READ):
    queryset = SurveyInvitation.objects.all()
    permission_classes = [IsStaff]
    http_method_names = CREATE_METHODS
    serializer_class = serializers.SurveyInvitationSerializer
    input_serializers = {"create": serializers.SurveyInvitationInputSerializer}
    filterset_class = filters.SurveyInvitationFilter
    ordering_fields = ["created_at", "sent_at", "status"]
    ordering = ["campaign", "contact", "id"]

    def get_queryset(self):
        return selectors.invitation_list()

    def create(self, request, *args, **kwargs):
        invitation = services.survey_invitation_create(**self.validated())
        return self.respond(invitation, status_code=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="List survey answers (staff: all; a contact: only their own)"),
)
class SurveyResponseViewSet(*READ):
    """Answers to the satisfaction survey. Answers are given through the e-mailed link."""

    queryset = SurveyResponse.objects.all()
    serializer_class = serializers.SurveyResponseSerializer
    filterset_class = filters.SurveyResponseFilter
    search_fields = ["comment"]
    ordering_fields = ["submitted_at", "overall_satisfaction", "recommend_score"]
    ordering = ["-submitted_at", "id"]

    def get_queryset(self):
        return selectors.response_list(user=self.request.user)


def _step(summary, request=NO_BODY, description=""):
    return extend_schema(summary=summary, request=request, description=description)


@extend_schema_view(
    list=extend_schema(summary="List escalations with their history"),
    retrieve=extend_schema(summary="Show one escalation with its history"),
    create=extend_schema(summary="Raise an escalation (a contact of the unit, or its IT staff)"),
)
class EscalationViewSet(HistoryMixin, ServiceWriteMixin, *READ):
    """Complaints that climb a formal route: 1 relationship manager, 2 IT management, 3 IT
    steering group; each level has a deadline to respond. `events` is the full history."""

    queryset = Escalation.objects.all()
    permission_classes = [StaffWritesOnly]
    business_actions = ("create", "escalate", "close", "comment")
    http_method_names = CREATE_METHODS
    pagination_class = LargeTablePagination  # millions of rows at an enterprise
    serializer_class = serializers.EscalationSerializer
    input_serializers = {
        "create": serializers.EscalationInputSerializer,
        "acknowledge": serializers.NoteSerializer,
        "escalate": serializers.NoteSerializer,
        "close": serializers.NoteSerializer,
        "comment": serializers.CommentSerializer,
        "resolve": serializers.ResolutionSerializer,
    }
    filterset_class = filters.EscalationFilter
    search_fields = ["subject", "description"]
    ordering_fields = ["raised_at", "respond_by", "severity", "level", "status"]
    ordering = ["-raised_at", "id"]

    def get_queryset(self):
        return selectors.escalation_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        escalation = services.escalation_raise(by=request.user, **self.validated())
        return self.respond(escalation, status_code=status.HTTP_201_CREATED)

    @_step("Acknowledge an escalation (its current level)", serializers.NoteSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        escalation = self.get_object()
        return self.respond(
            services.escalation_acknowledge(escalation=escalation, by=request.user, **self.validated())
        )

    @_step(
        "Escalate one level up (its current level, or a contact of the unit)",
        serializers.NoteSerializer,
        "The next level gets a fresh deadline and is notified, and so is the business.",
    )
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        escalation = self.get_object()
        return self.respond(
            services.escalation_escalate(escalation=escalation, by=request.user, **self.validated())
        )

    @_step("Resolve an escalation, saying how (its current level)", serializers.ResolutionSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        escalation = self.get_object()
        return self.respond(
            services.escalation_resolve(escalation=escalation, by=request.user, **self.validated())
        )

    @_step("Close a resolved escalation (the business, or its level)", serializers.NoteSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        escalation = self.get_object()
        return self.respond(
            services.escalation_close(escalation=escalation, by=request.user, **self.validated())
        )

    @extend_schema(
        summary="Comment on an escalation (the business, or staff on its route)",
        request=serializers.CommentSerializer,
        responses={201: serializers.EscalationEventSerializer},
    )
    @action(detail=True, methods=["post"])
    def comment(self, request, pk=None):
        event = services.escalation_comment(escalation=self.get_object(), by=request.user, **self.validated())
        return Response(serializers.EscalationEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The history of an escalation, oldest step first",
        responses=serializers.EscalationEventSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def events(self, request, pk=None):
        escalation = self.get_object()
        return Response(serializers.EscalationEventSerializer(escalation.events.all(), many=True).data)


@extend_schema_view(
    list=extend_schema(summary="Relationship health of every unit you may see (IT staff)"),
    retrieve=extend_schema(
        summary="Relationship health of one unit, with its reasons (IT staff)",
        responses={200: serializers.HealthSerializer, 404: OpenApiResponse(description="No such unit.")},
    ),
)
class HealthViewSet(*READ):
    """A score from 0 to 100 per unit (its sub-units included): survey satisfaction, service
    level attainment, open escalations, the last interaction and overdue actions, with the
    reasons. The id is the unit's id."""

    queryset = BusinessUnit.objects.all()
    permission_classes = [IsStaff]
    serializer_class = serializers.HealthSerializer
    filterset_class = None
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code", "path"]
    ordering = ["path"]

    def get_queryset(self):
        return visible_units(self.request.user)

    def _with_health(self, units):
        """Each unit beside its score, the page's scores read from the summaries at once."""
        scores = health_scores(units)
        fields = [key for key in serializers.HealthSerializer().fields if key != "unit"]
        return [{"unit": unit, **{key: getattr(scores[unit.pk], key) for key in fields}} for unit in units]

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(self._with_health(page), many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(self._with_health([self.get_object()])[0]).data)
