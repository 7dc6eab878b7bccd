"""The demo (README's first command): after `manage.py seed_demo` the beat schedules find
work to do, and the jobs they name send the due surveys and, later, the reminders."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from brm.celery import app
from relationships import jobs
from relationships.models import OutgoingEmail, SurveyCampaign, SurveyInvitation
from relationships.selectors_survey import campaign_progress

pytestmark = pytest.mark.django_db


def _ensure_migrated_schedules():
    """The data migration made them; a transactional test of an earlier run on a reused
    database (--reuse-db) emptied the table, so make them again the migration's way."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("relationships.migrations.0002_beat_schedules")
    migration.create_schedules(apps, None)


def test_every_beat_schedule_names_a_registered_task_and_is_enabled():
    _ensure_migrated_schedules()
    app.loader.import_default_modules()
    tasks = {task.name: task for task in PeriodicTask.objects.filter(task__startswith="relationships.")}

    assert {
        "relationships.tasks.survey_schedule_task",
        "relationships.tasks.survey_remind_and_close_task",
        "relationships.tasks.escalation_ladder_task",
        "relationships.tasks.actions_overdue_task",
        "relationships.tasks.agreement_reviews_task",
        "relationships.tasks.email_flush_pending_task",
    } <= {task.task for task in tasks.values()}
    for task in tasks.values():
        assert task.enabled, task.name
        assert task.task in app.tasks, f"{task.name} names an unknown task {task.task}"
        assert (task.interval_id is None) != (task.crontab_id is None), task.name


def test_a_freshly_seeded_demo_has_units_due_and_the_scheduling_job_invites_them(
    django_capture_on_commit_callbacks,
):
    call_command("seed_demo", quiet=True)
    assert jobs.survey_due_units(now=timezone.now()), "seed_demo leaves no unit due a survey"

    with django_capture_on_commit_callbacks(execute=True):
        campaign = jobs.survey_schedule()

    assert campaign is not None
    invitations = SurveyInvitation.objects.filter(campaign=campaign)
    assert invitations.exists()
    assert set(invitations.values_list("status", flat=True)) == {SurveyInvitation.Status.SENT}
    progress = campaign_progress(campaign)
    assert progress.sent == progress.total == invitations.count()
    assert progress.is_done
    campaign.refresh_from_db()
    assert campaign.status == SurveyCampaign.Status.OPEN
    # every invitation e-mail carries its own single-use link
    for invitation in invitations.select_related("contact"):
        [message] = [m for m in mail.outbox if invitation.contact.email in m.to]
        assert invitation.link in message.body
        assert invitation.link.startswith(settings.BRM_BASE_URL)


def test_in_the_demo_non_respondents_are_reminded_once_the_reminder_is_due(
    time_machine, django_capture_on_commit_callbacks
):
    call_command("seed_demo", quiet=True)
    time_machine.move_to(timezone.now(), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        # The seeded running campaign asked two Operations contacts 8 days ago: reminded now.
        assert jobs.survey_remind_and_close()["reminded"] == 2
        campaign = jobs.survey_schedule()
    assert campaign is not None
    invited = SurveyInvitation.objects.filter(campaign=campaign).count()

    time_machine.shift(
        datetime.timedelta(days=settings.BRM_SURVEY_REMINDER_AFTER_DAYS) - datetime.timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.survey_remind_and_close()["reminded"] == 0

    time_machine.shift(datetime.timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        # The new campaign's contacts, and the running one's for their second (last) time.
        assert jobs.survey_remind_and_close()["reminded"] == invited + 2
    assert OutgoingEmail.objects.filter(key__startswith="survey-reminder:").count() == invited + 4
