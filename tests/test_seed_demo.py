import pytest
from django.apps import apps
from django.core.management import call_command
from simple_history.models import HistoricalChanges

from customers.models import BusinessUnit, Contact
from customers.selectors import deciding_customer_for
from relationships.models import Escalation, Requirement
from services.models import Measurement

pytestmark = pytest.mark.django_db


def row_counts():
    # The audit history is left out: it records every save, a re-seed's too, by design.
    return {
        model._meta.label: model.objects.count()
        for app in ("customers", "services", "relationships", "auth")
        for model in apps.get_app_config(app).get_models()
        if not issubclass(model, HistoricalChanges)
    }


def test_seeding_twice_leaves_the_same_rows():
    call_command("seed_demo", quiet=True)
    first = row_counts()
    call_command("seed_demo", quiet=True)
    assert row_counts() == first
    assert first["customers.BusinessUnit"] == 15
    assert first["auth.User"] >= 9


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


def test_the_logins_are_printed(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    for username in ("rita", "ivo", "stella", "carla", "piet", "admin"):
        assert username in out
