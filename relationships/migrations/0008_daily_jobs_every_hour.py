"""The once-a-day jobs (overdue actions, agreement reviews, the digest) were crontab
schedules at fixed hours (08:00 on weekdays, 07:30, BRM_DIGEST_HOUR), so a beat started at
any other time ran none of them that day: django-celery-beat's scheduler does not even load
a crontab entry more than two hours from its hour, and a new entry waits for its next
occurrence. Each job limits itself (an action is reminded once a day, a review opened once
per review date, a digest sent once a day from BRM_DIGEST_HOUR on), so they now run on short
intervals from the moment beat starts. Only the schedules as 0002 and 0004 made them are
changed: one an administrator edited in the admin is left as it is."""

import datetime

from django.conf import settings
from django.db import migrations

NEVER = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)  # never run: due when beat starts

# name: (the crontab 0002/0004 made, the interval now)
DAILY_JOBS = {
    "Actions: remind owners of overdue actions": (
        {"minute": "0", "hour": "8", "day_of_week": "1-5"},
        {"every": 1, "period": "hours"},
    ),
    "Agreements: open reviews coming due": (
        {"minute": "30", "hour": "7", "day_of_week": "*"},
        {"every": 1, "period": "hours"},
    ),
    "Notifications: send the daily digest": (
        {"minute": "0", "hour": str(settings.BRM_DIGEST_HOUR), "day_of_week": "*"},
        {"every": 5, "period": "minutes"},
    ),
}


def daily_jobs_on_intervals(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    for name, (crontab, interval) in DAILY_JOBS.items():
        unchanged = PeriodicTask.objects.filter(
            name=name,
            crontab__day_of_month="*",
            crontab__month_of_year="*",
            **{f"crontab__{field}": value for field, value in crontab.items()},
        )
        schedule, _ = IntervalSchedule.objects.get_or_create(**interval)
        unchanged.update(crontab=None, interval=schedule, last_run_at=NEVER)


def back_to_crontabs(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    for name, (crontab, interval) in DAILY_JOBS.items():
        schedule, _ = CrontabSchedule.objects.get_or_create(
            day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE, **crontab
        )
        PeriodicTask.objects.filter(
            name=name, interval__every=interval["every"], interval__period=interval["period"]
        ).update(interval=None, crontab=schedule, last_run_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("relationships", "0007_survey_trend_covering_index"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(daily_jobs_on_intervals, back_to_crontabs)]
