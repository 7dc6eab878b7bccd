"""Jobs 4 and 5: overdue actions remind their owner once a day; agreement reviews coming
due open a review action and remind the relationship manager."""

import datetime

import pytest
from django.conf import settings
from django.core import mail

from relationships import jobs
from relationships.models import FollowUpAction
from services.models import Agreement
from tests.relationships.factories import EscalationFactory, FollowUpActionFactory
from tests.services.factories import AgreementFactory, SubscriptionFactory

from .conftest import START, sent_to

pytestmark = pytest.mark.django_db

TODAY = START.date()
DAY = datetime.timedelta(days=1)


def test_overdue_actions_remind_the_owner_once_a_day(time_machine, run, unit_a, unit_b, rm, other_rm):
    time_machine.move_to(START, tick=False)
    overdue = FollowUpActionFactory(unit=unit_a, due_on=TODAY - 3 * DAY, title="Call Piet back")
    FollowUpActionFactory(unit=unit_a, due_on=TODAY, title="Due today")
    FollowUpActionFactory(unit=unit_b, due_on=TODAY - DAY, status=FollowUpAction.Status.DONE)
    in_progress = FollowUpActionFactory(
        unit=unit_b, due_on=TODAY - DAY, status=FollowUpAction.Status.IN_PROGRESS, title="Fix VPN"
    )

    assert run(jobs.actions_overdue_remind) == 2
    [to_rm] = sent_to(rm.email)
    assert "Call Piet back" in to_rm.subject
    assert "3 days ago" in to_rm.body
    assert f"{settings.BRM_BASE_URL}/actions/{overdue.pk}/" in to_rm.body  # the action page, with Done
    assert [m.subject for m in sent_to(other_rm.email)] == [
        f"Overdue since {in_progress.due_on.day} {in_progress.due_on:%b %Y}: Fix VPN (Sales Operations)"
    ]
    overdue.refresh_from_db()
    assert overdue.last_reminded_on == TODAY

    time_machine.move_to(START + 8 * datetime.timedelta(hours=1), tick=False)  # later that day
    assert run(jobs.actions_overdue_remind) == 0
    time_machine.move_to(START + DAY, tick=False)  # the next day: "due today" is overdue now
    assert run(jobs.actions_overdue_remind) == 3
    assert len(sent_to(rm.email)) == 3
    assert len(mail.outbox) == 5


@pytest.fixture
def agreement(unit_a, customer_a):
    agreement = AgreementFactory(
        unit=unit_a,
        title="Finance applications",
        status=Agreement.Status.ACTIVE,
        signed_by=customer_a,
        next_review_on=TODAY + 20 * DAY,
    )
    SubscriptionFactory(unit=unit_a, agreement=agreement)
    return agreement


def test_agreement_review_within_the_horizon_opens_one_review_action(
    time_machine, run, settings, agreement, unit_b, rm
):
    settings.BRM_AGREEMENT_REVIEW_HORIZON_DAYS = 30
    time_machine.move_to(START, tick=False)
    AgreementFactory(unit=unit_b, status=Agreement.Status.DRAFT, next_review_on=TODAY + 5 * DAY)
    AgreementFactory(
        unit=unit_b,
        status=Agreement.Status.ACTIVE,
        signed_by=agreement.signed_by,
        next_review_on=TODAY + 40 * DAY,
    )

    assert run(jobs.agreement_reviews_due) == 1
    [action] = FollowUpAction.objects.all()
    assert (action.agreement, action.owner, action.due_on) == (agreement, rm, agreement.next_review_on)
    assert "Agenda" in action.description
    assert agreement.subscriptions.get().service.name in action.description
    [message] = sent_to(rm.email)
    assert "Finance applications" in message.subject
    assert f"{settings.BRM_BASE_URL}/reviews/{agreement.pk}/" in message.body

    time_machine.move_to(START + DAY, tick=False)
    assert run(jobs.agreement_reviews_due) == 0
    assert len(mail.outbox) == 1

    # The review was held; the next one, a year on, gets its own action when it comes near.
    agreement.next_review_on = agreement.next_review_on + datetime.timedelta(days=365)
    agreement.save()
    time_machine.move_to(START + 370 * DAY, tick=False)
    assert run(jobs.agreement_reviews_due) == 2  # this one again, and the far one long overdue
    assert FollowUpAction.objects.filter(agreement=agreement).count() == 2


def test_no_review_action_for_a_unit_without_a_relationship_manager(time_machine, run, agreement, unit_a):
    unit_a.relationship_manager = None
    unit_a.save()
    time_machine.move_to(START, tick=False)
    assert run(jobs.agreement_reviews_due) == 0
    assert mail.outbox == []


def test_the_review_actions_agenda_covers_the_units_below(time_machine, run, division, unit_a, customer_a):
    time_machine.move_to(START, tick=False)
    AgreementFactory(
        unit=division,
        status=Agreement.Status.ACTIVE,
        signed_by=customer_a,
        valid_from=TODAY - 400 * DAY,
        next_review_on=TODAY + 10 * DAY,
    )
    erp = SubscriptionFactory(unit=unit_a, service__name="ERP Finance")  # not linked: covered from above
    EscalationFactory(unit=unit_a)
    assert run(jobs.agreement_reviews_due) == 1
    description = FollowUpAction.objects.get().description
    assert f"   - Accounts Payable: {erp.service.name}" in description
    assert "Open escalations of Finance and the units below it: 1." in description
