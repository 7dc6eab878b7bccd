"""The health summaries stay equal to the rows beneath them, whatever writes them: the
services, the import API, the ladder's bulk step, bulk creates and updates, deletes with
their cascades (relationships.summaries)."""

import datetime
import random

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from customers.models import BusinessUnit
from relationships import jobs, services, summaries
from relationships.models import (
    Escalation,
    FollowUpAction,
    Interaction,
    OpenEscalationsSummary,
    SurveyInvitation,
    SurveyResponse,
    SurveySummary,
    UnitActivitySummary,
)
from services.models import Measurement, Subscription
from services.services import measurements_record
from tests.customers.factories import ContactFactory
from tests.doors.importing import through_import_api
from tests.relationships.factories import SurveyCampaignFactory, SurveyResponseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("seed_demo", quiet=True)
    return get_user_model().objects.get(username="stella")  # the steering group: every unit


def _random_writes(rng: random.Random, steer) -> None:
    now = timezone.now()
    units = list(BusinessUnit.objects.order_by("pk"))
    for _ in range(6):  # the services
        unit = rng.choice(units)
        services.interaction_log(
            unit=unit,
            by=steer,
            kind=Interaction.Kind.MEETING,
            subject="Quarterly review",
            occurred_at=now - datetime.timedelta(days=rng.randint(0, 400)),
            actions=[
                {
                    "title": "Send the minutes",
                    "owner": steer,
                    "due_on": now.date() + datetime.timedelta(days=3),
                }
            ],
        )
        services.escalation_raise(
            unit=unit, by=steer, subject="Outage", description="Payroll stopped.", severity="high"
        )
    for invitation in SurveyInvitation.objects.filter(status=SurveyInvitation.Status.PENDING)[:3]:
        services.survey_response_submit(
            invitation=invitation,
            overall_satisfaction=rng.randint(1, 5),
            recommend_score=rng.randint(0, 10),
        )

    # The ladder's bulk step, past every deadline.
    jobs.escalation_ladder(now=now + datetime.timedelta(days=30))

    # Bulk updates and creates, as jobs and imports do them.
    Escalation.objects.filter(pk__in=Escalation.objects.open().values("pk")[:3]).update(
        status=Escalation.Status.CLOSED
    )
    FollowUpAction.objects.filter(pk__in=FollowUpAction.objects.open().values("pk")[:4]).update(
        due_on=now.date() - datetime.timedelta(days=5)
    )
    FollowUpAction.objects.filter(pk__in=FollowUpAction.objects.values("pk")[:2]).update(
        status=FollowUpAction.Status.DONE
    )
    Interaction.objects.bulk_create(
        Interaction(unit=rng.choice(units), kind=Interaction.Kind.CALL, subject="Call", occurred_at=now)
        for _ in range(5)
    )
    Measurement.objects.filter(pk__in=Measurement.objects.values("pk")[:10]).update(is_met=False)
    SurveyResponse.objects.filter(pk__in=SurveyResponse.objects.values("pk")[:3]).update(
        overall_satisfaction=1
    )
    SurveyResponse.objects.filter(pk__in=SurveyResponse.objects.values("pk")[3:5]).update(recommend_score=0)

    # The measurement services and the import API, over measurements already stored.
    stored = list(
        Measurement.objects.select_related("subscription__unit", "subscription__service", "target")[:6]
    )
    measurements_record(
        rows=[(m.subscription, m.target, m.period_start, m.value + 1) for m in stored[:3]], by=steer
    )
    lines = ["unit,service,target,period,value"] + [
        f"{m.subscription.unit.code},{m.subscription.service.code},{m.target.name},{m.period_start:%Y-%m},1"
        for m in stored[3:]
    ]
    api = APIClient()
    api.force_authenticate(steer)
    assert through_import_api(api, kind="measurements", filename="levels.csv", text="\n".join(lines) + "\n")

    # Single updates: a backdated interaction, a moved subscription, a moved unit.
    latest = Interaction.objects.order_by("-occurred_at").first()
    latest.occurred_at -= datetime.timedelta(days=200)
    latest.save()
    subscription = Subscription.objects.filter(measurements__isnull=False).first()
    Subscription.objects.filter(pk=subscription.pk).update(unit=rng.choice(units))
    mover = BusinessUnit.objects.filter(depth=2).first()
    mover.parent = BusinessUnit.objects.filter(depth=1).exclude(pk=mover.parent_id).first()
    mover.save()

    # Deletes, one by one and in bulk, and a unit with its cascade.
    Interaction.objects.order_by("-occurred_at").first().delete()
    Interaction.objects.filter(pk__in=Interaction.objects.values("pk")[:3]).delete()
    SurveyResponse.objects.filter(pk__in=SurveyResponse.objects.values("pk")[:2]).delete()
    Measurement.objects.filter(pk__in=Measurement.objects.values("pk")[:4]).delete()
    FollowUpAction.objects.filter(pk__in=FollowUpAction.objects.values("pk")[:2]).delete()
    Escalation.objects.filter(pk__in=Escalation.objects.values("pk")[:2]).delete()
    # Everything of one kind of one unit, so its summary rows empty and go.
    unit = rng.choice(units)
    Measurement.objects.filter(subscription__unit=unit).delete()
    SurveyResponse.objects.filter(unit=unit).delete()
    FollowUpAction.objects.filter(unit=unit).update(status=FollowUpAction.Status.CANCELLED)
    leaf = (
        BusinessUnit.objects.filter(
            children__isnull=True, subscriptions__isnull=True, agreements__isnull=True
        )
        .filter(escalations__isnull=False)
        .first()
    )
    if leaf is not None:
        leaf.delete()


def test_the_kept_summaries_equal_a_rebuild_after_demo_data_and_random_writes(demo):
    assert summaries.differences() == {}
    assert UnitActivitySummary.objects.exists() and SurveySummary.objects.exists()
    assert OpenEscalationsSummary.objects.exists()
    for seed in range(3):
        _random_writes(random.Random(seed), demo)
        assert summaries.differences() == {}, f"after writes of seed {seed}"
    kept = {table: _rows(table) for table, *_ in summaries.FROM_SCRATCH}
    call_command("summaries", "rebuild")
    assert {table: _rows(table) for table, *_ in summaries.FROM_SCRATCH} == kept


def _rows(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        return {row[1:] if table != summaries.ACTIVITY else row for row in cursor.fetchall()}


def test_the_check_fails_when_a_summary_is_wrong_and_a_rebuild_mends_it(demo):
    call_command("summaries", "check")
    OpenEscalationsSummary.objects.filter(pk=OpenEscalationsSummary.objects.first().pk).update(
        open_escalations=99
    )
    with pytest.raises(CommandError, match="relationships_openescalationssummary: 2 rows"):
        call_command("summaries", "check")
    call_command("summaries", "rebuild")
    call_command("summaries", "check")


def test_changed_and_removed_answers_move_their_units_campaign_by_the_difference(unit_a):
    # Several answers on one summary row: a change or removal of one must subtract its old
    # scores, not drop and remake the row (as a row with a single answer would).
    campaign = SurveyCampaignFactory()
    answers = [
        SurveyResponseFactory(
            invitation__campaign=campaign,
            invitation__contact=ContactFactory(unit=unit_a),
            overall_satisfaction=4,
            recommend_score=9,
        )
        for _ in range(3)
    ]
    SurveyResponse.objects.filter(pk=answers[0].pk).update(overall_satisfaction=1, recommend_score=2)
    answers[1].delete()
    row = SurveySummary.objects.get(unit=unit_a, campaign=campaign)
    assert (row.answers, row.satisfaction_total, row.recommend_total) == (2, 5, 11)
    assert summaries.differences() == {}
