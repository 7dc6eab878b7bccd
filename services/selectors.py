"""Reads of the IT side that cross relations or depend on who asks: which agreement covers
a subscription, which subscriptions an agreement covers, which agreements a person may
read (Agreement.objects.visible_to asks agreements_covering_subscriptions_of), and which
orders wait for whom. Every page, portal view and API endpoint asks these,
so they cannot disagree."""

import datetime

from django.db.models import BooleanField, Case, F, IntegerField, Q, Value, When
from django.utils import timezone

from customers import roles
from customers.models import BusinessUnit

from .models import Agreement, Subscription

# An agreement a subscription is linked to still covers it while it is being drafted or
# is signed; an expired or terminated one no longer does.
CURRENT_STATUSES = (Agreement.Status.DRAFT, Agreement.Status.ACTIVE)


def agreements_in_force(*, day: datetime.date):
    """Signed agreements whose validity includes `day`."""
    return Agreement.objects.filter(status=Agreement.Status.ACTIVE, valid_from__lte=day).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=day)
    )


def _in_force_nearest_first(*, today: datetime.date, within) -> list[Agreement]:
    """The agreements in force that can cover subscriptions at or below the units `within`
    (None: any unit): those of these units, the units above them and the units below them.
    Nearest (deepest) unit first; at one unit, the one that started last. One query."""
    agreements = agreements_in_force(day=today).select_related("unit")
    if within is not None:
        units = list(within)
        ids = {unit.pk for unit in units}
        roots = [unit for unit in units if not ids.intersection(unit.ancestor_ids)]
        at_or_above = {pk for unit in roots for pk in (*unit.ancestor_ids, unit.pk)}
        below = Q(pk__in=[])
        for root in roots:
            below |= Q(unit__path__startswith=root.path)
        agreements = agreements.filter(Q(unit_id__in=at_or_above) | below)
    return list(agreements.order_by("-unit__depth", "-valid_from", "-pk"))


def covering_agreement(*, today: datetime.date | None = None, within=None):
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

    Building it reads the agreements in force (one query: a few rows; `within`, units at or
    below which the subscriptions lie, narrows them to those that can matter) and turns them
    into CASE branches, nearest first, each a prefix test on the unit's path: no correlated
    subquery per subscription, so a list costs what its rows cost."""
    today = today or timezone.localdate()
    own_is_current = Q(agreement__status__in=CURRENT_STATUSES) & (
        Q(agreement__valid_until__isnull=True) | Q(agreement__valid_until__gte=today)
    )
    nearest_in_force = [
        # The subscription's unit lies at or below the agreement's unit.
        When(unit__path__startswith=agreement.unit.path, then=Value(agreement.pk))
        for agreement in _in_force_nearest_first(today=today, within=within)
    ]
    return Case(
        When(own_is_current, then=F("agreement_id")),
        *nearest_in_force,
        default=None,
        output_field=IntegerField(),
    )


def with_covering_agreements(
    subscriptions, *, today: datetime.date | None = None, within=None
) -> list[Subscription]:
    """The subscriptions of a queryset, each with `.covering_agreement` (an Agreement with
    its unit, or None): three queries whatever their number (the agreements in force, the
    subscriptions, the agreements chosen)."""
    return attach_covering_agreements(
        list(subscriptions.annotate(covering_agreement_id=covering_agreement(today=today, within=within)))
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
        Subscription.objects.current()
        .filter(Q(agreement=agreement) | Q(unit__path__startswith=agreement.unit.path))
        .annotate(covering_agreement_id=covering_agreement(today=today, within=[agreement.unit]))
        .filter(covering_agreement_id=agreement.pk)
    )


def agreements_covering_subscriptions_of(*, units, within, today: datetime.date | None = None):
    """Ids (a subquery) of the agreements covering a current subscription of `units`, which
    lie at or below the units `within` (see `covering_agreement`)."""
    return (
        Subscription.objects.filter(unit__in=units)
        .current()
        .annotate(covering_agreement_id=covering_agreement(today=today, within=within))
        .filter(covering_agreement_id__isnull=False)
        .values("covering_agreement_id")
    )


def agreement_list_for_unit(*, unit: BusinessUnit, today: datetime.date | None = None):
    """What a unit's page lists as its agreements: those of the unit and the units below it,
    and those covering any of their current services from elsewhere (a unit above:
    `is_inherited` is then true). A queryset; the caller orders and limits it."""
    in_subtree = Q(unit__path__startswith=unit.path)
    subtree = BusinessUnit.objects.filter(path__startswith=unit.path)
    covering = agreements_covering_subscriptions_of(units=subtree, within=[unit], today=today)
    return Agreement.objects.filter(in_subtree | Q(pk__in=covering)).annotate(
        is_inherited=Case(When(in_subtree, then=False), default=True, output_field=BooleanField())
    )


def order_queue_for(*, user):
    """The orders waiting for `user` to fulfil or refuse them, oldest first: those of the
    units they manage and of the services they own; IT management acts on every order.
    (Whoever may edit every unit *may* decide any order, services.may_decide_order; this is
    whose work it is.)"""
    orders = Subscription.objects.waiting().select_related("unit", "service", "ordered_by")
    if roles.is_it_manager(user):
        return orders
    return orders.filter(Q(unit__relationship_manager=user) | Q(service__owner=user))
