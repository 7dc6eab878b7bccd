"""The relationship health score of a business unit: one number from 0 to 100, with the
reasons behind it, shared by the staff dashboard, the unit page and the API.

A unit's figures include its sub-units (a division answers for its departments). Out of
100 points:

| part                          | points | full marks when                     | none at all when        |
|-------------------------------|--------|-------------------------------------|-------------------------|
| latest survey satisfaction    | 30     | average 5 of 5                      | average 1 of 5          |
|   (of the last 12 months)     |        |                                     |                         |
| service level attainment      | 30     | every target met, last 3 months     | none met                |
| open escalations              | 20     | none open                           | level weights sum >= 4  |
| last interaction              | 10     | within 30 days                      | 90 days ago, or never   |
| overdue follow-up actions     | 10     | none overdue                        | 4 or more overdue       |

Without survey answers or measurements a part counts half, and says so in the reasons. The
latest campaign is the newest with an answer from the unit or below that opened in the last
12 months: an older survey no longer says how the business feels today (campaigns run
quarterly), as attainment counts the last 3 months.
Escalations weigh by level (1, 2, 3): one at the steering group is worse than one at the
relationship manager. Bands: good >= 75, fair >= 50, poor below.
"""

import datetime
from dataclasses import dataclass, field
from functools import cached_property

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from .summaries import subtree_figures

SATISFACTION_POINTS = 30
ATTAINMENT_POINTS = 30
ESCALATION_POINTS = 20
RECENCY_POINTS = 10
ACTIONS_POINTS = 10
ATTAINMENT_MONTHS = 3
SURVEY_MONTHS = 12
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
    # The unrounded figures the reasons quote.
    raw_satisfaction: float | None = field(default=None, repr=False, compare=False)
    raw_attainment: float | None = field(default=None, repr=False, compare=False)

    @property
    def colour(self) -> str:
        """Bootstrap contextual colour for the band."""
        return {"good": "success", "fair": "warning", "poor": "danger"}[self.band]

    @cached_property
    def reasons(self) -> list[str]:
        """What took points off, in words. Written when read: the whole organisation's
        dashboard scores two thousand units and shows the reasons of ten."""
        reasons = []
        if self.raw_satisfaction is None:
            reasons.append("No survey answers in the last 12 months (counted as neutral).")
        elif self.raw_satisfaction < 3.5:
            reasons.append(f"Latest survey satisfaction is low: {self.raw_satisfaction:.1f} of 5.")
        if self.raw_attainment is None:
            reasons.append("No service level measurements in the last three months.")
        elif self.raw_attainment < 95:
            reasons.append(
                f"Service levels met {self.raw_attainment:.0f}% of the time in the last three months."
            )
        if self.open_escalations:
            reasons.append(
                f"{self.open_escalations} open escalation{'s' if self.open_escalations != 1 else ''}"
                f" (level weight {self.escalation_weight})."
            )
        days = self.days_since_interaction
        if days is None:
            reasons.append("No interaction logged yet.")
        elif days > RECENT_DAYS:
            reasons.append(f"Last interaction was {days} days ago.")
        if self.overdue_actions:
            overdue = self.overdue_actions
            reasons.append(f"{overdue} follow-up action{'s' if overdue != 1 else ''} overdue.")
        return reasons


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
    points = 0.0
    if satisfaction is None:
        points += SATISFACTION_POINTS / 2
    else:
        points += SATISFACTION_POINTS * (satisfaction - 1) / 4
    if attainment is None:
        points += ATTAINMENT_POINTS / 2
    else:
        points += ATTAINMENT_POINTS * attainment / 100
    points += ESCALATION_POINTS * max(0, 1 - escalation_weight / 4)
    days = None if last_interaction is None else max(0, (now - last_interaction).days)
    if days is not None:
        if days <= RECENT_DAYS:
            points += RECENCY_POINTS
        elif days < STALE_DAYS:
            points += RECENCY_POINTS * (STALE_DAYS - days) / (STALE_DAYS - RECENT_DAYS)
    points += ACTIONS_POINTS * max(0, 1 - overdue_actions / 4)

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
        raw_satisfaction=satisfaction,
        raw_attainment=attainment,
    )


def health_scores(units, *, today: datetime.date | None = None) -> dict[int, HealthScore]:
    """Scores of the given units (their sub-units included), by unit id: read from the
    summaries (relationships.summaries) in seven queries, however many units and rows."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    since = today.replace(day=1) - relativedelta(months=ATTAINMENT_MONTHS - 1)
    figures = subtree_figures(
        units,
        today=today,
        attainment_since=since,
        surveys_since=now - relativedelta(months=SURVEY_MONTHS),
    )
    return {
        unit_id: score_from_inputs(
            unit_id=unit_id,
            satisfaction=figure.satisfaction,
            attainment=figure.attainment,
            open_escalations=figure.open_escalations,
            escalation_weight=figure.escalation_weight,
            last_interaction=figure.last_interaction,
            overdue_actions=figure.overdue_actions,
            now=now,
        )
        for unit_id, figure in figures.items()
    }
