import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import BusinessUnit
from relationships.health import health_scores
from relationships.models import Escalation
from tests.customers.factories import BusinessUnitFactory
from tests.relationships.factories import (
    EscalationFactory,
    FollowUpActionFactory,
    InteractionFactory,
    SurveyCampaignFactory,
    SurveyResponseFactory,
)
from tests.services.factories import MeasurementFactory, ServiceLevelTargetFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


def month_start(months_ago: int) -> datetime.date:
    day = timezone.localdate().replace(day=1)
    for _ in range(months_ago):
        day = (day - datetime.timedelta(days=1)).replace(day=1)
    return day


def test_a_unit_with_nothing_known_is_fair_and_says_why(unit_a):
    health = health_scores(BusinessUnit.objects.filter(pk=unit_a.pk))[unit_a.pk]

    # half of satisfaction and attainment, full escalations and actions, no recency
    assert health.score == 60
    assert health.band == "fair"
    assert "No survey answers in the last 12 months (counted as neutral)." in health.reasons
    assert "No interaction logged yet." in health.reasons


def test_a_healthy_unit_scores_full_marks(unit_a):
    subscription = SubscriptionFactory(unit=unit_a)
    target = ServiceLevelTargetFactory(service=subscription.service, target_value=Decimal("99"))
    MeasurementFactory(
        subscription=subscription, target=target, period_start=month_start(1), value=Decimal("99.9")
    )
    SurveyResponseFactory(invitation__contact__unit=unit_a, overall_satisfaction=5)
    InteractionFactory(unit=unit_a)

    health = health_scores(BusinessUnit.objects.filter(pk=unit_a.pk))[unit_a.pk]

    assert health.score == 100
    assert health.band == "good"
    assert health.reasons == []


def test_trouble_lowers_the_score_with_reasons(unit_a):
    subscription = SubscriptionFactory(unit=unit_a)
    target = ServiceLevelTargetFactory(service=subscription.service, target_value=Decimal("99"))
    MeasurementFactory(
        subscription=subscription, target=target, period_start=month_start(0), value=Decimal("98")
    )
    MeasurementFactory(
        subscription=subscription, target=target, period_start=month_start(1), value=Decimal("99.5")
    )
    # an old measurement outside the three months does not count
    MeasurementFactory(
        subscription=subscription, target=target, period_start=month_start(5), value=Decimal("10")
    )
    SurveyResponseFactory(invitation__contact__unit=unit_a, overall_satisfaction=2)
    EscalationFactory(unit=unit_a, level=3)
    EscalationFactory(unit=unit_a, level=1, status=Escalation.Status.CLOSED)
    InteractionFactory(unit=unit_a, occurred_at=timezone.now() - datetime.timedelta(days=60))
    FollowUpActionFactory(unit=unit_a, due_on=timezone.localdate() - datetime.timedelta(days=2))

    health = health_scores(BusinessUnit.objects.filter(pk=unit_a.pk))[unit_a.pk]

    assert health.satisfaction == 2.0
    assert health.attainment == 50.0
    assert health.open_escalations == 1
    assert health.escalation_weight == 3
    assert health.days_since_interaction == 60
    assert health.overdue_actions == 1
    # 7.5 + 15 + 5 + 5 + 7.5
    assert health.score == 40
    assert health.band == "poor"
    assert "Latest survey satisfaction is low: 2.0 of 5." in health.reasons
    assert "1 follow-up action overdue." in health.reasons


def test_only_the_latest_campaign_counts_for_satisfaction(unit_a):
    old = SurveyCampaignFactory(
        opens_at=timezone.now() - datetime.timedelta(days=200),
        closes_at=timezone.now() - datetime.timedelta(days=180),
    )
    new = SurveyCampaignFactory()
    SurveyResponseFactory(invitation__campaign=old, invitation__contact__unit=unit_a, overall_satisfaction=1)
    SurveyResponseFactory(invitation__campaign=new, invitation__contact__unit=unit_a, overall_satisfaction=4)
    SurveyResponseFactory(invitation__campaign=new, invitation__contact__unit=unit_a, overall_satisfaction=5)

    health = health_scores(BusinessUnit.objects.filter(pk=unit_a.pk))[unit_a.pk]

    assert health.satisfaction == 4.5


def test_a_survey_older_than_a_year_no_longer_counts(unit_a):
    stale = SurveyCampaignFactory(
        opens_at=timezone.now() - datetime.timedelta(days=400),
        closes_at=timezone.now() - datetime.timedelta(days=380),
    )
    SurveyResponseFactory(
        invitation__campaign=stale, invitation__contact__unit=unit_a, overall_satisfaction=1
    )

    health = health_scores(BusinessUnit.objects.filter(pk=unit_a.pk))[unit_a.pk]

    assert health.satisfaction is None
    assert "No survey answers in the last 12 months (counted as neutral)." in health.reasons


def test_a_division_rolls_up_its_sub_units(division, unit_a, unit_b):
    EscalationFactory(unit=unit_a, level=2)

    scores = health_scores(BusinessUnit.objects.all())

    assert scores[division.pk].open_escalations == 1
    assert scores[unit_a.pk].open_escalations == 1
    assert scores[unit_b.pk].open_escalations == 0


def test_the_same_queries_however_many_units_and_rows(django_assert_num_queries, rm):
    # The units, the units below them, then the five summaries.
    for _ in range(3):
        unit = BusinessUnitFactory(relationship_manager=rm)
        EscalationFactory(unit=unit)
        InteractionFactory(unit=unit)
    with django_assert_num_queries(7):
        few = health_scores(BusinessUnit.objects.all())
    for _ in range(20):
        unit = BusinessUnitFactory(relationship_manager=rm)
        EscalationFactory(unit=unit)
        InteractionFactory(unit=unit)
    with django_assert_num_queries(7):
        many = health_scores(BusinessUnit.objects.all())
    assert len(few) == 3 and len(many) == 23
