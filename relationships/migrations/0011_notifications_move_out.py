"""The outbox, notification settings and digest items belong to the notifications app now.
Only Django's idea of the models moves: the tables stay as they are (notifications 0001
takes them over under the same names)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("relationships", "0010_order_notification_kinds"),
        ("notifications", "0001_from_relationships"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name="digestitem",
                    name="digest",
                ),
                migrations.RemoveField(
                    model_name="digestitem",
                    name="email",
                ),
                migrations.RemoveField(
                    model_name="digestitem",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="notificationpreference",
                    name="user",
                ),
                migrations.DeleteModel(
                    name="OutgoingEmail",
                ),
                migrations.DeleteModel(
                    name="DigestItem",
                ),
                migrations.DeleteModel(
                    name="NotificationPreference",
                ),
            ],
        ),
    ]
