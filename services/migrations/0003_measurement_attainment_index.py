"""A covering index for attainment, PostgreSQL only.

Attainment (health score, subscription list) reads `is_met` per subscription and month;
with `is_met` included, PostgreSQL answers from the index alone (an index-only scan)
instead of visiting millions of table rows. SQLite has no INCLUDE, so it is not declared
on the model."""

from django.db import migrations

INDEX = "measurement_attainment_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON services_measurement "
            "(subscription_id, period_start) INCLUDE (is_met)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("services", "0002_history")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
