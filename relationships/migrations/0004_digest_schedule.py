"""The daily digest's schedule (django-celery-beat), at BRM_DIGEST_HOUR in TIME_ZONE;
editable afterwards in the admin. Created once by name, like 0002_beat_schedules."""

from django.conf import settings
from django.db import migrations

NAME = "Notifications: send the daily digest"


def create_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour=str(settings.BRM_DIGEST_HOUR),
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.create(
        name=NAME,
        task="relationships.tasks.notification_digest_task",
        crontab=crontab,
        enabled=True,
        description="Sends each person who chose a daily digest one e-mail with the messages held for them.",
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("relationships", "0003_notification_preferences"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
