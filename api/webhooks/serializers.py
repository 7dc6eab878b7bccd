"""The webhooks in the REST API: an endpoint as it is shown (never its secret, except in
the answer that made one), what a write takes, and the delivery log.

Which event types exist, which URLs are taken and whether a name is blank are the
service's rules (webhooks/services.py): the input serializers check types and
lengths only, so the API answers with the same messages as the staff pages.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import ModelSerializer, StrictCharField, StrictIntegerField
from api.mixins import UserRefSerializer
from webhooks.models import SUBSCRIBABLE_EVENTS, EventType, WebhookDelivery, WebhookEndpoint


@extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=SUBSCRIBABLE_EVENTS)))
class EventTypesField(serializers.ListField):
    """A list of event types, such as `["escalation.raised"]`."""

    child = StrictCharField()


# --- Output ------------------------------------------------------------------------------


class WebhookEndpointSerializer(ModelSerializer):
    owner = UserRefSerializer(read_only=True, allow_null=True, help_text="E-mailed if it is disabled.")
    events = EventTypesField(read_only=True)
    # Annotated by selectors.endpoint_list().
    pending_count = StrictIntegerField(read_only=True, help_text="Deliveries waiting to be sent.")
    failed_count = StrictIntegerField(read_only=True, help_text="Deliveries given up.")
    last_delivery_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "name",
            "url",
            "events",
            "is_active",
            "owner",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "secret_rotated_at",
            "pending_count",
            "failed_count",
            "last_delivery_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    """The answer of a create and of a rotation: the only ones that hold the secret."""

    secret = serializers.CharField(
        read_only=True,
        help_text="The signing secret (README, “Webhooks”). Shown in this answer only: keep it now.",
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookEventRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True, help_text="The same on every attempt: X-BRM-Event-Id.")
    type = serializers.ChoiceField(source="event_type", choices=EventType.choices, read_only=True)
    occurred_at = serializers.DateTimeField(read_only=True)


class WebhookDeliverySerializer(ModelSerializer):
    event = WebhookEventRefSerializer(read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "status",
            "attempts",
            "response_code",
            "last_error",
            "next_attempt_at",
            "last_attempt_at",
            "delivered_at",
            "created_at",
        ]
        read_only_fields = fields


# --- Input -------------------------------------------------------------------------------


class WebhookEndpointInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=120, help_text="What receives the events, e.g. “Service desk”.")
    url = StrictCharField(
        max_length=500, help_text="Where the portal POSTs each event: a full http:// or https:// address."
    )
    events = EventTypesField(help_text="The event types it receives; at least one.")


class DeliveryLogQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=WebhookDelivery.Status.choices,
        required=False,
        help_text="Only the deliveries in this status.",
    )
