"""The demo (README's first command): after `manage.py seed_demo` the beat schedules find
work to do, and the jobs they name send the due surveys and, later, the reminders."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from brm.celery import app
from notifications.models import OutgoingEmail
from relationships import jobs
from relationships.models import FollowUpAction, SurveyCampaign, SurveyInvitation
from relationships.selectors_survey import campaign_progress

pytestmark = pytest.mark.django_db

# Every periodic job of relationships/jobs.py, by the task beat sends for it.
JOB_TASKS = {
    "survey_schedule": "relationships.tasks.survey_schedule_task",
    "survey_remind_and_close": "relationships.tasks.survey_remind_and_close_task",
    "escalation_ladder": "relationships.tasks.escalation_ladder_task",
    "actions_overdue": "relationships.tasks.actions_overdue_task",
    "agreement_reviews": "relationships.tasks.agreement_reviews_task",
    "notification_digest": "relationships.tasks.notification_digest_task",
}


def _ensure_migrated_schedules():
    """The data migrations made them; a transactional test of an earlier run on a reused
    database (--reuse-db) emptied the table, so make them again the migrations' way."""
    importlib.import_module("relationships.migrations.0002_beat_schedules").create_schedules(apps, None)
    importlib.import_module("relationships.migrations.0004_digest_schedule").create_schedule(apps, None)
    importlib.import_module("relationships.migrations.0008_daily_jobs_every_hour").daily_jobs_on_intervals(
        apps, None
    )


def _local(hour: int, minute: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(hour, minute)))


def test_every_job_has_a_beat_schedule():
    _ensure_migrated_schedules()
    assert set(JOB_TASKS) == set(jobs.JOBS)
    stored = set(PeriodicTask.objects.values_list("task", flat=True))
    assert set(JOB_TASKS.values()) <= stored


@pytest.mark.parametrize("hour", [3, 7, 10, 15, 22])
def test_beat_started_on_a_fresh_demo_runs_every_job_at_once_whatever_the_hour(time_machine, hour):
    """What beat itself does when `make run` starts it: load the stored schedules (django-
    celery-beat's DatabaseScheduler leaves out crontab entries whose hour is more than two
    hours away) and send each entry that is due."""
    time_machine.move_to(_local(hour), tick=False)
    _ensure_migrated_schedules()
    call_command("seed_demo", quiet=True)

    entries = {
        entry.task: entry for entry in DatabaseScheduler(app=app, lazy=True).all_as_schedule().values()
    }

    for job, task in JOB_TASKS.items():
        assert task in entries, f"at {hour}:10 beat does not load the schedule of {job}"
        assert entries[task].is_due().is_due, f"at {hour}:10 beat would not run {job} yet"


def test_each_job_with_work_in_a_fresh_demo_sends_its_mail(time_machine, django_capture_on_commit_callbacks):
    time_machine.move_to(_local(15), tick=False)
    call_command("seed_demo", quiet=True)
    mail.outbox.clear()

    def run(job):
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            jobs.JOBS[job][0]()
        return mail.outbox[before:]

    invitations = run("survey_schedule")
    assert invitations and all(m.subject.startswith("How is IT doing for") for m in invitations)
    reminders = run("survey_remind_and_close")
    assert sorted(m.to[0] for m in reminders) == [
        "marco.rossi@northwind.example",
        "yusuf.demir@northwind.example",
    ]
    # No level-1 or -2 deadline within two hours; the steering group's escalation is past
    # its own deadline, so the top of the route is prompted (once: see the rerun below).
    [at_the_top] = run("escalation_ladder")
    assert at_the_top.to == ["stella@northwind.example"], at_the_top.to
    overdue = run("actions_overdue")
    assert sorted((m.to[0], m.subject.split(": ", 1)[1]) for m in overdue) == [
        ("omar@northwind.example", "Replace night-shift scanners (Warehousing)"),
        ("rita@northwind.example", "Load test the campaign site (Marketing)"),
        ("rita@northwind.example", "Plan extra scanning capacity (Accounts Payable)"),
    ]
    [review] = run("agreement_reviews")
    assert review.to == ["rita@northwind.example"] and "IT services for Finance" in review.subject
    assert FollowUpAction.objects.filter(agreement__reference="sla-fin", title__startswith="Review").exists()
    assert run("notification_digest") == []  # nobody in the demo chose the digest

    # Beat runs them again within the hour: nothing is sent twice.
    for job in JOB_TASKS:
        assert run(job) == [], job

    # The ladder's work comes later (README): Omar reminded 2 hours before Warehousing's
    # deadline, IT management and the raiser told once it has passed.
    time_machine.shift(datetime.timedelta(hours=3, minutes=5))
    assert [m.to for m in run("escalation_ladder")] == [["omar@northwind.example"]]
    time_machine.shift(datetime.timedelta(hours=2))
    climbed = run("escalation_ladder")
    assert sorted(address for m in climbed for address in m.to) == [
        "ivo@northwind.example",
        "yusuf.demir@northwind.example",
    ]


def test_every_beat_schedule_names_a_registered_task_and_is_enabled():
    _ensure_migrated_schedules()
    app.loader.import_default_modules()
    tasks = {task.name: task for task in PeriodicTask.objects.filter(task__startswith="relationships.")}

    assert {*JOB_TASKS.values(), "relationships.tasks.email_flush_pending_task"} <= {
        task.task for task in tasks.values()
    }
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


def test_the_daily_jobs_move_to_intervals_unless_an_administrator_changed_them():
    from django_celery_beat.models import CrontabSchedule

    migration = importlib.import_module("relationships.migrations.0008_daily_jobs_every_hour")
    PeriodicTask.objects.filter(name__in=list(migration.DAILY_JOBS)).delete()
    importlib.import_module("relationships.migrations.0002_beat_schedules").create_schedules(apps, None)
    importlib.import_module("relationships.migrations.0004_digest_schedule").create_schedule(apps, None)
    edited = PeriodicTask.objects.get(name="Agreements: open reviews coming due")
    edited.crontab = CrontabSchedule.objects.create(minute="0", hour="6", timezone=settings.TIME_ZONE)
    edited.save()

    migration.daily_jobs_on_intervals(apps, None)

    moved = PeriodicTask.objects.filter(name__in=list(migration.DAILY_JOBS)).exclude(pk=edited.pk)
    assert moved.count() == 2
    assert all(task.interval and task.crontab is None and task.last_run_at.year == 2000 for task in moved)
    edited.refresh_from_db()
    assert (edited.crontab.hour, edited.interval) == ("6", None)
