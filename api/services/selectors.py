"""Reads of the catalogue side for the API, with every join done so lists stay constant-query."""

from dateutil.relativedelta import relativedelta
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from relationships.health import ATTAINMENT_MONTHS
from services.models import Agreement, Measurement, Subscription
from services.selectors import covering_agreement


def attainment_since(today=None):
    """First day of the attainment window: the same months as the health score uses."""
    today = today or timezone.localdate()
    return today.replace(day=1) - relativedelta(months=ATTAINMENT_MONTHS - 1)


def _count(queryset):
    return Coalesce(
        Subquery(
            queryset.order_by()
            .annotate(_group=Value(1))
            .values("_group")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
        output_field=IntegerField(),
    )


def subscription_list(*, user):
    """Subscriptions the caller may see, each with its service level attainment over the
    window (measured, met) and the agreement covering it: scalar subqueries in the one
    list query."""
    window = Measurement.objects.filter(subscription=OuterRef("pk"), period_start__gte=attainment_since())
    return (
        Subscription.objects.visible_to(user)
        .select_related("unit", "service", "agreement", "ordered_by", "decided_by")
        .annotate(
            measurements_in_window=_count(window),
            measurements_met=_count(window.filter(Q(is_met=True))),
            covering_agreement_id=covering_agreement(),
        )
    )


def agreement_list(*, user):
    """The agreements the caller reads: the same rule as the portal's pages."""
    return Agreement.objects.visible_to(user).select_related("unit", "signed_by")


def measurement_list(*, user):
    return Measurement.objects.visible_to(user).select_related(
        "subscription__unit", "subscription__service", "target"
    )
