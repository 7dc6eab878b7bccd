"""An SP-GiST index on BusinessUnit.path, PostgreSQL only.

It serves `path__within=OuterRef("path")` (`^@`, starts with): the health score finds each
unit's subtree through it instead of reading every unit once per row. Other databases
(SQLite in development) keep the plain index."""

from django.db import migrations

INDEX = "customers_unit_path_spgist"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON customers_businessunit USING spgist (path)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_history")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
