"""What a business contact sees in the portal.

Every read starts from the units the signed-in person may see
(`BusinessUnit.objects.visible_to(user)`): an object of another unit is simply not in the
queryset, so a view that looks it up there answers 404. Nothing is read by bare pk.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.db.models import Prefetch, Q
from django.utils import timezone

from customers.models import BusinessUnit, Contact
from customers.selectors import deciding_customers_for
from relationships.models import Escalation, Interaction, Requirement, SurveyInvitation
from relationships.services import survey_invitation_state
from services.attainment import attainment_band, attainment_percent
from services.models import Agreement, Measurement, Service, ServiceLevelTarget, Subscription
from services.selectors import subscriptions_covered_by, with_covering_agreements

ATTAINMENT_MONTHS = 6


def portal_contacts(*, user) -> list[Contact]:
    """The active contacts a login acts as (one person may be a contact of several units)."""
    if not user.is_authenticated:
        return []
    return list(
        Contact.objects.filter(user=user, is_active=True).select_related("unit").order_by("unit__path")
    )


def portal_units(*, user):
    """The units a business contact sees: their own, and for a customer the units below."""
    return BusinessUnit.objects.visible_to(user).filter(is_active=True).select_related("relationship_manager")


# --- Service levels -----------------------------------------------------------------------


def number(value) -> str:
    """99.500 → "99.5", 100.000 → "100": a stored figure as a person writes it."""
    return format(value.normalize(), "f") if value is not None else ""


def target_label(target: ServiceLevelTarget) -> str:
    sign = "≥" if target.direction == ServiceLevelTarget.Direction.HIGHER_IS_BETTER else "≤"
    return f"{target.name} {sign} {number(target.target_value)} {target.unit_of_measure}".strip()


@dataclass
class TargetAttainment:
    target: ServiceLevelTarget
    months: list  # [(date, Measurement | None)] oldest first
    met: int = 0
    measured: int = 0

    @property
    def percent(self) -> int | None:
        return attainment_percent(met=self.met, measured=self.measured)

    @property
    def band(self) -> str | None:
        return attainment_band(met=self.met, measured=self.measured)

    @property
    def label(self) -> str:
        return target_label(self.target)

    @property
    def cells(self) -> list[dict]:
        """One cell per month for the template: its state and a readable description."""
        result = []
        for month, m in self.months:
            if m is None:
                result.append({"state": "none", "value": "", "text": f"{month:%b %Y}: not measured"})
            else:
                verdict = "met" if m.is_met else "missed"
                value = f"{number(m.value)} {self.target.unit_of_measure}".strip()
                result.append(
                    {"state": verdict, "value": value, "text": f"{month:%b %Y}: {value} — {verdict}"}
                )
        return result

    @property
    def latest(self):
        return next((m for _, m in reversed(self.months) if m is not None), None)


@dataclass
class SubscriptionLevels:
    subscription: Subscription
    targets: list = field(default_factory=list)

    @property
    def met(self) -> int:
        return sum(t.met for t in self.targets)

    @property
    def measured(self) -> int:
        return sum(t.measured for t in self.targets)

    @property
    def percent(self) -> int | None:
        return attainment_percent(met=self.met, measured=self.measured)

    @property
    def band(self) -> str | None:
        return attainment_band(met=self.met, measured=self.measured)


def attainment_months(
    today: datetime.date | None = None, count: int = ATTAINMENT_MONTHS
) -> list[datetime.date]:
    first = (today or timezone.localdate()).replace(day=1)
    return [first - relativedelta(months=back) for back in range(count - 1, -1, -1)]


def subscription_levels(*, subscriptions) -> list[SubscriptionLevels]:
    """Each subscription with each target of its service and, per month of the last six,
    whether it was met. Two queries whatever the number of subscriptions: the targets
    (prefetched on the services) and the measurements of the window."""
    subscriptions = list(subscriptions)
    months = attainment_months()
    services = {sub.service_id: sub.service for sub in subscriptions}
    targets_by_service = defaultdict(list)
    for target in ServiceLevelTarget.objects.filter(service_id__in=services).order_by("name"):
        targets_by_service[target.service_id].append(target)
    measured = {
        (m.subscription_id, m.target_id, m.period_start): m
        for m in Measurement.objects.filter(
            subscription__in=[sub.pk for sub in subscriptions], period_start__gte=months[0]
        ).only("subscription_id", "target_id", "period_start", "value", "target_value", "is_met")
    }
    result = []
    for sub in subscriptions:
        levels = SubscriptionLevels(subscription=sub)
        for target in targets_by_service[sub.service_id]:
            cells = [(month, measured.get((sub.pk, target.pk, month))) for month in months]
            row = TargetAttainment(target=target, months=cells)
            row.measured = sum(1 for _, m in cells if m is not None)
            row.met = sum(1 for _, m in cells if m is not None and m.is_met)
            levels.targets.append(row)
        result.append(levels)
    return result


# --- Objects of the visible units ------------------------------------------------------


def portal_subscriptions(*, user, units):
    return (
        Subscription.objects.visible_to(user, units=units)
        .current()
        .select_related("service", "service__category", "unit", "agreement", "ordered_by", "decided_by")
        .order_by("unit__path", "service__name")
    )


def portal_subscriptions_with_agreements(*, user, units, pk: int | None = None) -> list[Subscription]:
    """The units' services, each with `.covering_agreement` (services.selectors): three
    queries. Every covering agreement is one the person may read, so linking it is safe."""
    units = list(units)
    subscriptions = portal_subscriptions(user=user, units=units)
    if pk is not None:
        subscriptions = subscriptions.filter(pk=pk)
    return with_covering_agreements(subscriptions, within=units)


def portal_agreements(*, user, units):
    """The agreements a business contact reads (Agreement.objects.visible_to): their units'
    own, and those covering their units' services, such as a division's for a department."""
    return (
        Agreement.objects.visible_to(user, units=units)
        .exclude(status=Agreement.Status.TERMINATED)
        .select_related("unit", "signed_by")
        .order_by("status", "next_review_on", "title")
    )


def portal_agreement_subscriptions(*, agreement: Agreement, user, units) -> list[Subscription]:
    """The services `agreement` covers among the units the person sees (a purchaser reads
    the division's agreement but sees only their own unit's services under it), in the
    order of the units. One query."""
    return list(
        subscriptions_covered_by(agreement=agreement)
        .visible_to(user, units=units)
        .select_related("service", "service__category", "unit")
        .order_by("unit__path", "service__name")
    )


def portal_requirements(*, units):
    return Requirement.objects.filter(unit__in=units).select_related(
        "unit", "service", "prepared_by", "decided_by"
    )


def portal_escalations(*, units):
    return Escalation.objects.filter(unit__in=units).select_related("unit", "service", "raised_by_contact")


# Decided orders stay on the home page this long, so the orderer sees the outcome there.
DECIDED_ORDERS_SHOWN_DAYS = 60


def portal_orders(*, user, units):
    """Orders of the visible units that wait for IT or were decided lately, newest first,
    with who decided and why."""
    since = timezone.now() - datetime.timedelta(days=DECIDED_ORDERS_SHOWN_DAYS)
    return (
        Subscription.objects.visible_to(user, units=units)
        .filter(Q(status=Subscription.Status.REQUESTED) | Q(decided_at__gte=since))
        .select_related("service", "unit", "ordered_by", "decided_by")
        .order_by("-created_at", "-pk")
    )


def portal_shared_interactions(*, units):
    """Only what IT chose to share (Interaction.objects.shared_with_business): internal
    notes never leave this filter."""
    return (
        Interaction.objects.shared_with_business()
        .filter(unit__in=units)
        .select_related("unit")
        .order_by("-occurred_at")
    )


def portal_live_services():
    return (
        Service.objects.live()
        .select_related("category")
        .prefetch_related(Prefetch("targets", queryset=ServiceLevelTarget.objects.order_by("name")))
    )


def portal_invitations(*, user):
    """The survey invitations of the person's own contacts (never a colleague's)."""
    return SurveyInvitation.objects.filter(contact__user=user, contact__is_active=True).select_related(
        "campaign", "unit", "contact"
    )


def portal_pending_invitations(*, user) -> list[SurveyInvitation]:
    now = timezone.now()
    candidates = portal_invitations(user=user).filter(
        Q(status__in=[SurveyInvitation.Status.PENDING, SurveyInvitation.Status.SENT]),
        campaign__opens_at__lte=now,
        campaign__closes_at__gt=now,
    )
    return [
        inv for inv in candidates.order_by("campaign__closes_at") if survey_invitation_state(inv) == "open"
    ]


def portal_home(*, user) -> dict:
    """Everything the portal home shows, in a fixed number of queries (13) whatever the
    number of units, services, measurements or requests. What waits for the person (the
    requests they must decide) is relationships.selectors_waiting, as in the navigation."""
    units = list(portal_units(user=user))  # 2: the person's contacts, then their units
    deciders = deciding_customers_for(units=units)  # 3
    subscriptions = portal_subscriptions_with_agreements(user=user, units=units)  # 4, 5: and their agreements
    levels = subscription_levels(subscriptions=subscriptions)  # 6, 7
    requirements = portal_requirements(units=units)
    open_statuses = [
        Requirement.Status.DRAFT,
        Requirement.Status.SUBMITTED,
        Requirement.Status.APPROVED,
        Requirement.Status.IN_DELIVERY,
    ]
    managers = {}
    for unit in units:
        if unit.relationship_manager_id:
            managers.setdefault(unit.relationship_manager_id, (unit.relationship_manager, []))[1].append(unit)
    measured = sum(t.measured for level in levels for t in level.targets)
    met = sum(t.met for level in levels for t in level.targets)
    return {
        "units": units,
        "months": attainment_months(),
        "review_soon": timezone.localdate() + datetime.timedelta(days=30),
        "overall_attainment": attainment_percent(met=met, measured=measured),
        "overall_band": attainment_band(met=met, measured=measured),
        "deciders": deciders,
        "managers": list(managers.values()),
        "levels": levels,
        "agreements": list(portal_agreements(user=user, units=units)),  # 8
        "orders": list(portal_orders(user=user, units=units)[:8]),  # 9
        "requirements": list(requirements.filter(status__in=open_statuses).order_by("-updated_at")[:8]),  # 10
        "escalations": list(portal_escalations(units=units).open().order_by("respond_by")),  # 11
        "pending_surveys": portal_pending_invitations(user=user),  # 12
        "shared_notes": list(portal_shared_interactions(units=units)[:5]),  # 13
    }
