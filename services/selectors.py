"""Reads of the IT side that cross relations or depend on who asks: which agreement covers
a subscription, which subscriptions an agreement covers, and which agreements a person may
read. Every page, portal view and API endpoint asks these, so they cannot disagree."""

import datetime

from django.db.models import BooleanField, Case, F, IntegerField, OuterRef, Q, Subquery, When
from django.utils import timezone

from customers.models import BusinessUnit, PathWithin

from .models import Agreement, Subscription

# An agreement a subscription is linked to still covers it while it is being drafted or
# is signed; an expired or terminated one no longer does.
CURRENT_STATUSES = (Agreement.Status.DRAFT, Agreement.Status.ACTIVE)


def agreements_in_force(*, day: datetime.date):
    """Signed agreements whose validity includes `day`."""
    return Agreement.objects.filter(status=Agreement.Status.ACTIVE, valid_from__lte=day).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=day)
    )


def covering_agreement(*, today: datetime.date | None = None):
    """The agreement that covers a subscription, as an expression over `Subscription`
    (annotate it: `covering_agreement_id=covering_agreement()`). The one definition:

    1. the subscription's own agreement (`Subscription.agreement`, "under which agreement"
       it was ordered or linked) while that agreement is current: a draft (what the deciding
       customer is about to sign) or signed, and not past its end date;
    2. otherwise the agreement in force today (signed, within its valid dates) of the nearest
       unit at or above the subscription's unit, as the deciding customer is found: a
       division's agreement covers the services of its departments unless a department has
       one of its own; of two in force at that unit, the one that started last;
    3. otherwise none.

    A correlated subquery per subscription whose own link does not answer (CASE stops at
    the first branch that holds), over the agreements in force: a few rows."""
    today = today or timezone.localdate()
    own_is_current = Q(agreement__status__in=CURRENT_STATUSES) & (
        Q(agreement__valid_until__isnull=True) | Q(agreement__valid_until__gte=today)
    )
    nearest_in_force = (
        agreements_in_force(day=today)
        # The subscription's unit lies at or below the agreement's unit.
        .filter(PathWithin(OuterRef("unit__path"), F("unit__path")))
        .order_by("-unit__depth", "-valid_from", "-pk")
        .values("pk")[:1]
    )
    return Case(
        When(own_is_current, then=F("agreement_id")),
        default=Subquery(nearest_in_force),
        output_field=IntegerField(),
    )


def with_covering_agreements(subscriptions, *, today: datetime.date | None = None) -> list[Subscription]:
    """The subscriptions of a queryset, each with `.covering_agreement` (an Agreement with
    its unit, or None): two queries whatever their number."""
    return attach_covering_agreements(
        list(subscriptions.annotate(covering_agreement_id=covering_agreement(today=today)))
    )


def attach_covering_agreements(rows: list[Subscription]) -> list[Subscription]:
    """Sets `.covering_agreement` on subscriptions read with the `covering_agreement_id`
    annotation (for a query that must annotate before it slices): one query."""
    ids = {row.covering_agreement_id for row in rows if row.covering_agreement_id}
    agreements = Agreement.objects.select_related("unit").in_bulk(ids) if ids else {}
    for row in rows:
        row.covering_agreement = agreements.get(row.covering_agreement_id)
    return rows


def subscriptions_covered_by(*, agreement: Agreement, today: datetime.date | None = None):
    """The current (not ended) subscriptions `agreement` covers, by `covering_agreement`:
    only those linked to it or of a unit at or below its unit can be, so the definition is
    evaluated for those alone. A queryset, to be narrowed and joined by the caller."""
    return (
        Subscription.objects.exclude(status=Subscription.Status.ENDED)
        .filter(Q(agreement=agreement) | Q(unit__path__startswith=agreement.unit.path))
        .annotate(covering_agreement_id=covering_agreement(today=today))
        .filter(covering_agreement_id=agreement.pk)
    )


def agreements_covering_subscriptions_of(*, units, today: datetime.date | None = None):
    """Ids (a subquery) of the agreements covering a current subscription of `units`."""
    return (
        Subscription.objects.filter(unit__in=units)
        .exclude(status=Subscription.Status.ENDED)
        .annotate(covering_agreement_id=covering_agreement(today=today))
        .filter(covering_agreement_id__isnull=False)
        .values("covering_agreement_id")
    )


def agreement_list_visible_to(*, user, units=None, today: datetime.date | None = None):
    """The agreements a person may read. Staff: every agreement. A business contact (any
    role: purchasers and stakeholders read, only the deciding customer signs): the agreements
    of the units they see, and the agreements covering any current subscription of those
    units, such as the division's agreement that covers a department's services.

    `units` are the person's visible units if the caller has them already (the portal reads
    them once per request); otherwise they are a subquery."""
    if not user.is_authenticated:
        return Agreement.objects.none()
    if user.is_staff:
        return Agreement.objects.all()
    if units is None:
        units = BusinessUnit.objects.visible_to(user)
    return Agreement.objects.filter(
        Q(unit__in=units) | Q(pk__in=agreements_covering_subscriptions_of(units=units, today=today))
    )


def agreement_list_for_unit(*, unit: BusinessUnit, today: datetime.date | None = None):
    """What a unit's page lists as its agreements: those of the unit and the units below it,
    and those covering any of their current services from elsewhere (a unit above:
    `is_inherited` is then true). A queryset; the caller orders and limits it."""
    in_subtree = Q(unit__path__startswith=unit.path)
    subtree = BusinessUnit.objects.filter(path__startswith=unit.path)
    return Agreement.objects.filter(
        in_subtree | Q(pk__in=agreements_covering_subscriptions_of(units=subtree, today=today))
    ).annotate(is_inherited=Case(When(in_subtree, then=False), default=True, output_field=BooleanField()))
