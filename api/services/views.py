from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action

from api.history import HistoryMixin
from api.mixins import ServiceWriteMixin, with_changes
from api.pagination import LargeTablePagination
from api.permissions import CatalogueEditor, StaffWritesOnly
from api.services import filters, selectors, serializers
from services import services
from services.models import Agreement, Measurement, Service, ServiceLevelTarget, Subscription

READ = [mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet]
WRITE_METHODS = ["get", "post", "patch", "head", "options"]
CREATE_METHODS = ["get", "post", "head", "options"]


class _CatalogueViewSet(ServiceWriteMixin, *READ):
    """Create and PATCH through the catalogue's services, which check the right
    (services.may_change_catalogue) on the stored row and answer bad input with a 400."""

    permission_classes = [CatalogueEditor]
    http_method_names = WRITE_METHODS
    model = None

    def save_row(self, instance):
        """The catalogue service that writes this kind of row."""
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        saved = self.save_row(self.model(**self.validated()))
        return self.respond(saved, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        instance = self.get_object()
        changes = self.validated(instance=instance, partial=True)
        return self.respond(self.save_row(with_changes(instance, changes)))


@extend_schema_view(
    list=extend_schema(summary="List the service catalogue, with each service's level targets"),
    create=extend_schema(summary="Add a service to the catalogue (IT management)"),
    partial_update=extend_schema(summary="Change a service (IT management or its owner)"),
)
class ServiceViewSet(_CatalogueViewSet):
    """The IT service catalogue: readable by everyone signed in."""

    queryset = Service.objects.select_related("category", "owner").prefetch_related(
        Prefetch("targets", queryset=ServiceLevelTarget.objects.order_by("name"))
    )
    model = Service
    serializer_class = serializers.ServiceSerializer
    input_serializers = {
        "create": serializers.ServiceInputSerializer,
        "partial_update": serializers.ServiceInputSerializer,
    }
    filterset_class = filters.ServiceFilter
    search_fields = ["name", "code", "description"]
    ordering_fields = ["name", "code", "lifecycle", "created_at"]
    ordering = ["name"]

    def save_row(self, service):
        return services.service_save(service=service, by=self.request.user)

    def service_of(self, service):
        return service


class ServiceLevelTargetViewSet(_CatalogueViewSet):
    """The levels each service promises; kept by IT management and the service's owner."""

    queryset = ServiceLevelTarget.objects.select_related("service")
    model = ServiceLevelTarget
    serializer_class = serializers.ServiceLevelTargetSerializer
    input_serializers = {
        "create": serializers.ServiceLevelTargetInputSerializer,
        "partial_update": serializers.ServiceLevelTargetInputSerializer,
    }
    filterset_class = filters.ServiceLevelTargetFilter
    search_fields = ["name", "service__name"]
    ordering_fields = ["name", "metric", "service__name"]
    ordering = ["service__name", "name"]

    def save_row(self, target):
        return services.target_save(target=target, by=self.request.user)

    def service_of(self, target):
        return target.service


@extend_schema_view(
    list=extend_schema(summary="List the service level agreements of the units you may see"),
    create=extend_schema(summary="Draft an agreement for a unit of your portfolio"),
    partial_update=extend_schema(summary="Change an agreement of your portfolio"),
)
class AgreementViewSet(HistoryMixin, ServiceWriteMixin, *READ):
    """Service level agreements; drafted by IT staff, signed by the unit's deciding customer."""

    permission_classes = [StaffWritesOnly]
    business_actions = ("sign",)
    http_method_names = WRITE_METHODS
    serializer_class = serializers.AgreementSerializer
    input_serializers = {
        "create": serializers.AgreementInputSerializer,
        "partial_update": serializers.AgreementInputSerializer,
    }
    filterset_class = filters.AgreementFilter
    search_fields = ["reference", "title", "unit__name"]
    ordering_fields = ["reference", "title", "valid_from", "next_review_on", "status"]
    ordering = ["reference"]
    queryset = Agreement.objects.all()  # names the model for the schema; get_queryset() scopes it

    def get_queryset(self):
        return selectors.agreement_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        agreement = services.agreement_save(agreement=Agreement(**self.validated()), by=request.user)
        return self.respond(agreement, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        agreement = self.get_object()
        changes = self.validated(instance=agreement, partial=True)
        return self.respond(
            services.agreement_save(agreement=with_changes(agreement, changes), by=request.user)
        )

    @extend_schema(
        request=None,
        summary="Sign an agreement (the unit's deciding customer only)",
        description="Activates a draft agreement and plans its first review. Anyone but the deciding "
        "customer gets a 403 saying who may sign.",
    )
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        return self.respond(services.agreement_sign(agreement=self.get_object(), by=request.user))


@extend_schema_view(
    list=extend_schema(summary="List subscriptions with their service level attainment"),
    retrieve=extend_schema(summary="Show one subscription with its service level attainment"),
    create=extend_schema(
        summary="Order a live service for a unit (its contacts or IT staff)",
        description="The order waits, `requested`, until IT fulfils or refuses it; the unit's "
        "relationship manager is e-mailed that it waits.",
    ),
)
class SubscriptionViewSet(HistoryMixin, ServiceWriteMixin, *READ):
    """Which unit uses which service, and how well the service met its targets over the last
    three months (`attainment`). An order is a subscription in `requested`: `fulfil` makes
    it `active`, `refuse` (with a reason) makes it `refused`; who decided and when is kept."""

    permission_classes = [StaffWritesOnly]
    business_actions = ("create",)
    http_method_names = CREATE_METHODS
    serializer_class = serializers.SubscriptionSerializer
    input_serializers = {
        "create": serializers.SubscriptionOrderSerializer,
        "fulfil": serializers.SubscriptionFulfilSerializer,
        "refuse": serializers.SubscriptionRefuseSerializer,
        "end": serializers.SubscriptionDateSerializer,
    }
    filterset_class = filters.SubscriptionFilter
    search_fields = ["service__name", "unit__name", "notes"]
    ordering_fields = ["unit__name", "service__name", "status", "started_on", "created_at"]
    ordering = ["unit__name", "service__name", "id"]
    queryset = Subscription.objects.all()  # names the model for the schema; get_queryset() scopes it

    def get_queryset(self):
        return selectors.subscription_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        subscription = services.subscription_order(by=request.user, **self.validated())
        return self.respond(subscription, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Fulfil a waiting order (the unit's relationship manager, IT management or the "
        "service's owner)",
        description="The service is in use from `on` (today when left out). The orderer is "
        "e-mailed. 400 when the order no longer waits or `on` is before the order; 403 for anyone "
        "else, naming who may; 404 for a subscription you may not see.",
    )
    @action(detail=True, methods=["post"])
    def fulfil(self, request, pk=None):
        data = self.validated()
        return self.respond(
            services.subscription_fulfil(subscription=self.get_object(), by=request.user, on=data.get("on"))
        )

    @extend_schema(
        summary="Refuse a waiting order, saying why (the unit's relationship manager, IT "
        "management or the service's owner)",
        description="The orderer is e-mailed the reason, and the unit may order the service again. "
        "400 without a reason or when the order no longer waits; 403 for anyone else; 404 for a "
        "subscription you may not see.",
    )
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        reason = self.validated()["reason"]
        return self.respond(
            services.subscription_refuse(subscription=self.get_object(), by=request.user, reason=reason)
        )

    @extend_schema(summary="End a subscription (IT staff of the unit)")
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        ended = services.subscription_end(
            subscription=self.get_object(), on=self.validated()["on"], by=request.user
        )
        return self.respond(ended)


@extend_schema_view(
    list=extend_schema(summary="List measured service levels of the units you may see"),
    create=extend_schema(summary="Record (or correct) a month's measured level (IT staff of the unit)"),
)
class MeasurementViewSet(ServiceWriteMixin, *READ):
    """The level a subscription actually got for one target in one month, met or not."""

    permission_classes = [StaffWritesOnly]
    http_method_names = CREATE_METHODS
    pagination_class = LargeTablePagination  # millions of rows at an enterprise
    serializer_class = serializers.MeasurementSerializer
    input_serializers = {"create": serializers.MeasurementInputSerializer}
    filterset_class = filters.MeasurementFilter
    ordering_fields = ["period_start", "recorded_at", "value"]
    ordering = ["-period_start", "id"]
    queryset = Measurement.objects.all()  # names the model for the schema; get_queryset() scopes it

    def get_queryset(self):
        return selectors.measurement_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        measurement = services.measurement_record(**self.validated(), by=request.user)
        return self.respond(measurement, status_code=status.HTTP_201_CREATED)
