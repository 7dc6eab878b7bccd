"""Staff pages of units and contacts: access, the 360° page, lists with CSV, forms."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers.models import BusinessUnit, Contact
from tests.customers.factories import BusinessUnitFactory, ContactFactory

from .unit_demo import Catalogue, populate_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db):
    return Catalogue()


# --- Access -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["customers:unit-list", "customers:contact-list"])
def test_anonymous_is_sent_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_business_contact_is_sent_to_the_portal(client, purchaser_a, unit_a):
    client.force_login(purchaser_a.user)
    for url in (reverse("customers:unit-list"), reverse("customers:unit-detail", args=[unit_a.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("portal:home")


# --- The 360° page --------------------------------------------------------------------------


def test_unit_page_shows_the_whole_picture(rm_client, unit_a, customer_a, purchaser_a, catalogue):
    populate_unit(unit_a, catalogue=catalogue)
    response = rm_client.get(reverse("customers:unit-detail", args=[unit_a.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    # place in the tree
    assert "Acme" in html and "Finance" in html
    # deciding customer is the division's customer, marked
    assert 'data-testid="deciding-customer">Carla Cfo<' in html
    assert "Piet Purchaser" in html
    for text in (
        "Cut invoice processing time",
        "Workplace Service",
        "Availability",
        "Accounts Payable workplace agreement",
        "Quarterly check-in fin-ap",
        "Send the roadmap",
        "Self-service reporting for Accounts Payable",
        "Automate supplier onboarding",
        "Laptops arrive late at Accounts Payable",
        "Autumn survey",
        'id="attainment-chart"',
        'id="survey-chart"',
        "Log interaction",
    ):
        assert text in html, text


def test_division_rolls_up_its_sub_units(rm_client, division, unit_a, catalogue):
    populate_unit(unit_a, catalogue=catalogue)
    html = rm_client.get(reverse("customers:unit-detail", args=[division.pk])).content.decode()
    assert "include the 1 unit below Finance" in html
    assert "Laptops arrive late at Accounts Payable" in html
    assert "Self-service reporting for Accounts Payable" in html


def test_unit_of_another_portfolio_is_read_only(rm_client, unit_b):
    response = rm_client.get(reverse("customers:unit-detail", args=[unit_b.pk]))
    html = response.content.decode()
    assert "Read-only: not in your portfolio" in html
    assert "Log interaction" not in html
    response = rm_client.get(reverse("customers:unit-edit", args=[unit_b.pk]))
    assert response.status_code == 302
    response = rm_client.post(reverse("customers:unit-edit", args=[unit_b.pk]), {"name": "Hijacked"})
    unit_b.refresh_from_db()
    assert unit_b.name == "Sales Operations"


def test_empty_unit_explains_what_to_do(rm_client, rm):
    unit = BusinessUnitFactory(name="Brand new", relationship_manager=rm)
    html = rm_client.get(reverse("customers:unit-detail", args=[unit.pk])).content.decode()
    assert "No services in use yet" in html
    assert "No interactions logged yet" in html
    assert "no customer at or above this unit can decide" in html


def _unit_page_queries(client, unit) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("customers:unit-detail", args=[unit.pk]))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_unit_page_queries_do_not_grow_with_the_subtree(rm_client, rm, division, catalogue):
    """A division with 10 populated sub-units, then with 100: the same number of queries
    (session, user, unit, children, subtree count, contacts, subscriptions, measurements,
    escalations + events, timeline + contacts + actions, surveys, ancestors, health,
    deciding customer, objectives, agreements, requirements, opportunities, quick-log
    choices)."""
    units = [BusinessUnitFactory(parent=division, relationship_manager=rm) for _ in range(10)]
    for unit in units:
        populate_unit(unit, catalogue=catalogue, months=2)
    ten = _unit_page_queries(rm_client, division)
    for _ in range(90):
        populate_unit(
            BusinessUnitFactory(parent=division, relationship_manager=rm), catalogue=catalogue, months=2
        )
    assert BusinessUnit.objects.subtree_of(division).count() == 101
    assert _unit_page_queries(rm_client, division) == ten


# --- Lists, search, CSV ------------------------------------------------------------------------


def test_contact_search_and_csv_export(rm_client, customer_a, purchaser_a, contact_b):
    response = rm_client.get(reverse("customers:contact-list"), {"q": "piet"})
    html = response.content.decode()
    assert "Piet Purchaser" in html and "Carla Cfo" not in html
    response = rm_client.get(reverse("customers:contact-list"), {"role": "customer", "export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig")
    # The import's columns: the file imports back as is (tests/imports/test_round_trip.py).
    assert body.splitlines()[0].startswith("unit,first_name,last_name,email")
    assert "Carla" in body and "Bea" in body and "Piet" not in body


def test_contact_list_paginates_in_constant_queries(rm_client, unit_a, django_assert_num_queries):
    ContactFactory.create_batch(30, unit=unit_a)
    # session, user, contacts count, units count + units (the unit filter's choices),
    # page of contacts with their unit; the navigation's count of what waits for her: her
    # groups, then escalations, orders and overdue actions counted
    with django_assert_num_queries(10):
        response = rm_client.get(reverse("customers:contact-list"))
    assert "1–25 of 30" in response.content.decode()


def test_unit_list_filters_and_exports(rm_client, unit_a, unit_b):
    html = rm_client.get(reverse("customers:unit-list"), {"q": "sales"}).content.decode()
    assert "Sales Operations" in html and "Accounts Payable" not in html
    html = rm_client.get(reverse("customers:unit-list"), {"mine": "1"}).content.decode()
    assert "Accounts Payable" in html and "Sales Operations" not in html
    body = rm_client.get(reverse("customers:unit-list"), {"export": "csv"}).content.decode("utf-8-sig")
    assert "fin-ap" in body and "sales-ops" in body
    assert body.splitlines()[0].endswith("health,health_band,health_reasons")


# --- Forms ---------------------------------------------------------------------------------------


def test_contact_form_bad_input_shows_message_at_field_and_saves_nothing(rm_client, unit_a, customer_a):
    before = Contact.objects.count()
    response = rm_client.post(
        reverse("customers:contact-create"),
        {
            "unit": unit_a.pk,
            "first_name": "",
            "last_name": "Doe",
            "email": "not-an-email",
            "role": "stakeholder",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_first_name"' in html and "This field is required." in html
    assert "Enter a valid email address." in html
    assert Contact.objects.count() == before


def test_second_customer_is_refused_with_the_services_message(rm_client, division, customer_a):
    response = rm_client.post(
        reverse("customers:contact-create"),
        {
            "unit": division.pk,
            "first_name": "Cleo",
            "last_name": "Second",
            "email": "cleo@acme.example",
            "role": "customer",
            "is_active": "on",
        },
    )
    assert response.status_code == 400
    assert "Finance already has an active customer" in response.content.decode()
    assert not Contact.objects.filter(email="cleo@acme.example").exists()


def test_unit_cannot_move_under_its_own_sub_unit(rm_client, division, unit_a):
    response = rm_client.post(
        reverse("customers:unit-edit", args=[division.pk]),
        {
            "name": "Finance",
            "code": "fin",
            "kind": "division",
            "parent": unit_a.pk,
            "survey_frequency_months": 3,
            "is_active": "on",
        },
    )
    assert response.status_code == 400
    division.refresh_from_db()
    assert division.parent.code == "acme"


def test_create_unit_and_contact(rm_client, rm, division):
    response = rm_client.post(
        reverse("customers:unit-create"),
        {
            "name": "Treasury",
            "code": "fin-tr",
            "kind": "department",
            "parent": division.pk,
            "survey_frequency_months": 6,
            "is_active": "on",
        },
    )
    unit = BusinessUnit.objects.get(code="fin-tr")
    assert response.status_code == 302 and response["Location"] == reverse(
        "customers:unit-detail", args=[unit.pk]
    )
    assert unit.relationship_manager == rm and unit.path.startswith(division.path)
    response = rm_client.post(
        reverse("customers:contact-create"),
        {
            "unit": unit.pk,
            "first_name": "Tom",
            "last_name": "Treasurer",
            "email": "tom@acme.example",
            "role": "stakeholder",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Contact.objects.get(email="tom@acme.example").unit == unit


def _unit_list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("customers:unit-list"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_unit_list_queries_do_not_grow_with_units(rm_client, rm, division):
    """session, user, staff choices of the filter, count, page, health of the page."""
    for _ in range(10):
        BusinessUnitFactory(parent=division, relationship_manager=rm)
    ten = _unit_list_queries(rm_client)
    for _ in range(90):
        BusinessUnitFactory(parent=division, relationship_manager=rm)
    assert _unit_list_queries(rm_client) == ten


def test_unit_list_budget_filter_offers_its_choices(rm_client, division, unit_a):
    response = rm_client.get(reverse("customers:unit-list"), {"has_budget": "true"})
    html = response.content.decode()
    assert '<option value="true" selected>Holds a budget</option>' in html
    assert "Finance" in html and "Accounts Payable" not in html


def test_objective_added_to_own_unit_only(rm_client, unit_a, unit_b):
    response = rm_client.post(
        reverse("customers:objective-create", args=[unit_a.pk]),
        {"title": "Close the books in 3 days", "status": "open"},
    )
    assert response.status_code == 302
    assert unit_a.objectives.filter(title="Close the books in 3 days").exists()
    response = rm_client.post(
        reverse("customers:objective-create", args=[unit_b.pk]), {"title": "Not mine", "status": "open"}
    )
    assert response.status_code == 400
    assert "Sales Operations is not in your portfolio" in response.content.decode()
    assert not unit_b.objectives.exists()


def test_objective_without_title_shows_the_message(rm_client, unit_a):
    response = rm_client.post(
        reverse("customers:objective-create", args=[unit_a.pk]), {"title": "", "status": "open"}
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not unit_a.objectives.exists()


def test_contact_page_and_read_only_contact_of_another_portfolio(rm_client, contact_b, purchaser_a):
    html = rm_client.get(reverse("customers:contact-detail", args=[purchaser_a.pk])).content.decode()
    assert "Piet Purchaser" in html and "Revoke portal access" in html
    html = rm_client.get(reverse("customers:contact-detail", args=[contact_b.pk])).content.decode()
    assert "Read-only: not in your portfolio" in html
    response = rm_client.post(
        reverse("customers:contact-edit", args=[contact_b.pk]),
        {
            "unit": contact_b.unit_id,
            "first_name": "Changed",
            "last_name": "Buyer",
            "email": "bea@acme.example",
            "role": "customer",
        },
    )
    assert response.status_code == 400
    assert "Sales Operations is not in your portfolio" in response.content.decode()
    contact_b.refresh_from_db()
    assert contact_b.first_name == "Bea"


def test_it_manager_with_wider_rights_may_edit_any_unit(client, it_manager, unit_b):
    from django.contrib.auth.models import Permission

    it_manager.user_permissions.add(Permission.objects.get(codename="manage_all_units"))
    client.force_login(it_manager)
    html = client.get(reverse("customers:unit-detail", args=[unit_b.pk])).content.decode()
    assert "Edit unit" in html and "Read-only" not in html


def test_every_page_of_the_demo_data_opens(client):
    """The seeded demo organisation: every unit page, contact page and list opens for a
    relationship manager and for IT management."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("seed_demo", quiet=True)
    staff = get_user_model().objects.filter(is_staff=True, is_active=True)
    for user in staff[:3]:
        client.force_login(user)
        for url in (reverse("customers:unit-list"), reverse("customers:contact-list")):
            assert client.get(url).status_code == 200
        for unit in BusinessUnit.objects.all():
            response = client.get(reverse("customers:unit-detail", args=[unit.pk]))
            assert response.status_code == 200, unit
        for contact in Contact.objects.all()[:20]:
            assert client.get(reverse("customers:contact-detail", args=[contact.pk])).status_code == 200


def test_a_large_roll_up_shows_the_first_services_and_agreements_and_counts_the_rest(
    rm_client, rm, division, monkeypatch
):
    from relationships import selectors
    from tests.services.factories import AgreementFactory, SubscriptionFactory

    monkeypatch.setattr(selectors, "SUBSCRIPTIONS_SHOWN", 2)
    monkeypatch.setattr(selectors, "AGREEMENTS_SHOWN", 1)
    for _ in range(3):
        unit = BusinessUnitFactory(parent=division, relationship_manager=rm)
        SubscriptionFactory(unit=unit)
        AgreementFactory(unit=unit)
    html = rm_client.get(reverse("customers:unit-detail", args=[division.pk])).content.decode()
    assert "And 1 more service in use below Finance" in html
    assert "And 2 more agreements below Finance" in html
