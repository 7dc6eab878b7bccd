"""IT management may manage webhooks; the periodic requeue of deliveries nobody picked up.
The schedule is created once by name: an administrator's later changes are kept."""

import datetime

from django.db import migrations

SCHEDULE_NAME = "Webhooks: send deliveries that are due and were never picked up"


def create(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="integrations", model="webhookendpoint")
    permission, _ = Permission.objects.get_or_create(
        codename="manage_webhooks", content_type=content_type, defaults={"name": "Can manage outgoing webhooks"}
    )
    group, _ = Group.objects.get_or_create(name="IT management")
    group.permissions.add(permission)

    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    if not PeriodicTask.objects.filter(name=SCHEDULE_NAME).exists():
        interval, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
        PeriodicTask.objects.create(
            name=SCHEDULE_NAME,
            task="integrations.tasks.webhook_requeue_due_task",
            interval=interval,
            description="Publishes webhook deliveries left pending by a broker outage, a lost retry or a dead worker.",
            enabled=True,
            # Never run: due as soon as beat first starts.
            last_run_at=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC),
        )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0001_webhooks"),
        ("customers", "0002_staff_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
