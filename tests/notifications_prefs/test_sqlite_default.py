"""The embedded default (`make run`) is SQLite, which the rest of the suite does not use:
the outbox's preference lookup (a UNION) must work there too, or the demo sends no mail."""

import os
import subprocess
import sys

from django.conf import settings

SCRIPT = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from customers.models import BusinessUnit, Contact
from django.contrib.auth.models import User
from notifications.models import NotificationPreference
from relationships.notifications import NotificationKind, deliveries_for_many
unit = BusinessUnit.objects.create(name="Finance", code="fin", kind="division")
user = User.objects.create_user("carla", "carla@example.org")
Contact.objects.create(unit=unit, first_name="Carla", last_name="Jansen", email="carla@example.org", user=user, role="customer")
NotificationPreference.objects.create(user=user, kind=NotificationKind.SURVEYS, delivery="digest")
wanted = deliveries_for_many(requests=[(NotificationKind.SURVEYS, ["carla@example.org", "nobody@example.org"])])
print(sorted(str(recipient.delivery) for recipient in wanted.values()))
"""


def test_the_preference_lookup_runs_on_sqlite():
    env = {**os.environ, "DATABASE_URL": "sqlite:///:memory:", "DJANGO_SETTINGS_MODULE": "brm.settings"}
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().splitlines()[-1] == "['digest', 'immediate']"
