"""`manage.py run_job <name>`: every periodic job by hand, as beat would run it."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from notifications.models import OutgoingEmail
from relationships.jobs import JOBS
from relationships.models import FollowUpAction, SurveyInvitation
from tests.relationships.factories import FollowUpActionFactory

pytestmark = pytest.mark.django_db


def run_job(*args) -> str:
    out = StringIO()
    call_command("run_job", *args, stdout=out)
    return out.getvalue()


def test_without_a_name_it_lists_every_job():
    listing = run_job()

    for name in [*JOBS, "email_flush"]:
        assert name in listing


def test_an_unknown_job_is_refused_with_the_names_to_choose_from():
    with pytest.raises(CommandError, match="Unknown job 'surveys'.*survey_schedule"):
        run_job("surveys")


@pytest.mark.parametrize("name", [*JOBS, "email_flush"])
def test_every_job_runs_on_an_empty_database(name):
    assert name in run_job(name)
    assert mail.outbox == []


def test_survey_schedule_inline_invites_and_sends_in_this_process(
    unit_a, purchaser_a, django_capture_on_commit_callbacks
):
    from tests.services.factories import SubscriptionFactory

    SubscriptionFactory(unit=unit_a)
    with django_capture_on_commit_callbacks(execute=True):
        run_job("survey_schedule", "--inline")

    invitation = SurveyInvitation.objects.get(contact=purchaser_a)
    assert invitation.status == SurveyInvitation.Status.SENT
    assert [m.to for m in mail.outbox] == [["piet@acme.example"]]


def test_running_the_overdue_job_twice_by_hand_reminds_once(
    unit_a, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC), tick=False)
    action = FollowUpActionFactory(unit=unit_a, due_on=datetime.date(2026, 3, 1))

    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            run_job("actions_overdue")

    assert OutgoingEmail.objects.filter(key__startswith="action-overdue:").count() == 1
    assert len(mail.outbox) == 1
    assert FollowUpAction.objects.get(pk=action.pk).last_reminded_on == datetime.date(2026, 3, 10)
