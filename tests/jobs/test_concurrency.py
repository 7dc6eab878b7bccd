"""Each job run twice at once, in two threads with their own PostgreSQL connections, sends
each message exactly once. Transactional tests: the jobs commit for real, and the tasks
they queue after commit run eagerly in the same thread."""

import datetime
import threading

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection

from customers import roles
from customers.models import Contact
from notifications.models import OutgoingEmail
from relationships import jobs, services
from relationships.models import Escalation, EscalationEvent, FollowUpAction, SurveyCampaign, SurveyInvitation
from services.models import Agreement
from tests.customers.factories import BusinessUnitFactory, ContactFactory
from tests.relationships.factories import FollowUpActionFactory
from tests.services.factories import AgreementFactory, SubscriptionFactory

from .conftest import START

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _groups():
    # A transactional test empties every table afterwards, the migrations' groups too.
    for name in (roles.RELATIONSHIP_MANAGERS, roles.IT_MANAGEMENT, roles.STEERING_GROUP):
        Group.objects.get_or_create(name=name)


def twice_at_once(function, **kwargs):
    """Start `function` in two threads released together; return both results."""
    barrier = threading.Barrier(2)
    results, errors = [None, None], []

    def target(index):
        try:
            barrier.wait(timeout=10)
            results[index] = function(**kwargs)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


def assert_each_sent_once():
    keys = list(OutgoingEmail.objects.values_list("key", flat=True))
    assert OutgoingEmail.objects.exclude(status=OutgoingEmail.Status.SENT).count() == 0
    # One message per outbox row: no key was sent twice.
    assert len(mail.outbox) == len(keys)
    sent = sorted(message.extra_headers["Message-ID"] for message in mail.outbox)
    assert len(set(sent)) == len(sent)


@pytest.fixture
def many_contacts(rm, live_service):
    units = [BusinessUnitFactory(code=f"u{i}", relationship_manager=rm) for i in range(10)]
    for unit in units:
        SubscriptionFactory(unit=unit, service=live_service)
        for j in range(6):
            ContactFactory(unit=unit, email=f"c{j}@{unit.code}.example", role=Contact.Role.PURCHASER)
    return units


def test_survey_scheduling_twice_at_once(time_machine, settings, many_contacts):
    settings.BRM_SURVEY_DISPATCH_CHUNK = 7
    time_machine.move_to(START, tick=False)
    results = twice_at_once(jobs.survey_schedule)
    assert len([campaign for campaign in results if campaign]) == 1
    assert SurveyCampaign.objects.count() == 1
    assert SurveyInvitation.objects.filter(status=SurveyInvitation.Status.SENT).count() == 60
    assert len(mail.outbox) == 60
    assert_each_sent_once()


def test_the_same_chunk_sent_twice_at_once(time_machine, monkeypatch, many_contacts):
    time_machine.move_to(START, tick=False)
    monkeypatch.setattr(jobs, "_publish_dispatch", lambda campaign_id: None)  # the broker is down
    campaign = jobs.survey_schedule()
    mail.outbox.clear()
    ids = list(campaign.invitations.values_list("pk", flat=True))
    results = twice_at_once(jobs.survey_send_chunk, campaign_id=campaign.pk, invitation_ids=ids)
    assert sum(results) == 60
    assert len(mail.outbox) == 60
    assert_each_sent_once()


def test_reminders_and_closing_twice_at_once(time_machine, many_contacts):
    time_machine.move_to(START, tick=False)
    campaign = jobs.survey_schedule()
    invitation = campaign.invitations.first()
    services.survey_response_submit(invitation=invitation, overall_satisfaction=1, recommend_score=0)
    mail.outbox.clear()
    OutgoingEmail.objects.all().delete()

    time_machine.move_to(START + 7 * DAY, tick=False)
    results = twice_at_once(jobs.survey_remind_and_close)
    assert sum(result["reminded"] for result in results) == 59
    assert len(mail.outbox) == 59
    assert_each_sent_once()

    time_machine.move_to(START + 21 * DAY, tick=False)
    results = twice_at_once(jobs.survey_remind_and_close)
    assert sum(result["closed"] for result in results) == 1
    assert Escalation.objects.count() == 1
    assert FollowUpAction.objects.count() == 1
    assert_each_sent_once()


def test_escalation_ladder_twice_at_once(time_machine, unit_a, purchaser_a, rm, it_manager):
    time_machine.move_to(START, tick=False)
    escalations = [
        services.escalation_raise(
            unit=unit_a, by=purchaser_a.user, subject=f"Problem {i}", description="Broken.", severity="medium"
        )
        for i in range(5)
    ]
    time_machine.move_to(START + datetime.timedelta(hours=23), tick=False)
    results = twice_at_once(jobs.escalation_ladder)
    assert sum(result["reminded"] for result in results) == 5
    time_machine.move_to(START + datetime.timedelta(hours=24), tick=False)
    results = twice_at_once(jobs.escalation_ladder)
    assert sum(result["escalated"] for result in results) == 5
    for escalation in escalations:
        escalation.refresh_from_db()
        assert escalation.level == 2
        assert escalation.events.filter(kind=EscalationEvent.Kind.AUTO_ESCALATED).count() == 1
    assert_each_sent_once()


def test_the_steering_groups_overdue_reminder_twice_at_once(unit_a, purchaser_a, steering_member):
    at_top = [
        Escalation.objects.create(
            unit=unit_a,
            subject=f"Top {i}",
            description="Nobody answers.",
            level=3,
            raised_at=START,
            respond_by=START,
            raised_by_contact=purchaser_a,
        )
        for i in range(5)
    ]
    results = twice_at_once(jobs.escalation_ladder)
    assert sum(result["overdue_at_top"] for result in results) == 5
    for escalation in at_top:
        assert escalation.events.filter(kind=EscalationEvent.Kind.REMINDED, to_level=3).count() == 1
    assert len([m for m in mail.outbox if steering_member.email in m.to]) == 5
    assert_each_sent_once()


def test_overdue_actions_and_reviews_twice_at_once(time_machine, unit_a, customer_a, rm):
    time_machine.move_to(START, tick=False)
    for i in range(8):
        FollowUpActionFactory(unit=unit_a, due_on=START.date() - DAY, title=f"Late {i}")
        AgreementFactory(
            unit=unit_a,
            status=Agreement.Status.ACTIVE,
            signed_by=customer_a,
            next_review_on=START.date() + 10 * DAY,
        )
    assert sum(twice_at_once(jobs.actions_overdue_remind)) == 8
    assert sum(twice_at_once(jobs.agreement_reviews_due)) == 8
    assert FollowUpAction.objects.filter(agreement__isnull=False).count() == 8
    assert len(mail.outbox) == 16
    assert_each_sent_once()
