"""The periodic jobs' schedules (django-celery-beat), editable afterwards in the admin.
Created once by name: an administrator's later changes are kept when migrating again."""

import datetime

from django.conf import settings
from django.db import migrations

# name: (task, kind, schedule, description)
SCHEDULES = {
    "Surveys: open campaigns for due units and send invitations": (
        "relationships.tasks.survey_schedule_task",
        "interval",
        {"every": 15, "period": "minutes"},
        "Opens a campaign for units that are due and e-mails the invitations; resumes a half-sent dispatch.",
    ),
    "Surveys: remind non-respondents and close campaigns": (
        "relationships.tasks.survey_remind_and_close_task",
        "interval",
        {"every": 1, "period": "hours"},
        "Reminds who has not answered; closes campaigns past their end and follows up poor answers.",
    ),
    "Escalations: remind before the deadline, escalate after it": (
        "relationships.tasks.escalation_ladder_task",
        "interval",
        {"every": 5, "period": "minutes"},
        "Reminds the current level before its deadline; past it, escalates to the next level.",
    ),
    "Actions: remind owners of overdue actions": (
        "relationships.tasks.actions_overdue_task",
        "crontab",
        {"minute": "0", "hour": "8", "day_of_week": "1-5"},
        "Reminds each owner of an overdue follow-up action, at most once a day.",
    ),
    "Agreements: open reviews coming due": (
        "relationships.tasks.agreement_reviews_task",
        "crontab",
        {"minute": "30", "hour": "7", "day_of_week": "*"},
        "Opens a review action, with its agenda, for agreements due for review soon.",
    ),
    "E-mail: send what is still waiting in the outbox": (
        "relationships.tasks.email_flush_pending_task",
        "interval",
        {"every": 5, "period": "minutes"},
        "Sends outbox rows left pending by a broker outage or a worker that died.",
    ),
}


def create_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    for name, (task, kind, schedule, description) in SCHEDULES.items():
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        fields = {"task": task, "description": description, "enabled": True}
        if kind == "interval":
            fields["interval"], _ = IntervalSchedule.objects.get_or_create(**schedule)
            # Never run: due as soon as beat first starts (else the first run waits a period).
            fields["last_run_at"] = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
        else:
            fields["crontab"], _ = CrontabSchedule.objects.get_or_create(
                day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE, **schedule
            )
        PeriodicTask.objects.create(name=name, **fields)


def remove_schedules(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=list(SCHEDULES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("relationships", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
