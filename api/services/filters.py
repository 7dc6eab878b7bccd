import django_filters

from api.filters import BRMFilterSet, DateFilter, IdFilter
from services.models import Agreement, Measurement, Service, ServiceLevelTarget, Subscription


class ServiceFilter(BRMFilterSet):
    category = django_filters.CharFilter(field_name="category__name", lookup_expr="iexact")
    owner = IdFilter(field_name="owner")

    class Meta:
        model = Service
        fields = ["lifecycle", "category", "owner"]


class ServiceLevelTargetFilter(BRMFilterSet):
    service = IdFilter(field_name="service")

    class Meta:
        model = ServiceLevelTarget
        fields = ["service", "metric", "direction"]


class AgreementFilter(BRMFilterSet):
    unit = IdFilter(field_name="unit")
    review_due_by = DateFilter(field_name="next_review_on", lookup_expr="lte")

    class Meta:
        model = Agreement
        fields = ["unit", "status"]


class SubscriptionFilter(BRMFilterSet):
    unit = IdFilter(field_name="unit")
    service = IdFilter(field_name="service")
    agreement = IdFilter(field_name="agreement")

    class Meta:
        model = Subscription
        fields = ["unit", "service", "agreement", "status"]


class MeasurementFilter(BRMFilterSet):
    subscription = IdFilter(field_name="subscription")
    unit = IdFilter(field_name="subscription__unit")
    service = IdFilter(field_name="subscription__service")
    target = IdFilter(field_name="target")
    period_from = DateFilter(field_name="period_start", lookup_expr="gte")
    period_to = DateFilter(field_name="period_start", lookup_expr="lte")

    class Meta:
        model = Measurement
        fields = ["subscription", "unit", "service", "target", "is_met"]
