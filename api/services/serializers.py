from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import (
    ModelSerializer,
    SaneDateField,
    StrictCharField,
    StrictDecimalField,
    StrictIntegerField,
    StrictPrimaryKeyRelatedField,
    StrictSlugRelatedField,
)
from api.mixins import ScopedPrimaryKeyRelatedField, UnitRefSerializer, UserRefSerializer, unit_field
from services.models import Agreement, Measurement, Service, ServiceCategory, ServiceLevelTarget, Subscription


class ServiceRefSerializer(serializers.Serializer):
    id = StrictIntegerField(read_only=True)
    code = StrictCharField(read_only=True)
    name = StrictCharField(read_only=True)


class ContactRefSerializer(serializers.Serializer):
    id = StrictIntegerField(read_only=True)
    full_name = StrictCharField(read_only=True)


# --- Output ------------------------------------------------------------------------------


class ServiceLevelTargetSerializer(ModelSerializer):
    class Meta:
        model = ServiceLevelTarget
        fields = ["id", "service", "name", "metric", "unit_of_measure", "target_value", "direction"]
        read_only_fields = fields


class ServiceSerializer(ModelSerializer):
    category = StrictCharField(source="category.name", read_only=True, allow_null=True, default=None)
    owner = UserRefSerializer(read_only=True, allow_null=True)
    targets = ServiceLevelTargetSerializer(many=True, read_only=True)

    class Meta:
        model = Service
        fields = [
            "id",
            "name",
            "code",
            "description",
            "category",
            "owner",
            "lifecycle",
            "targets",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AgreementSerializer(ModelSerializer):
    unit = UnitRefSerializer(read_only=True)
    signed_by = ContactRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Agreement
        fields = [
            "id",
            "reference",
            "title",
            "unit",
            "status",
            "valid_from",
            "valid_until",
            "review_interval_months",
            "next_review_on",
            "last_reviewed_on",
            "signed_by",
            "signed_at",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AttainmentSerializer(serializers.Serializer):
    since = SaneDateField(help_text="First day of the window (the last three months).")
    measured = StrictIntegerField(help_text="Measurements in the window.")
    met = StrictIntegerField(help_text="Of which met their target.")
    percent = serializers.FloatField(
        allow_null=True, help_text="Met as a percentage; null when nothing measured."
    )


class SubscriptionSerializer(ModelSerializer):
    unit = UnitRefSerializer(read_only=True)
    service = ServiceRefSerializer(read_only=True)
    ordered_by = ContactRefSerializer(read_only=True, allow_null=True)
    decided_by = UserRefSerializer(read_only=True, allow_null=True)
    attainment = serializers.SerializerMethodField()
    covering_agreement = serializers.IntegerField(
        source="covering_agreement_id",
        read_only=True,
        allow_null=True,
        help_text="The agreement that covers this subscription: its own `agreement` while that is a "
        "draft or signed and not ended, otherwise the agreement in force of the nearest unit at or "
        "above its unit. Readable by every contact of the unit.",
    )

    class Meta:
        model = Subscription
        fields = [
            "id",
            "unit",
            "service",
            "agreement",
            "covering_agreement",
            "ordered_by",
            "status",
            "started_on",
            "ended_on",
            "quantity",
            "notes",
            "decided_by",
            "decided_at",
            "refusal_reason",
            "attainment",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(AttainmentSerializer)
    def get_attainment(self, subscription):
        from api.services.selectors import attainment_since

        measured = subscription.measurements_in_window
        met = subscription.measurements_met
        return {
            "since": attainment_since(),
            "measured": measured,
            "met": met,
            "percent": round(100 * met / measured, 1) if measured else None,
        }


class MeasurementSerializer(ModelSerializer):
    unit = UnitRefSerializer(source="subscription.unit", read_only=True)
    service = ServiceRefSerializer(source="subscription.service", read_only=True)
    target_name = StrictCharField(source="target.name", read_only=True)

    class Meta:
        model = Measurement
        fields = [
            "id",
            "subscription",
            "unit",
            "service",
            "target",
            "target_name",
            "period_start",
            "value",
            "target_value",
            "is_met",
            "recorded_at",
        ]
        read_only_fields = fields


# --- Input -------------------------------------------------------------------------------


class ServiceInputSerializer(ModelSerializer):
    category = StrictSlugRelatedField(
        slug_field="name", queryset=ServiceCategory.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Service
        fields = ["name", "code", "description", "category", "owner", "lifecycle"]
        # Unique whatever the case: service_save says so, with the staff form's message.
        extra_kwargs = {"owner": {"required": False}, "name": {"validators": []}, "code": {"validators": []}}


class ServiceLevelTargetInputSerializer(ModelSerializer):
    """Types and ids; services.target_save applies the rules (an availability is a
    percentage, a name is unique per service), with the staff form's messages."""

    target_value = StrictDecimalField(max_digits=12, decimal_places=3)

    class Meta:
        model = ServiceLevelTarget
        fields = ["service", "name", "metric", "unit_of_measure", "target_value", "direction"]
        validators = []  # target_save says which rule is broken, at its field


class AgreementInputSerializer(ModelSerializer):
    """Types and ids; services.agreement_save applies the rules (dates in order, the next
    review not before the start, a signed agreement keeps its unit and start)."""

    unit = unit_field()
    # The range is the model's; stated here too so that the schema documents it.
    review_interval_months = StrictIntegerField(
        min_value=Agreement.REVIEW_INTERVAL_MONTHS[0],
        max_value=Agreement.REVIEW_INTERVAL_MONTHS[1],
        required=False,
    )

    class Meta:
        model = Agreement
        fields = [
            "reference",
            "title",
            "unit",
            "valid_from",
            "valid_until",
            "review_interval_months",
            "next_review_on",
            "notes",
        ]
        validators = []  # agreement_save says which rule is broken, at its field


def _visible(queryset, user):
    """Agreements and subscriptions the caller may see (their model's visible_to)."""
    return queryset.visible_to(user)


class SubscriptionOrderSerializer(serializers.Serializer):
    unit = unit_field()
    service = StrictPrimaryKeyRelatedField(queryset=Service.objects.all())
    agreement = ScopedPrimaryKeyRelatedField(
        queryset=Agreement.objects.all(), scope=_visible, required=False, allow_null=True
    )
    quantity = StrictIntegerField(min_value=1, max_value=1_000_000, default=1)
    notes = StrictCharField(required=False, allow_blank=True, default="")


class SubscriptionDateSerializer(serializers.Serializer):
    on = SaneDateField(help_text="The day it ends.")


class SubscriptionFulfilSerializer(serializers.Serializer):
    on = SaneDateField(required=False, help_text="The day it starts; today when left out.")


class SubscriptionRefuseSerializer(serializers.Serializer):
    reason = StrictCharField(help_text="Why the order is refused; the orderer reads it.")


class MeasurementInputSerializer(serializers.Serializer):
    subscription = ScopedPrimaryKeyRelatedField(queryset=Subscription.objects.all(), scope=_visible)
    target = StrictPrimaryKeyRelatedField(queryset=ServiceLevelTarget.objects.all())
    period_start = SaneDateField(help_text="First day of the measured month.")
    value = StrictDecimalField(max_digits=12, decimal_places=3)
