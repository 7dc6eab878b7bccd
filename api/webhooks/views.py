"""The webhooks in the REST API, for the same people as the staff pages: superusers and
staff with `integrations.manage_webhooks` (IT management has it through its group). Every
write calls the service the pages call."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from api.filters import BRMFilterSet
from api.mixins import ServiceWriteMixin
from api.webhooks import serializers
from webhooks import selectors, services
from webhooks.models import WebhookEndpoint


class ManagesWebhooks(BasePermission):
    """Anonymous callers get a 401, anyone signed in who may not manage webhooks a 403."""

    message = services.MAY_NOT_MANAGE

    def has_permission(self, request, view):
        return services.may_manage_webhooks(request.user)


class WebhookEndpointFilter(BRMFilterSet):
    """`?is_active=true|false`, anything else a 400 (BRMFilterSet), as on every other list."""

    class Meta:
        model = WebhookEndpoint
        fields = ["is_active"]


@extend_schema_view(
    list=extend_schema(
        summary="List the webhook endpoints, with their delivery counts (never their secrets)"
    ),
    retrieve=extend_schema(summary="Show one webhook endpoint (never its secret)"),
    create=extend_schema(
        summary="Register a webhook endpoint: the answer holds its signing secret, once",
        responses={201: serializers.WebhookEndpointWithSecretSerializer},
    ),
    partial_update=extend_schema(summary="Change a webhook endpoint's name, URL or events"),
)
class WebhookEndpointViewSet(
    ServiceWriteMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Addresses of other tools that the portal POSTs events to, signed with the endpoint's
    secret (README, "Webhooks"). The secret is in the answer of a create and of a rotation
    only; the delivery log shows what was sent and how each receiver answered."""

    queryset = WebhookEndpoint.objects.all()
    permission_classes = [ManagesWebhooks]
    http_method_names = ["get", "post", "patch", "head", "options"]
    serializer_class = serializers.WebhookEndpointSerializer
    input_serializers = {
        "create": serializers.WebhookEndpointInputSerializer,
        "partial_update": serializers.WebhookEndpointInputSerializer,
    }
    filterset_class = WebhookEndpointFilter
    search_fields = ["name", "url"]
    ordering_fields = ["name", "created_at", "last_delivery_at"]
    ordering = ["name", "id"]

    def get_queryset(self):
        return selectors.endpoint_list()

    def _respond_with_secret(self, endpoint, *, status_code):
        endpoint = self.get_queryset().get(pk=endpoint.pk)
        serializer = serializers.WebhookEndpointWithSecretSerializer(
            endpoint, context=self.get_serializer_context()
        )
        return Response(serializer.data, status=status_code)

    def create(self, request, *args, **kwargs):
        endpoint = services.endpoint_create(by=request.user, **self.validated())
        return self._respond_with_secret(endpoint, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        endpoint = self.get_object()
        # What is left out stays as it is; the service checks the whole again.
        fields = {"name": endpoint.name, "url": endpoint.url, "events": endpoint.events}
        fields.update(self.validated(partial=True))
        return self.respond(services.endpoint_update(endpoint=endpoint, by=request.user, **fields))

    @extend_schema(
        summary="Make a new signing secret: the old one stops working at once",
        request=None,
        responses=serializers.WebhookEndpointWithSecretSerializer,
        description="The answer holds the new secret, once; every later attempt is signed with it, "
        "retries of older events too.",
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        endpoint = services.endpoint_rotate_secret(endpoint=self.get_object(), by=request.user)
        return self._respond_with_secret(endpoint, status_code=status.HTTP_200_OK)

    @extend_schema(
        summary="Send a test event to this endpoint (active or disabled), tried once",
        request=None,
        responses={202: serializers.WebhookDeliverySerializer},
        description="The answer is its delivery as it stands, usually still pending: how the receiver "
        "answered shows in the delivery log in a moment.",
    )
    @action(detail=True, methods=["post"], url_path="send-test")
    def send_test(self, request, pk=None):
        endpoint = self.get_object()
        event = services.endpoint_send_test(endpoint=endpoint, by=request.user)
        delivery = event.deliveries.select_related("event").get(endpoint=endpoint)
        return Response(serializers.WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="The delivery log of an endpoint, newest first",
        parameters=[serializers.DeliveryLogQuerySerializer],
        responses=serializers.WebhookDeliverySerializer(many=True),
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def deliveries(self, request, pk=None):
        endpoint = self.get_object()
        query = serializers.DeliveryLogQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        log = selectors.delivery_log(endpoint=endpoint, status=query.validated_data.get("status", ""))
        page = self.paginate_queryset(log)
        return self.get_paginated_response(serializers.WebhookDeliverySerializer(page, many=True).data)
