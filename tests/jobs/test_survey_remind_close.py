"""Job 2: reminders to non-respondents, and closing a campaign with its results."""

import datetime

import pytest
from django.core import mail

from customers.models import Contact
from relationships import jobs, services
from relationships.models import (
    Escalation,
    EscalationEvent,
    FollowUpAction,
    SurveyCampaign,
    SurveyInvitation,
)
from relationships.selectors_survey import campaign_results
from tests.customers.factories import ContactFactory

from .conftest import START, sent_to

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def campaign(time_machine, run, unit_a, unit_b, customer_a, purchaser_a, contact_b, subscribe):
    subscribe(unit_a)
    subscribe(unit_b)
    ContactFactory(unit=unit_a, email="anna@acme.example", role=Contact.Role.CUSTOMER, first_name="Anna")
    time_machine.move_to(START, tick=False)
    campaign = run(jobs.survey_schedule)
    mail.outbox.clear()
    return campaign


def _answer(campaign, email, satisfaction, recommend, ratings=None, comment=""):
    invitation = campaign.invitations.get(contact__email=email)
    return services.survey_response_submit(
        invitation=invitation,
        overall_satisfaction=satisfaction,
        recommend_score=recommend,
        ratings=ratings or {},
        comment=comment,
    )


def test_reminders_after_n_days_at_most_m_times_and_never_to_who_answered(time_machine, run, campaign):
    _answer(campaign, "bea@acme.example", 4, 9)
    time_machine.move_to(START + 6 * DAY, tick=False)
    assert run(jobs.survey_remind_and_close)["reminded"] == 0

    time_machine.move_to(START + 7 * DAY, tick=False)
    assert run(jobs.survey_remind_and_close)["reminded"] == 2
    assert len(sent_to("piet@acme.example")) == 1
    assert len(sent_to("anna@acme.example")) == 1
    assert sent_to("bea@acme.example") == []
    piet = campaign.invitations.get(contact__email="piet@acme.example")
    assert piet.reminder_count == 1
    assert piet.link in sent_to("piet@acme.example")[0].body

    time_machine.move_to(START + 8 * DAY, tick=False)
    assert run(jobs.survey_remind_and_close)["reminded"] == 0  # a week after the last one, not a day

    _answer(campaign, "anna@acme.example", 5, 10)
    time_machine.move_to(START + 14 * DAY, tick=False)
    assert run(jobs.survey_remind_and_close)["reminded"] == 1  # Piet's second; Anna answered
    time_machine.move_to(START + 20 * DAY, tick=False)
    assert run(jobs.survey_remind_and_close)["reminded"] == 0  # at most two
    assert len(sent_to("piet@acme.example")) == 2
    assert len(sent_to("anna@acme.example")) == 1


def test_no_reminder_once_the_campaign_has_closed(time_machine, run, settings, campaign):
    settings.BRM_SURVEY_REMINDER_AFTER_DAYS = 30
    time_machine.move_to(START + 31 * DAY, tick=False)
    assert run(jobs.survey_remind_and_close) == {"reminded": 0, "closed": 1}
    assert mail.outbox == []


def test_closing_expires_unanswered_follows_up_poor_answers_and_escalates_very_poor(
    time_machine, run, campaign, rm, unit_a, subscribe
):
    erp = unit_a.subscriptions.get()
    _answer(campaign, "piet@acme.example", 1, 2, comment="Nothing works.")  # very poor
    _answer(campaign, "bea@acme.example", 4, 9, ratings={})  # promoter, content
    # Anna: satisfied overall, but rates ERP poorly: a follow-up, no escalation.
    _answer(campaign, "anna@acme.example", 4, 8, ratings={erp.pk: 2})
    time_machine.move_to(START + 20 * DAY, tick=False)
    assert run(jobs.survey_remind_and_close)["closed"] == 0  # not yet at its end

    time_machine.move_to(START + 21 * DAY, tick=False)
    assert run(jobs.survey_remind_and_close)["closed"] == 1
    campaign.refresh_from_db()
    assert campaign.status == SurveyCampaign.Status.CLOSED
    assert campaign.closed_at == START + 21 * DAY
    follow_ups = FollowUpAction.objects.filter(survey_response__campaign=campaign)
    assert set(follow_ups.values_list("survey_response__invitation__contact__email", flat=True)) == {
        "piet@acme.example",
        "anna@acme.example",
    }
    [escalation] = Escalation.objects.all()
    assert (escalation.unit, escalation.level, escalation.status) == (unit_a, 1, Escalation.Status.OPEN)
    assert "Piet Purchaser" in escalation.subject
    assert escalation.raised_by_user is None
    assert (
        follow_ups.get(escalation=escalation).survey_response.invitation.contact.email == "piet@acme.example"
    )
    assert list(escalation.events.values_list("kind", flat=True)) == [EscalationEvent.Kind.RAISED]
    assert len(sent_to(rm.email)) == 1  # level 1 told of the escalation

    # Closing again (or another run) changes nothing and sends nothing.
    mail.outbox.clear()
    assert run(jobs.survey_remind_and_close) == {"reminded": 0, "closed": 0}
    assert jobs.survey_campaign_close(campaign_id=campaign.pk) is False
    assert Escalation.objects.count() == 1
    assert follow_ups.count() == 2
    assert mail.outbox == []


def test_a_campaign_with_unanswered_invitations_expires_them(time_machine, run, campaign):
    _answer(campaign, "bea@acme.example", 3, 7)
    time_machine.move_to(START + 22 * DAY, tick=False)
    run(jobs.survey_remind_and_close)
    statuses = dict(campaign.invitations.values_list("contact__email", "status"))
    assert statuses == {
        "bea@acme.example": SurveyInvitation.Status.RESPONDED,
        "piet@acme.example": SurveyInvitation.Status.EXPIRED,
        "anna@acme.example": SurveyInvitation.Status.EXPIRED,
    }


def test_escalation_threshold_is_configurable(time_machine, run, settings, campaign):
    settings.BRM_SURVEY_ESCALATE_AT_SATISFACTION = 2
    _answer(campaign, "piet@acme.example", 2, 7)
    _answer(campaign, "bea@acme.example", 3, 3)  # detractor: follow-up, but no escalation
    time_machine.move_to(START + 21 * DAY, tick=False)
    run(jobs.survey_remind_and_close)
    assert list(Escalation.objects.values_list("unit__code", flat=True)) == ["fin-ap"]
    assert FollowUpAction.objects.filter(survey_response__isnull=False).count() == 2


def test_campaign_results_per_unit_and_overall(campaign, django_assert_num_queries):
    _answer(campaign, "piet@acme.example", 2, 3)  # detractor
    _answer(campaign, "anna@acme.example", 5, 10)  # promoter
    with django_assert_num_queries(2):  # invitations per unit; responses aggregated per unit
        results = campaign_results(campaign)
    by_unit = {result.unit_name: result for result in results.units}
    payable = by_unit["Accounts Payable"]
    assert (payable.invited, payable.responded, payable.response_rate) == (2, 2, 100.0)
    assert (payable.average_satisfaction, payable.nps) == (3.5, 0)
    sales = by_unit["Sales Operations"]
    assert (sales.invited, sales.responded, sales.response_rate, sales.nps) == (1, 0, 0.0, None)
    assert sales.average_satisfaction is None
    overall = results.overall
    assert (overall.invited, overall.responded, overall.response_rate) == (3, 2, 66.7)
    assert (overall.average_satisfaction, overall.nps, overall.promoters, overall.detractors) == (
        3.5,
        0,
        1,
        1,
    )
