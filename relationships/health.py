"""The relationship health score of a business unit: one number from 0 to 100, with the
reasons behind it, shared by the staff dashboard, the unit page and the API.

A unit's figures include its sub-units (a division answers for its departments). Out of
100 points:

| part                          | points | full marks when                     | none at all when        |
|-------------------------------|--------|-------------------------------------|-------------------------|
| latest survey satisfaction    | 30     | average 5 of 5                      | average 1 of 5          |
| service level attainment      | 30     | every target met, last 3 months     | none met                |
| open escalations              | 20     | none open                           | level weights sum >= 4  |
| last interaction              | 10     | within 30 days                      | 90 days ago, or never   |
| overdue follow-up actions     | 10     | none overdue                        | 4 or more overdue       |

Without survey answers or measurements a part counts half, and says so in the reasons.
Escalations weigh by level (1, 2, 3): one at the steering group is worse than one at the
relationship manager. Bands: good >= 75, fair >= 50, poor below.
"""

import datetime
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from customers.models import BusinessUnit
from services.models import Measurement

from .models import Escalation, FollowUpAction, Interaction, SurveyCampaign, SurveyResponse

SATISFACTION_POINTS = 30
ATTAINMENT_POINTS = 30
ESCALATION_POINTS = 20
RECENCY_POINTS = 10
ACTIONS_POINTS = 10
ATTAINMENT_MONTHS = 3
RECENT_DAYS, STALE_DAYS = 30, 90


@dataclass(frozen=True)
class HealthScore:
    unit_id: int
    score: int
    band: str
    satisfaction: float | None
    attainment: float | None
    open_escalations: int
    escalation_weight: int
    days_since_interaction: int | None
    overdue_actions: int
    reasons: list[str] = field(default_factory=list)

    @property
    def colour(self) -> str:
        """Bootstrap contextual colour for the band."""
        return {"good": "success", "fair": "warning", "poor": "danger"}[self.band]


def _in_subtree(prefix: str):
    # Rows whose unit lies at or below the outer unit: its path starts with the outer path
    # (`within` is index-served on PostgreSQL, customers.models.PathWithin).
    return {f"{prefix}path__within": OuterRef("path")}


def _scalar(queryset, expression):
    """A one-value subquery: the aggregate `expression` over `queryset`."""
    return Subquery(
        queryset.order_by().annotate(_group=Value(1)).values("_group").annotate(v=expression).values("v")[:1]
    )


def annotate_health_inputs(units, *, today: datetime.date | None = None):
    """Annotate a BusinessUnit queryset with the raw inputs of the score. One query."""
    today = today or timezone.localdate()
    since = today.replace(day=1) - relativedelta(months=ATTAINMENT_MONTHS - 1)
    # The newest campaign with an answer from the subtree: campaigns newest first, each
    # checked with an index probe per unit, instead of sorting every answer of the subtree.
    latest_campaign = (
        SurveyCampaign.objects.filter(
            Exists(
                SurveyResponse.objects.filter(
                    campaign=OuterRef("pk"),
                    unit__path__within=OuterRef(OuterRef(OuterRef("path"))),
                )
            )
        )
        .order_by("-opens_at", "-pk")
        .values("pk")[:1]
    )
    return units.annotate(
        h_satisfaction=_scalar(
            SurveyResponse.objects.filter(**_in_subtree("unit__"), campaign=Subquery(latest_campaign)),
            Avg("overall_satisfaction", output_field=FloatField()),
        ),
        h_attainment=_scalar(
            Measurement.objects.filter(**_in_subtree("subscription__unit__"), period_start__gte=since),
            Avg(Case(When(is_met=True, then=Value(100.0)), default=Value(0.0), output_field=FloatField())),
        ),
        h_open_escalations=Coalesce(
            _scalar(Escalation.objects.open().filter(**_in_subtree("unit__")), Count("pk")),
            0,
            output_field=IntegerField(),
        ),
        h_escalation_weight=Coalesce(
            _scalar(Escalation.objects.open().filter(**_in_subtree("unit__")), Sum("level")),
            0,
            output_field=IntegerField(),
        ),
        # The latest of each unit's latest interaction: one index probe per unit of the
        # subtree (unit, -occurred_at), not a read of every interaction below it.
        h_last_interaction=_scalar(
            BusinessUnit.objects.filter(**_in_subtree("")),
            Max(
                Subquery(
                    Interaction.objects.filter(unit=OuterRef("pk"))
                    .order_by("-occurred_at")
                    .values("occurred_at")[:1]
                )
            ),
        ),
        h_overdue_actions=Coalesce(
            _scalar(FollowUpAction.objects.overdue(today).filter(**_in_subtree("unit__")), Count("pk")),
            0,
            output_field=IntegerField(),
        ),
    )


def score_from_inputs(
    *,
    unit_id: int,
    satisfaction: float | None,
    attainment: float | None,
    open_escalations: int,
    escalation_weight: int,
    last_interaction: datetime.datetime | None,
    overdue_actions: int,
    now: datetime.datetime | None = None,
) -> HealthScore:
    """The formula of the module docstring, on figures already read."""
    now = now or timezone.now()
    reasons: list[str] = []
    points = 0.0

    if satisfaction is None:
        points += SATISFACTION_POINTS / 2
        reasons.append("No survey answers yet (counted as neutral).")
    else:
        points += SATISFACTION_POINTS * (satisfaction - 1) / 4
        if satisfaction < 3.5:
            reasons.append(f"Latest survey satisfaction is low: {satisfaction:.1f} of 5.")

    if attainment is None:
        points += ATTAINMENT_POINTS / 2
        reasons.append("No service level measurements in the last three months.")
    else:
        points += ATTAINMENT_POINTS * attainment / 100
        if attainment < 95:
            reasons.append(f"Service levels met {attainment:.0f}% of the time in the last three months.")

    points += ESCALATION_POINTS * max(0, 1 - escalation_weight / 4)
    if open_escalations:
        reasons.append(
            f"{open_escalations} open escalation{'s' if open_escalations != 1 else ''}"
            f" (level weight {escalation_weight})."
        )

    days = None if last_interaction is None else max(0, (now - last_interaction).days)
    if days is None:
        reasons.append("No interaction logged yet.")
    else:
        if days <= RECENT_DAYS:
            points += RECENCY_POINTS
        elif days < STALE_DAYS:
            points += RECENCY_POINTS * (STALE_DAYS - days) / (STALE_DAYS - RECENT_DAYS)
        if days > RECENT_DAYS:
            reasons.append(f"Last interaction was {days} days ago.")

    points += ACTIONS_POINTS * max(0, 1 - overdue_actions / 4)
    if overdue_actions:
        reasons.append(f"{overdue_actions} follow-up action{'s' if overdue_actions != 1 else ''} overdue.")

    score = round(points)
    band = "good" if score >= 75 else "fair" if score >= 50 else "poor"
    return HealthScore(
        unit_id=unit_id,
        score=score,
        band=band,
        satisfaction=None if satisfaction is None else round(satisfaction, 2),
        attainment=None if attainment is None else round(attainment, 1),
        open_escalations=open_escalations,
        escalation_weight=escalation_weight,
        days_since_interaction=days,
        overdue_actions=overdue_actions,
        reasons=reasons,
    )


def health_from_annotated(unit) -> HealthScore:
    """The score of a unit read through `annotate_health_inputs`."""
    return score_from_inputs(
        unit_id=unit.pk,
        satisfaction=unit.h_satisfaction,
        attainment=unit.h_attainment,
        open_escalations=unit.h_open_escalations,
        escalation_weight=unit.h_escalation_weight,
        last_interaction=unit.h_last_interaction,
        overdue_actions=unit.h_overdue_actions,
    )


def health_scores(units) -> dict[int, HealthScore]:
    """Scores of every unit in the queryset, by unit id: one query, however many units."""
    return {unit.pk: health_from_annotated(unit) for unit in annotate_health_inputs(units)}
