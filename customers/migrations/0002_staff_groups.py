"""The staff groups of the escalation route exist in every installation."""

from django.db import migrations

GROUPS = ["Relationship managers", "IT management", "IT steering group"]
# IT management and the steering group look after every unit, not one portfolio.
WIDER_RIGHTS = ["IT management", "IT steering group"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="customers", model="businessunit")
    manage_all, _ = Permission.objects.get_or_create(
        codename="manage_all_units",
        content_type=content_type,
        defaults={"name": "Can edit every business unit, not only a portfolio"},
    )
    for name in GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        if name in WIDER_RIGHTS:
            group.permissions.add(manage_all)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
