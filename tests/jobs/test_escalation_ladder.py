"""Job 3: remind before the deadline, escalate after it, up to the IT steering group."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import OutgoingEmail
from relationships import jobs, services
from relationships.models import Escalation, EscalationEvent
from tests.relationships.factories import EscalationFactory

from .conftest import START, sent_to

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def escalation(time_machine, run, unit_a, purchaser_a, rm, it_manager, steering_member):
    """Raised by Piet at START; medium severity: 24 hours per level."""
    time_machine.move_to(START, tick=False)
    escalation = run(
        services.escalation_raise,
        unit=unit_a,
        by=purchaser_a.user,
        subject="Invoices stuck",
        description="Nothing since Monday.",
        severity=Escalation.Severity.MEDIUM,
    )
    mail.outbox.clear()
    return escalation


def test_reminds_the_current_level_once_before_its_deadline(time_machine, run, escalation, rm):
    time_machine.move_to(START + 21 * HOUR, tick=False)
    assert run(jobs.escalation_ladder) == {"escalated": 0, "reminded": 0, "overdue_at_top": 0}

    time_machine.move_to(START + 22 * HOUR, tick=False)  # two hours before the deadline
    assert run(jobs.escalation_ladder) == {"escalated": 0, "reminded": 1, "overdue_at_top": 0}
    [reminder] = sent_to(rm.email)
    assert "Invoices stuck" in reminder.subject
    assert "Reminder" in reminder.body

    time_machine.move_to(START + 23 * HOUR, tick=False)
    assert run(jobs.escalation_ladder) == {"escalated": 0, "reminded": 0, "overdue_at_top": 0}
    assert len(mail.outbox) == 1
    assert escalation.events.filter(kind=EscalationEvent.Kind.REMINDED).count() == 1


def test_past_the_deadline_climbs_to_the_steering_group_and_no_further(
    time_machine, run, escalation, rm, it_manager, steering_member, purchaser_a
):
    time_machine.move_to(START + 24 * HOUR, tick=False)
    assert run(jobs.escalation_ladder)["escalated"] == 1
    escalation.refresh_from_db()
    assert escalation.level == 2
    assert escalation.respond_by == START + 48 * HOUR
    assert len(sent_to(it_manager.email)) == 1
    assert len(sent_to(purchaser_a.email)) == 1  # the business contact who raised it
    assert run(jobs.escalation_ladder)["escalated"] == 0

    time_machine.move_to(START + 46 * HOUR, tick=False)
    assert run(jobs.escalation_ladder)["reminded"] == 1  # level 2 gets its own reminder
    assert len(sent_to(it_manager.email)) == 2

    time_machine.move_to(START + 48 * HOUR, tick=False)
    run(jobs.escalation_ladder)
    escalation.refresh_from_db()
    assert escalation.level == 3
    assert len(sent_to(steering_member.email)) == 1
    assert len(sent_to(purchaser_a.email)) == 2

    # Past the steering group's deadline it climbs no further, but the steering group is
    # reminded, once: the second run finds the reminder's outbox key taken.
    time_machine.move_to(START + 100 * HOUR, tick=False)
    assert run(jobs.escalation_ladder) == {"escalated": 0, "reminded": 0, "overdue_at_top": 1}
    assert run(jobs.escalation_ladder) == {"escalated": 0, "reminded": 0, "overdue_at_top": 0}
    time_machine.move_to(START + 200 * HOUR, tick=False)
    assert run(jobs.escalation_ladder) == {"escalated": 0, "reminded": 0, "overdue_at_top": 0}
    escalation.refresh_from_db()
    assert escalation.level == 3
    history = list(escalation.events.values_list("kind", "from_level", "to_level"))
    assert history == [
        (EscalationEvent.Kind.RAISED, None, 1),
        (EscalationEvent.Kind.AUTO_ESCALATED, 1, 2),
        (EscalationEvent.Kind.REMINDED, None, 2),
        (EscalationEvent.Kind.AUTO_ESCALATED, 2, 3),
        (EscalationEvent.Kind.REMINDED, None, 3),
    ]
    [climbed, overdue] = sent_to(steering_member.email)
    assert "Past its deadline" in overdue.alternatives[0][0]
    assert "There is no level above yours" in overdue.body
    assert len(sent_to(purchaser_a.email)) == 2  # the business hears nothing new: no change
    assert len(sent_to(rm.email)) == 0  # level 1 was past; nobody reminded it after the fact


def test_an_acknowledged_or_resolved_escalation_does_not_climb(time_machine, run, escalation, rm):
    services.escalation_acknowledge(escalation=escalation, by=rm)
    time_machine.move_to(START + 30 * HOUR, tick=False)
    mail.outbox.clear()
    assert run(jobs.escalation_ladder) == {"escalated": 0, "reminded": 0, "overdue_at_top": 0}
    escalation.refresh_from_db()
    assert escalation.level == 1
    assert mail.outbox == []


def _overdue(n, *, unit, contact):
    past = timezone.now() - 2 * HOUR
    return EscalationFactory.create_batch(
        n, unit=unit, raised_by_contact=contact, severity=Escalation.Severity.HIGH, respond_by=past
    )


def test_the_ladder_costs_the_same_queries_for_3_and_for_30_overdue_escalations(
    unit_a, purchaser_a, it_manager, django_capture_on_commit_callbacks
):
    # Ids of the overdue; then per chunk of LADDER_CHUNK: lock them, IT management's members,
    # one UPDATE (one level and severity), the history rows, the outbox (count, insert,
    # count); then the escalations nearing their deadline. Sending runs after commit.
    costs = []
    for n in (3, 30):
        escalations = _overdue(n, unit=unit_a, contact=purchaser_a)
        with django_capture_on_commit_callbacks(execute=False), CaptureQueriesContext(connection) as queries:
            assert jobs.escalation_ladder() == {"escalated": n, "reminded": 0, "overdue_at_top": 0}
        costs.append(len(queries))
        assert {e.level for e in Escalation.objects.filter(pk__in=[e.pk for e in escalations])} == {2}
        assert (
            EscalationEvent.objects.filter(
                escalation__in=escalations, kind=EscalationEvent.Kind.AUTO_ESCALATED
            ).count()
            == n
        )
        assert OutgoingEmail.objects.filter(key__startswith=f"escalation:{escalations[-1].pk}:").count() == 2
    assert costs[0] == costs[1], costs


def test_escalated_in_bulk_each_gets_its_history_and_both_e_mails_once(run, unit_a, purchaser_a, it_manager):
    escalations = _overdue(4, unit=unit_a, contact=purchaser_a)
    assert run(jobs.escalation_ladder)["escalated"] == 4
    assert run(jobs.escalation_ladder)["escalated"] == 0  # deadlines moved forward
    assert len(sent_to(it_manager.email)) == 4
    assert len(sent_to(purchaser_a.email)) == 4
    for escalation in escalations:
        escalation.refresh_from_db()
        assert escalation.level == 2 and escalation.respond_by > timezone.now()
        assert list(escalation.events.values_list("kind", "from_level", "to_level")) == [
            (EscalationEvent.Kind.AUTO_ESCALATED, 1, 2)
        ]
        # The audit history sees the climb although it was written by UPDATE.
        latest = escalation.history.order_by("-history_id").first()
        assert (latest.history_type, latest.level, latest.history_user) == ("~", 2, None)


def test_level_three_past_its_deadline_reminds_the_steering_group_once_in_few_queries(
    unit_a, purchaser_a, steering_member, it_manager, django_capture_on_commit_callbacks
):
    # Ids of the overdue at the top; per chunk: lock them, the steering group's members,
    # the outbox keys taken, then the outbox (keys taken, preferences: logins and contacts,
    # insert, count) and the reminders' history. Sending runs after commit.
    costs = []
    for n in (3, 30):
        at_top = EscalationFactory.create_batch(
            n, unit=unit_a, raised_by_contact=purchaser_a, level=3, respond_by=timezone.now() - HOUR
        )
        with django_capture_on_commit_callbacks(execute=False), CaptureQueriesContext(connection) as queries:
            assert jobs.escalation_ladder()["overdue_at_top"] == n
        costs.append(len(queries))
        for escalation in at_top:
            assert escalation.events.filter(kind=EscalationEvent.Kind.REMINDED, to_level=3).count() == 1
            assert OutgoingEmail.objects.get(key=f"escalation:{escalation.pk}:overdue:level-3").to == [
                steering_member.email
            ]
        assert jobs.escalation_ladder()["overdue_at_top"] == 0
    assert costs[0] == costs[1], costs
    assert it_manager.email not in {a for e in OutgoingEmail.objects.all() for a in e.to}
