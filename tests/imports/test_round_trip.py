"""An export re-imports as is: every importable list (units, contacts, the catalogue with
its targets, subscriptions, measurements) exports in the import's own columns, so the file
imports back with every line unchanged, and an edited cell is exactly one change. The
templates are the header alone: importing one as downloaded creates nothing."""

import datetime
import io
from decimal import Decimal

import pytest
import tablib
from django.urls import reverse
from django.utils import timezone

from core.importing import ImportFileError, importers
from customers.imports import ContactImporter, UnitImporter
from customers.models import Contact
from services.imports import MeasurementImporter, ServiceImporter, SubscriptionImporter
from services.models import Subscription
from tests.customers.factories import ContactFactory
from tests.services.factories import (
    AgreementFactory,
    MeasurementFactory,
    ServiceFactory,
    ServiceLevelTargetFactory,
    SubscriptionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(unit_a, unit_b, rm, it_manager):
    """Two services (one with two targets, one with none), used by both units under an
    agreement, with a measurement of last month each."""
    erp = ServiceFactory(code="erp", name="ERP", description="=SUM(A1) is not a formula here", owner=rm)
    ServiceLevelTargetFactory(
        service=erp, name="Availability", metric="availability", target_value=Decimal("99.500")
    )
    ServiceLevelTargetFactory(
        service=erp,
        name="Resolution",
        metric="resolution_time",
        unit_of_measure="hours",
        target_value=Decimal("16"),
        direction="lower",
    )
    ServiceFactory(code="desk", name="Service desk", category=None, owner=None)
    agreement = AgreementFactory(unit=unit_a, reference="sla-ap")
    last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    for unit in (unit_a, unit_b):
        subscription = SubscriptionFactory(
            unit=unit,
            service=erp,
            status=Subscription.Status.ACTIVE,
            quantity=25,
            started_on=datetime.date(2026, 1, 1),
            agreement=agreement if unit == unit_a else None,
        )
        for target in erp.targets.all():
            MeasurementFactory(
                subscription=subscription, target=target, period_start=last_month, value=Decimal("99.820")
            )
    return erp


@pytest.fixture
def people(unit_a, unit_b, customer_a, purchaser_a, contact_b):
    purchaser_a.phone = "+31 6 1234 5678"  # starts like a formula: the export quotes it
    purchaser_a.job_title = "-"
    purchaser_a.save()
    ContactFactory(
        unit=unit_a, first_name="Ina", last_name="Active", email="ina@acme.example", is_active=False
    )


def staff_client(client, user):
    client.force_login(user)
    return client


def reimport(importer, by, response, file_format):
    """The downloaded file, imported back (preview only)."""
    assert response.status_code == 200
    return importer(by=by).run(content=response.content, filename=f"export.{file_format}", commit=False)


# --- The staff lists export what the import reads ----------------------------------------------


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_contact_list_reimports_unchanged_for_a_relationship_manager(client, rm, people, file_format):
    response = staff_client(client, rm).get(reverse("customers:contact-list"), {"export": file_format})
    report = reimport(ContactImporter, rm, response, file_format)
    # Every contact, those of another portfolio too: an unchanged line needs no right.
    assert report.counts == {"create": 0, "update": 0, "unchanged": 4, "error": 0}
    assert report.ignored_columns == ["unit_name", "portal_login"]


def test_the_contact_export_has_the_import_columns_then_the_read_only_ones(client, rm, people):
    response = staff_client(client, rm).get(reverse("customers:contact-list"), {"export": "csv"})
    header = response.content.decode("utf-8-sig").splitlines()[0].split(",")
    assert header == [*ContactImporter.columns, *ContactImporter.read_only_columns]


def test_one_edited_cell_and_one_new_line_are_one_change_and_one_new_contact(client, rm, people, purchaser_a):
    response = staff_client(client, rm).get(reverse("customers:contact-list"), {"export": "csv"})
    data = tablib.Dataset().load(response.content.decode("utf-8-sig"), format="csv")
    piet = next(i for i, row in enumerate(data) if row[3] == "piet@acme.example")
    row = list(data[piet])
    row[6] = "Team lead"  # job_title
    data[piet] = row
    data.append(["fin-ap", "Noor", "Bakker", "noor@acme.example", "stakeholder", "", "", "yes", "", ""])

    report = ContactImporter(by=rm).run(content=data.export("csv").encode(), filename="c.csv", commit=True)

    assert report.counts == {"create": 1, "update": 1, "unchanged": 3, "error": 0}
    [changed] = [line for line in report.lines if line.action == "update"]
    assert changed.changes == {"job_title": ("-", "Team lead")}
    purchaser_a.refresh_from_db()
    assert (purchaser_a.job_title, purchaser_a.phone) == ("Team lead", "+31 6 1234 5678")
    assert Contact.objects.get(email="noor@acme.example").unit.code == "fin-ap"


def test_a_changed_line_of_another_portfolio_is_still_rejected(client, rm, people):
    text = "unit,first_name,last_name,email\nsales-ops,Bea,Renamed,bea@acme.example\n"
    report = ContactImporter(by=rm).run(content=text.encode(), filename="c.csv", commit=False)
    assert [line.errors for line in report.lines] == [["unit: Sales Operations is not in your portfolio."]]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_unit_list_reimports_unchanged(client, it_manager, unit_a, unit_b, file_format):
    unit_a.annual_it_budget = Decimal("250000.00")
    unit_a.has_budget = True
    unit_a.description = "+ pays the suppliers"
    unit_a.save()
    response = staff_client(client, it_manager).get(
        reverse("customers:unit-list"), {"export": file_format, "is_active": ""}
    )
    report = reimport(UnitImporter, it_manager, response, file_format)
    assert report.counts == {"create": 0, "update": 0, "unchanged": 4, "error": 0}
    assert report.ignored_columns == ["contacts", "health", "health_band", "health_reasons"]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_catalogue_reimports_unchanged_one_line_per_target(client, it_manager, catalogue, file_format):
    response = staff_client(client, it_manager).get(reverse("services:service-list"), {"export": file_format})
    report = reimport(ServiceImporter, it_manager, response, file_format)
    # ERP's two targets and the service desk without any.
    assert report.counts == {"create": 0, "update": 0, "unchanged": 3, "error": 0}
    assert report.ignored_columns == ["units_using_it"]


# --- The import page offers each kind's current data --------------------------------------------


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize(
    "kind, user, unchanged",
    [
        ("units", "it_manager", 4),
        ("contacts", "rm", 3),  # the contacts of Rita's own units
        ("services", "it_manager", 3),
        ("subscriptions", "rm", 1),
        ("subscriptions", "it_manager", 2),
        ("measurements", "rm", 2),
        ("measurements", "it_manager", 4),
    ],
)
def test_current_data_of_every_kind_reimports_unchanged(
    client, request, people, catalogue, kind, user, unchanged, file_format
):
    by = request.getfixturevalue(user)
    response = staff_client(client, by).get(reverse("imports:export", args=[kind, file_format]))
    assert f'filename="brm-{kind}-' in response["Content-Disposition"]
    report = reimport(importers()[kind], by, response, file_format)
    assert report.counts == {"create": 0, "update": 0, "unchanged": unchanged, "error": 0}


def test_current_data_is_only_for_who_may_import_it(client, rm):
    response = staff_client(client, rm).get(reverse("imports:export", args=["units", "csv"]), follow=True)
    assert response.redirect_chain == [(reverse("imports:start"), 302)]
    assert "You may not import business units." in response.content.decode()
    assert client.get(reverse("imports:export", args=["units", "pdf"])).status_code == 404


def test_an_edited_measurement_is_one_change(client, rm, catalogue, unit_a):
    response = staff_client(client, rm).get(reverse("imports:export", args=["measurements", "csv"]))
    text = response.content.decode("utf-8-sig").replace("99.82", "97.5", 1)
    report = MeasurementImporter(by=rm).run(content=text.encode(), filename="m.csv", commit=False)
    assert report.counts == {"create": 0, "update": 1, "unchanged": 1, "error": 0}


def test_an_ended_subscription_is_not_exported_to_be_started_again(client, it_manager, catalogue):
    Subscription.objects.filter(unit__code="sales-ops").update(status=Subscription.Status.ENDED)
    response = staff_client(client, it_manager).get(reverse("imports:export", args=["subscriptions", "csv"]))
    report = reimport(SubscriptionImporter, it_manager, response, "csv")
    assert report.counts == {"create": 0, "update": 0, "unchanged": 1, "error": 0}


# --- Templates carry no example record ------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", ["units", "contacts", "services", "subscriptions", "measurements"])
def test_a_template_as_downloaded_imports_nothing(client, it_manager, unit_a, kind, file_format):
    response = staff_client(client, it_manager).get(reverse("imports:template", args=[kind, file_format]))
    with pytest.raises(ImportFileError, match="a header but no lines"):
        importers()[kind](by=it_manager).run(
            content=response.content, filename=f"t.{file_format}", commit=True
        )


def test_a_filled_template_imports_its_line(client, rm, unit_a):
    template = staff_client(client, rm).get(reverse("imports:template", args=["contacts", "csv"]))
    text = template.content.decode("utf-8-sig") + "fin-ap,Noor,Bakker,noor@acme.example,stakeholder,,,yes\n"
    report = ContactImporter(by=rm).run(content=text.encode(), filename="t.csv", commit=True)
    assert report.counts["create"] == 1 and report.committed
    assert list(Contact.objects.values_list("email", flat=True)) == ["noor@acme.example"]


def test_the_import_page_shows_each_kinds_example_line(client, rm, unit_a):
    html = staff_client(client, rm).get(reverse("imports:start")).content.decode()
    assert "Example line" in html and "noor.bakker@example.org" in html
    assert reverse("imports:export", args=["contacts", "xlsx"]) in html


def test_a_quote_the_export_put_before_a_formula_is_taken_off(rm, unit_a):
    text = "unit,first_name,last_name,email,phone\nfin-ap,Ann,Quote,ann@acme.example,'+31 20 555\n"
    [line] = ContactImporter(by=rm).run(content=text.encode(), filename="c.csv", commit=True).lines
    assert line.action == "create"
    assert Contact.objects.get(email="ann@acme.example").phone == "+31 20 555"


def test_an_unknown_column_is_still_refused(rm, unit_a):
    text = "unit,first_name,last_name,email,shoe_size\nfin-ap,Ann,B,ann@acme.example,42\n"
    with pytest.raises(ImportFileError, match="Unknown column: shoe_size"):
        ContactImporter(by=rm).run(content=io.BytesIO(text.encode()).read(), filename="c.csv", commit=False)
