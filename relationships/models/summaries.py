"""Per-unit summaries of what the health score and the dashboards show, kept by database
triggers in the transaction that writes the rows beneath them (relationships/summaries.py).

Each row holds one unit's own figures, never its sub-units': a division adds up the rows of
its subtree at read time, so moving a unit changes no summary. The unit is referenced
without a database constraint and is not collected when a unit is deleted: the triggers
empty, then remove, the rows of a unit whose escalations, answers and actions go with it.
"""

from django.db import models

from customers.models import BusinessUnit


def _unit():
    return models.ForeignKey(BusinessUnit, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")


class UnitActivitySummary(models.Model):
    """The latest interaction of one unit."""

    unit = models.OneToOneField(
        BusinessUnit, on_delete=models.DO_NOTHING, db_constraint=False, primary_key=True, related_name="+"
    )
    last_interaction_at = models.DateTimeField(null=True)


class OpenEscalationsSummary(models.Model):
    """One unit's open escalations at one level: the health weighs them by level, the
    dashboards count them per level."""

    unit = _unit()
    level = models.PositiveSmallIntegerField()
    open_escalations = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "level"], name="open_escalations_summary_unique")
        ]


class SurveySummary(models.Model):
    """The answers of one unit in one campaign: how many, and their satisfaction and their
    recommendation scores summed."""

    unit = _unit()
    campaign = models.ForeignKey("relationships.SurveyCampaign", on_delete=models.CASCADE, related_name="+")
    answers = models.IntegerField()
    satisfaction_total = models.IntegerField()
    recommend_total = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "campaign"], name="survey_summary_unique")]
        # The health reads the campaigns of the last year for every unit: a range of this index.
        indexes = [models.Index(fields=["campaign", "unit"], name="survey_summary_campaign_idx")]


class AttainmentSummary(models.Model):
    """The measurements of one unit's subscriptions for one period: how many, how many met."""

    unit = _unit()
    period_start = models.DateField()
    measurements = models.IntegerField()
    met = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "period_start"], name="attainment_summary_unique")
        ]
        # The health reads the last three months for every unit, not the years before them.
        indexes = [models.Index(fields=["period_start", "unit"], name="attainment_summary_period_idx")]


class OpenActionsSummary(models.Model):
    """One unit's open follow-up actions due on one day; "overdue" is read against today."""

    unit = _unit()
    due_on = models.DateField()
    open_actions = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "due_on"], name="open_actions_summary_unique")]
        # The health reads the days before today for every unit.
        indexes = [models.Index(fields=["due_on", "unit"], name="open_actions_summary_due_idx")]
