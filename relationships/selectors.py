"""Reads of the staff workspace: the dashboard and the unit page (360° view).

Each selector reads a fixed number of queries whatever the size of the portfolio or the
subtree: lists are fetched once with their relations and grouped in Python.
"""

import bisect
import datetime
from collections import OrderedDict, defaultdict
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, Q, Sum, Window
from django.utils import timezone

from core.history import HistoryEntry, history_entries, history_records
from customers import roles
from customers.models import BusinessObjective, BusinessUnit, Contact
from customers.selectors import deciding_customer_for
from services.attainment import attainment_band, attainment_percent
from services.models import Agreement, Measurement, Subscription
from services.selectors import (
    agreement_list_for_unit,
    attach_covering_agreements,
    covering_agreement,
    subscriptions_covered_by,
)

from . import summaries
from .health import health_scores
from .models import (
    Escalation,
    EscalationEvent,
    FollowUpAction,
    Interaction,
    Opportunity,
    Requirement,
    SurveyCampaign,
    SurveyResponse,
    SurveySummary,
)

User = get_user_model()

REVIEW_HORIZON_DAYS = 60
ATTAINMENT_MONTHS = 6
TREND_CAMPAIGNS = 8
TIMELINE_LENGTH = 25
# A roll-up of a large subtree shows the first services and agreements, and how many more:
# the company's page once listed every subscription of the organisation (megabytes).
SUBSCRIPTIONS_SHOWN = 40
AGREEMENTS_SHOWN = 20
PORTFOLIO_SHOWN = 25


def staff_members():
    """Active staff, for owner and relationship-manager choices."""
    return User.objects.filter(is_staff=True, is_active=True).order_by("first_name", "last_name", "username")


def portfolio_for(*, user, manager_id: int | None = None):
    """The active units a person looks after: a relationship manager their own portfolio;
    IT management and the steering group the whole organisation, optionally one manager's."""
    units = BusinessUnit.objects.active()
    if roles.manages_every_unit(user):
        if manager_id:
            units = units.filter(relationship_manager_id=manager_id)
        return units
    return units.managed_by(user)


def campaign_labels(rows) -> list[str]:
    """A chart's axis label per campaign: the month it opened ("Jun 2026"), short enough
    not to overlap on a phone; the chart's tooltip gives the campaign's name."""
    return [timezone.localtime(row["campaign__opens_at"]).strftime("%b %Y") for row in rows]


def survey_results(*, units=None, campaigns: int = TREND_CAMPAIGNS) -> list[dict]:
    """Per closed campaign, oldest first, the last `campaigns` with an answer from `units`
    (None: the whole organisation): its name, when it opened, the answers, the average
    satisfaction and recommendation. One query over the survey summaries (a row per unit and
    campaign, however many answers); the campaigns are found newest first, one probe each,
    so years of campaigns before them are never added up."""
    answered = SurveySummary.objects.all() if units is None else SurveySummary.objects.filter(unit__in=units)
    latest = (
        SurveyCampaign.objects.filter(status=SurveyCampaign.Status.CLOSED)
        .filter(Exists(answered.filter(campaign=OuterRef("pk"))))
        .order_by("-opens_at")
        .values("pk")[:campaigns]
    )
    rows = list(
        answered.filter(campaign__in=latest)
        .values("campaign_id", "campaign__name", "campaign__opens_at")
        .annotate(
            count=Sum("answers"),
            satisfaction=Sum("satisfaction_total"),
            recommendation=Sum("recommend_total"),
        )
        .order_by("campaign__opens_at")
    )
    for row in rows:
        row["avg"] = row["satisfaction"] / row["count"]
        row["recommend"] = row["recommendation"] / row["count"]
    return rows


def satisfaction_trend(*, units=None, campaigns: int = TREND_CAMPAIGNS) -> dict:
    """The chart of average satisfaction over the last closed campaigns (survey_results)."""
    rows = survey_results(units=units, campaigns=campaigns)
    return {
        "labels": campaign_labels(rows),
        "titles": [row["campaign__name"] for row in rows],
        "datasets": [{"label": "Average satisfaction (1–5)", "data": [round(row["avg"], 2) for row in rows]}],
        "responses": sum(row["count"] for row in rows),
    }


def portfolio_with_health(units) -> list:
    """The HealthScores of `units`, worst first (then by name), from the summaries
    (relationships.health) in a fixed number of queries. The whole organisation is two
    thousand units: only their ids, names and paths are read, as rows, not model instances."""
    rows = list(units.values_list("pk", "name", "path", named=True))
    scores = health_scores(rows)
    names = {row.pk: row.name for row in rows}
    return sorted(scores.values(), key=lambda health: (health.score, names[health.unit_id]))


def _shown_in_full(portfolio: list) -> list:
    """The units of the scores the dashboard lists, with what their rows show and their
    `.health`: one query."""
    full = BusinessUnit.objects.select_related("parent", "relationship_manager").in_bulk(
        [health.unit_id for health in portfolio]
    )
    for health in portfolio:
        full[health.unit_id].health = health
    return [full[health.unit_id] for health in portfolio]


def relationship_managers():
    """Staff who manage at least one unit, for the dashboard's filter. One query."""
    return User.objects.filter(is_staff=True, managed_units__isnull=False).distinct().order_by("first_name")


def dashboard_for(*, user, manager_id: int | None = None, today: datetime.date | None = None) -> dict:
    """Everything on the dashboard in a fixed number of queries, whatever the portfolio's size: units with
    health, escalations per level, the first open escalations, the open actions due first
    and the count of overdue ones, agreement reviews due, budget gaps, the satisfaction trend."""
    today = today or timezone.localdate()
    units = portfolio_for(user=user, manager_id=manager_id)
    portfolio = portfolio_with_health(units)
    by_level = summaries.open_escalations_by_level(units)
    escalations = list(
        Escalation.objects.open().filter(unit__in=units).select_related("unit").order_by("respond_by")[:6]
    )
    actions = FollowUpAction.objects.filter(Q(unit__in=units) | Q(owner=user))
    # The portfolio's from the summaries; the person's own elsewhere are few.
    overdue_count = (
        summaries.overdue_actions_count(units, today=today)
        + FollowUpAction.objects.overdue(today).filter(owner=user).exclude(unit__in=units).count()
    )
    # The open actions soonest due first: the overdue ones lead, then what is due next, so
    # an action just agreed shows here too.
    open_actions = list(actions.open().select_related("unit", "owner").order_by("due_on", "pk")[:6])
    reviews = list(
        Agreement.objects.review_due_by(today + datetime.timedelta(days=REVIEW_HORIZON_DAYS))
        .filter(unit__in=units)
        .select_related("unit")
        .order_by("next_review_on")[:6]
    )
    gaps = list(BusinessUnit.objects.holding_budget_without_customer().filter(pk__in=units.values("pk")))
    bands = {"good": 0, "fair": 0, "poor": 0}
    for health in portfolio:
        bands[health.band] += 1
    return {
        "portfolio": portfolio,
        # The weakest first; the figures above count every unit.
        "portfolio_shown": _shown_in_full(portfolio[:PORTFOLIO_SHOWN]),
        "portfolio_hidden": max(0, len(portfolio) - PORTFOLIO_SHOWN),
        "bands": bands,
        "average_score": round(sum(health.score for health in portfolio) / len(portfolio))
        if portfolio
        else None,
        "escalations_by_level": [
            (level, label, by_level.get(level, 0)) for level, label in Escalation.Level.choices
        ],
        "open_escalation_count": sum(by_level.values()),
        "escalations": escalations,
        "overdue_count": overdue_count,
        "open_actions": open_actions,
        "reviews": reviews,
        "gaps": gaps,
        "trend": satisfaction_trend(units=units),
        "today": today,
        "now": timezone.now(),
    }


def _month_starts(today: datetime.date, months: int) -> list[datetime.date]:
    first = today.replace(day=1)
    return [first - relativedelta(months=n) for n in range(months - 1, -1, -1)]


def attainment_by_subscription(*, subscriptions, since: datetime.date, until: datetime.date | None = None):
    """{subscription_id: [{"target": target, "months": {month: measurement}, "met": n, "total": n}]}
    from one query over the measurements of `subscriptions`."""
    measurements = Measurement.objects.filter(subscription__in=subscriptions, period_start__gte=since)
    if until:
        measurements = measurements.filter(period_start__lte=until)
    grouped = defaultdict(OrderedDict)
    for measurement in measurements.select_related("target").order_by("target__name", "period_start"):
        rows = grouped[measurement.subscription_id]
        row = rows.setdefault(
            measurement.target_id, {"target": measurement.target, "months": {}, "met": 0, "total": 0}
        )
        row["months"][measurement.period_start] = measurement
        row["total"] += 1
        row["met"] += 1 if measurement.is_met else 0
    for rows in grouped.values():
        for row in rows.values():
            row["band"] = attainment_band(met=row["met"], measured=row["total"])
    return {sub_id: list(rows.values()) for sub_id, rows in grouped.items()}


@dataclass
class UnitOverview:
    unit: BusinessUnit
    ancestors: list
    children: list
    subtree_size: int
    health: object
    contacts_by_role: dict
    deciding_customer: Contact | None
    objectives: list
    subscriptions: list  # each with .attainment rows and .chart
    months: list
    agreements: list
    timeline: list
    requirements: list
    opportunities: list
    escalations: list
    survey: dict
    is_rollup: bool
    subscriptions_hidden: int = 0
    agreements_hidden: int = 0


def unit_overview(
    *, unit: BusinessUnit, today: datetime.date | None = None, shared_only: bool = False
) -> UnitOverview:
    """The 360° view of a unit. A unit with sub-units rolls up their activity and figures
    (subscriptions, agreements, interactions, requirements, opportunities, escalations,
    surveys); contacts and objectives are the unit's own. `shared_only`: the timeline has
    only the interactions shared with the business. About 16 queries, whatever the size of
    the subtree."""
    today = today or timezone.localdate()
    subtree = BusinessUnit.objects.subtree_of(unit)
    in_subtree = Q(unit__path__startswith=unit.path)
    children = list(unit.children.filter(is_active=True).select_related("relationship_manager"))
    subtree_size = subtree.count()

    contacts = list(Contact.objects.filter(unit=unit, is_active=True).select_related("user"))
    by_role = OrderedDict((role, []) for role in Contact.Role.values)
    for contact in contacts:
        by_role[contact.role].append(contact)

    months = _month_starts(today, ATTAINMENT_MONTHS)
    # The total comes with the rows (a window over the whole result, counted before the
    # LIMIT): one query whatever the size of the subtree.
    subscriptions = attach_covering_agreements(
        list(
            Subscription.objects.filter(in_subtree)
            .current()
            .select_related("service", "unit")
            .annotate(
                total=Window(Count("pk")),
                covering_agreement_id=covering_agreement(today=today, within=[unit]),
            )
            .order_by("service__name", "unit__name", "pk")[:SUBSCRIPTIONS_SHOWN]
        )
    )
    subscription_count = subscriptions[0].total if subscriptions else 0
    attainment = attainment_by_subscription(subscriptions=subscriptions, since=months[0])
    for subscription in subscriptions:
        rows = attainment.get(subscription.pk, [])
        for row in rows:
            row["cells"] = [row["months"].get(month) for month in months]
        subscription.attainment = rows
        met = sum(row["met"] for row in rows)
        total = sum(row["total"] for row in rows)
        subscription.attainment_percent = attainment_percent(met=met, measured=total)
        subscription.chart = {
            "labels": [month.strftime("%b") for month in months],
            "datasets": [
                {
                    "label": "Targets met (%)",
                    "data": [_month_percent(rows, month) for month in months],
                }
            ],
        }

    escalations = list(
        Escalation.objects.filter(in_subtree)
        .select_related("unit", "service")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=EscalationEvent.objects.select_related("actor_user", "actor_contact").order_by(
                    "created_at"
                ),
            )
        )
        .order_by("-raised_at")[:20]
    )
    timeline = unit_timeline(unit=unit, shared_only=shared_only)
    survey_rows = survey_results(units=subtree)
    survey = {
        "rows": survey_rows,
        "chart": {
            "labels": campaign_labels(survey_rows),
            "titles": [row["campaign__name"] for row in survey_rows],
            "datasets": [
                {"label": "Satisfaction (1-5)", "data": [round(row["avg"], 2) for row in survey_rows]},
            ],
        },
    }
    # Its own, those below it, and those of a unit above covering its services (inherited).
    agreements = list(
        agreement_list_for_unit(unit=unit, today=today)
        .select_related("unit")
        .annotate(total=Window(Count("pk")))
        .order_by("is_inherited", "next_review_on", "pk")[:AGREEMENTS_SHOWN]
    )
    return UnitOverview(
        unit=unit,
        ancestors=list(unit.ancestors()),
        children=children,
        subtree_size=subtree_size,
        health=health_scores([unit])[unit.pk],
        contacts_by_role=by_role,
        deciding_customer=deciding_customer_for(unit=unit),
        objectives=list(BusinessObjective.objects.filter(unit=unit).order_by("status", "target_date")),
        subscriptions=subscriptions,
        months=months,
        agreements=agreements,
        timeline=timeline,
        requirements=list(
            Requirement.objects.filter(in_subtree)
            .select_related("unit", "service")
            .order_by("-updated_at")[:20]
        ),
        opportunities=list(
            Opportunity.objects.filter(in_subtree).select_related("unit").order_by("-updated_at")[:20]
        ),
        escalations=escalations,
        survey=survey,
        is_rollup=subtree_size > 1,
        subscriptions_hidden=subscription_count - len(subscriptions),
        agreements_hidden=(agreements[0].total - len(agreements)) if agreements else 0,
    )


def action_list_with_source():
    """Follow-up actions with their unit, owner and what they came from (an interaction, a
    survey answer and who gave it, an escalation, an agreement under review) joined in:
    the action page in one query."""
    return FollowUpAction.objects.select_related(
        "unit",
        "owner",
        "interaction",
        "escalation",
        "agreement",
        "survey_response__campaign",
        "survey_response__invitation__contact",
    )


def unit_timeline(*, unit: BusinessUnit, shared_only: bool = False) -> list:
    """The latest interactions of a unit and its sub-units (`shared_only`: of those shared
    with the business), with who was there and the actions agreed: three queries."""
    interactions = Interaction.objects.shared_with_business() if shared_only else Interaction.objects.all()
    return list(
        interactions.filter(unit__path__startswith=unit.path)
        .select_related("unit", "created_by")
        .prefetch_related(
            "contacts", Prefetch("actions", queryset=FollowUpAction.objects.select_related("owner"))
        )
        .order_by("-occurred_at")[:TIMELINE_LENGTH]
    )


def _month_percent(rows, month):
    cells = [row["months"][month] for row in rows if month in row["months"]]
    return attainment_percent(met=sum(1 for m in cells if m.is_met), measured=len(cells))


@dataclass
class ReviewUnit:
    """One unit of an agreement's scope on the review agenda, with what to discuss."""

    unit: BusinessUnit
    subscriptions: list  # each with .attainment: [{"target", "met", "total"}] over the period
    requirements: list
    escalations: list
    actions: list
    satisfaction: dict | None  # {"count", "avg", "recommend"} of the answers in the period

    @property
    def has_items(self) -> bool:
        return bool(
            self.subscriptions or self.requirements or self.escalations or self.actions or self.satisfaction
        )


def service_review_agenda(*, agreement: Agreement, today: datetime.date | None = None) -> dict:
    """What a service review meeting discusses, over the agreement's whole scope (its unit
    and the units below it), grouped by unit and naming each: per service the agreement
    covers, attainment per target since the last review (or the last twelve months); the open
    requirements, escalations and follow-up actions; the survey answers of the period.
    Returns the units and the agenda as text.

    Seven queries whatever the size of the scope: the units, the covered subscriptions, their
    measurements, the requirements, escalations and actions, the survey answers per unit."""
    today = today or timezone.localdate()
    since = (agreement.last_reviewed_on or (today - relativedelta(months=12))).replace(day=1)
    scope = agreement.unit.path
    in_scope = Q(unit__path__startswith=scope)
    units = list(BusinessUnit.objects.filter(path__startswith=scope).order_by("path"))
    subscriptions = list(
        subscriptions_covered_by(agreement=agreement, today=today)
        .select_related("service", "unit")
        .order_by("unit__path", "service__name")
    )
    attainment = attainment_by_subscription(subscriptions=subscriptions, since=since, until=today)
    requirements = (
        Requirement.objects.filter(in_scope)
        .exclude(status__in=[Requirement.Status.DELIVERED, Requirement.Status.REJECTED])
        .select_related("service")
        .order_by("status", "title")
    )
    escalations = (
        Escalation.objects.open().filter(in_scope).select_related("service").order_by("level", "respond_by")
    )
    # The review action the agreement-review job opened is this meeting itself: not an item.
    actions = (
        FollowUpAction.objects.open()
        .filter(in_scope)
        .exclude(agreement=agreement, interaction__isnull=True, escalation__isnull=True)
        .select_related("owner")
        .order_by("due_on", "pk")
    )
    satisfaction = {
        row["unit_id"]: row
        for row in SurveyResponse.objects.filter(in_scope, submitted_at__date__gte=since)
        .values("unit_id")
        .annotate(count=Count("pk"), avg=Avg("overall_satisfaction"), recommend=Avg("recommend_score"))
        .order_by()
    }
    by_unit = {unit.pk: ReviewUnit(unit, [], [], [], [], satisfaction.get(unit.pk)) for unit in units}
    for subscription in subscriptions:
        subscription.attainment = attainment.get(subscription.pk, [])
        if subscription.unit_id not in by_unit:  # linked to the agreement from outside its scope
            by_unit[subscription.unit_id] = ReviewUnit(subscription.unit, [], [], [], [], None)
        by_unit[subscription.unit_id].subscriptions.append(subscription)
    for attribute, rows in (
        ("requirements", requirements),
        ("escalations", escalations),
        ("actions", actions),
    ):
        for row in rows:
            getattr(by_unit[row.unit_id], attribute).append(row)
    sections = [section for section in by_unit.values() if section.has_items]
    quiet = [section.unit for section in by_unit.values() if not section.has_items]
    return {
        "since": since,
        "sections": sections,
        "quiet_units": quiet,
        "subscription_count": len(subscriptions),
        "agenda": _agenda_text(agreement=agreement, since=since, sections=sections, quiet=quiet),
    }


def _agenda_text(*, agreement: Agreement, since: datetime.date, sections: list, quiet: list) -> str:
    """The agenda as the minutes start from: one numbered part per unit, each named."""
    lines = [
        f"Service review of {agreement.title} ({agreement.unit.name} and the units below it), "
        f"period since {since:%d %b %Y}.",
        "",
    ]
    for number, section in enumerate(sections, start=1):
        lines.append(f"{number}. {section.unit.name}")
        if section.subscriptions:
            lines.append("   Service levels:")
        for subscription in section.subscriptions:
            if not subscription.attainment:
                lines.append(f"   - {subscription.service.name}: no measurements in the period.")
            for row in subscription.attainment:
                lines.append(
                    f"   - {subscription.service.name} / {row['target'].name}: met {row['met']} of "
                    f"{row['total']} months ({round(100 * row['met'] / row['total'])}%)"
                )
        if section.requirements:
            lines.append("   Open requirements:")
            lines += [f"   - {r.title} ({r.get_status_display()})" for r in section.requirements]
        if section.escalations:
            lines.append("   Open escalations:")
            lines += [
                f"   - {e.subject} ({e.get_severity_display().lower()}, level {e.level})"
                for e in section.escalations
            ]
        if section.actions:
            lines.append("   Open follow-up actions:")
            lines += [f"   - {a.title} (due {a.due_on:%d %b %Y})" for a in section.actions]
        if section.satisfaction:
            survey = section.satisfaction
            lines.append(
                f"   Satisfaction: {survey['count']} answer{'s' if survey['count'] != 1 else ''}, average "
                f"{survey['avg']:.1f} of 5, likelihood to recommend {survey['recommend']:.1f} of 10."
            )
        lines.append("")
    if not sections:
        lines += ["Nothing is open and no service is covered yet.", ""]
    if quiet:
        lines += [f"Nothing open for: {', '.join(unit.name for unit in quiet)}.", ""]
    lines += [f"{len(sections) + 1}. Actions agreed", ""]
    return "\n".join(lines)


def unit_relationship_file(*, unit: BusinessUnit, business_copy: bool = False) -> dict:
    """The unit's 360° view laid out for a service review meeting, plus its open follow-up
    actions. `business_copy` leaves out what IT keeps to itself (interactions not shared
    with the business, opportunities, the health score). unit_overview's queries plus one."""
    overview = unit_overview(unit=unit, shared_only=business_copy)
    open_actions = list(
        FollowUpAction.objects.open()
        .filter(unit__path__startswith=unit.path)
        .select_related("unit", "owner")
        .order_by("due_on", "pk")[:50]
    )
    return {
        "o": overview,
        "timeline": overview.timeline,
        "open_actions": open_actions,
        "business_copy": business_copy,
        "today": timezone.localdate(),
    }


# --- The history of an escalation: its steps, with the audit rows folded in ----------------

# What the steps of the route change. A step is its own line (EscalationEvent), so the
# audit row its save wrote says nothing more and is folded into it.
ESCALATION_STEP_FIELDS = frozenset(
    {"status", "level", "respond_by", "acknowledged_at", "resolved_at", "closed_at", "resolution"}
)
# A step writes its audit row and its event in one transaction, milliseconds apart.
STEP_FOLD_WINDOW = datetime.timedelta(seconds=5)


@dataclass
class EscalationHistoryLine:
    """One line of an escalation's history: a step of the route, or a change to the record
    that no step explains (a subject, severity or service corrected, a level set in the
    admin), with its field-by-field changes."""

    at: datetime.datetime
    event: EscalationEvent | None = None
    change: HistoryEntry | None = None


def escalation_history(*, escalation: Escalation, viewer) -> list[EscalationHistoryLine]:
    """The escalation's history, oldest first: every step (raised, reminded, escalated,
    acknowledged, commented, resolved, closed) and, between them, the audit rows that say
    something the steps do not. The row of the creation is the step "Raised"; a step's own
    changes (status, level, deadline, resolution) are the step. Two queries (the steps, the
    audit rows with their users), plus one per kind of related record whose change is shown."""
    events = list(
        escalation.events.select_related("actor_user", "actor_contact").order_by("created_at", "pk")
    )
    event_times = [event.created_at for event in events]
    has_raised = any(event.kind == EscalationEvent.Kind.RAISED for event in events)
    lines = [EscalationHistoryLine(at=event.created_at, event=event) for event in events]
    for entry in history_entries(list(history_records(escalation)), viewer=viewer):
        if entry.kind == "created" and has_raised:
            continue
        if entry.kind == "changed":
            if _near_a_step(entry.at, event_times):
                entry.changes = [c for c in entry.changes if c.field not in ESCALATION_STEP_FIELDS]
            if not entry.changes:
                continue  # a step's own save, or a save that changed nothing
        lines.append(EscalationHistoryLine(at=entry.at, change=entry))
    # Stable: a change and a step at the same moment keep the step first.
    lines.sort(key=lambda line: line.at)
    return lines


def _near_a_step(at: datetime.datetime, event_times: list[datetime.datetime]) -> bool:
    index = bisect.bisect_left(event_times, at)
    neighbours = event_times[max(0, index - 1) : index + 1]
    return any(abs(at - when) <= STEP_FOLD_WINDOW for when in neighbours)
