import re
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

from customers.models import BusinessUnit, Contact
from customers.selectors import deciding_customer_for
from relationships.models import Escalation, Requirement
from services.models import Measurement, Subscription

pytestmark = pytest.mark.django_db


README = Path(__file__).resolve().parents[1] / "README.md"


def row_counts():
    # The audit history too: a re-seed that changes nothing must not record a change.
    return {
        model._meta.label: model.objects.count()
        for app in ("customers", "services", "relationships", "auth")
        for model in apps.get_app_config(app).get_models()
    }


def test_seeding_twice_leaves_the_same_rows_and_writes_no_history():
    call_command("seed_demo", quiet=True)
    first = row_counts()
    call_command("seed_demo", quiet=True)
    assert row_counts() == first
    assert first["customers.BusinessUnit"] == 15
    assert first["customers.HistoricalBusinessUnit"] == 15  # one "created" each
    assert first["auth.User"] >= 9


def test_a_reseed_restores_what_was_changed_and_records_just_that():
    call_command("seed_demo", quiet=True)
    unit = BusinessUnit.objects.get(code="fin-ap")
    unit.name = "Renamed in the demo"
    unit.save()
    before = row_counts()

    call_command("seed_demo", quiet=True)

    after = row_counts()
    assert BusinessUnit.objects.get(code="fin-ap").name == "Accounts Payable"
    assert after.pop("customers.HistoricalBusinessUnit") == before.pop("customers.HistoricalBusinessUnit") + 1
    assert after == before


def test_the_demo_covers_what_the_portal_shows():
    call_command("seed_demo", quiet=True)

    assert set(Requirement.objects.values_list("status", flat=True)) == set(Requirement.Status.values)
    assert set(Escalation.objects.open().values_list("level", flat=True)) == {1, 2, 3}
    assert Measurement.objects.filter(is_met=False).exists()
    assert Measurement.objects.dates("period_start", "month").count() == 6
    assert set(Contact.objects.values_list("role", flat=True)) == set(Contact.Role.values)
    # the purchaser's department is decided for by the CFO of its division
    assert deciding_customer_for(unit=BusinessUnit.objects.get(code="fin-ap")).user.username == "carla"
    assert BusinessUnit.objects.holding_budget_without_customer().filter(code="sales").exists()
    # an order waits in a queue, so IT's side of ordering has something to show at once
    assert Subscription.objects.waiting().filter(unit__code="ops-log").exists()


def readme_demo_logins() -> list[str]:
    """The usernames of README's table of demo logins."""
    section = README.read_text().split("## Demo logins", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([a-z]+)` \|", section, flags=re.MULTILINE)


def test_every_login_of_the_readme_is_printed_and_signs_in(capsys, client):
    call_command("seed_demo")
    printed = re.findall(r"^  ([a-z]+) +brm-demo-2026 ", capsys.readouterr().out, flags=re.MULTILINE)
    logins = readme_demo_logins()
    assert "olivia" in logins and len(logins) >= 8
    assert printed == logins  # the same people, in the README's order
    for username in logins:
        assert client.login(username=username, password="brm-demo-2026"), username
