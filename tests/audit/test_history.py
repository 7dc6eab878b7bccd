"""Audit history: who changed what and when, recorded for web, API-token and job changes;
shown with human labels on the staff pages, in the portal and through the API; never
another unit's; at a cost that does not grow with the number of changes."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.history import SYSTEM_ACTOR, history_entries, history_records, history_section
from customers.imports import ContactImporter
from customers.models import BusinessUnit, Contact
from relationships.models import Escalation, Requirement
from relationships.tasks import escalation_ladder_task
from tests.actors import token_client
from tests.customers.factories import ContactFactory
from tests.relationships.factories import EscalationFactory, FollowUpActionFactory, RequirementFactory
from tests.services.factories import AgreementFactory, ServiceFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db

PASSWORD = "demo-pass-123"


def latest(obj):
    return obj.history.order_by("-history_date", "-history_id").first()


def signed_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


# --- Who: web, API token, scheduled job ----------------------------------------------------


def test_a_web_change_records_the_signed_in_user(client, rm, unit_a, customer_a):
    requirement = RequirementFactory(unit=unit_a, status=Requirement.Status.DRAFT)
    assert latest(requirement).history_user is None  # made by a factory, outside a request

    signed_in(client, rm)
    response = client.post(
        reverse("relationships:requirement-detail", args=[requirement.pk]), {"step": "submit"}
    )

    assert response.status_code == 302
    record = latest(requirement)
    assert (record.history_type, record.status, record.history_user) == ("~", "submitted", rm)


def test_an_api_token_change_records_the_tokens_user(rm, unit_a):
    # The middleware sees no user (a token is not a session); DRF authenticates later, and
    # the history reads the user when the row is saved.
    response = token_client(rm).patch(
        f"/api/v1/units/{unit_a.pk}/", {"description": "Pays the invoices"}, format="json"
    )

    assert response.status_code == 200, response.content
    record = latest(unit_a)
    assert (record.description, record.history_user) == ("Pays the invoices", rm)


def test_a_business_contacts_api_decision_records_them(unit_a, customer_a):
    requirement = RequirementFactory(
        unit=unit_a, status=Requirement.Status.SUBMITTED, submitted_at=timezone.now()
    )

    response = token_client(customer_a.user).post(
        f"/api/v1/requirements/{requirement.pk}/approve/", {"reason": "Worth it."}, format="json"
    )

    assert response.status_code == 200, response.content
    record = latest(requirement)
    assert (record.status, record.history_user) == ("approved", customer_a.user)


def test_a_scheduled_job_change_has_no_user_and_shows_as_the_system(client, rm, unit_a):
    escalation = EscalationFactory(unit=unit_a, respond_by=timezone.now() - datetime.timedelta(hours=1))
    before = escalation.history.count()

    escalation_ladder_task()

    escalation.refresh_from_db()
    assert escalation.level == Escalation.Level.IT_MANAGEMENT
    assert escalation.history.count() == before + 1
    record = latest(escalation)
    assert record.history_user is None
    entry = history_section(escalation, viewer=rm).entries[0]
    assert entry.actor == SYSTEM_ACTOR
    assert ("Level", "1 — Relationship manager", "2 — IT management") in [
        (c.label, c.old, c.new) for c in entry.changes
    ]
    page = signed_in(client, rm).get(reverse("relationships:escalation-detail", args=[escalation.pk]))
    assert SYSTEM_ACTOR in page.content.decode()


def test_a_contact_import_writes_history_rows_for_its_bulk_writes(rm, unit_a):
    existing = ContactFactory(unit=unit_a, email="anna@acme.example", job_title="Clerk")
    csv = (
        "unit,first_name,last_name,email,role,job_title\n"
        f"{unit_a.code},Anna,Smit,anna@acme.example,stakeholder,Controller\n"
        f"{unit_a.code},Bram,Vos,bram@acme.example,stakeholder,Analyst\n"
    ).encode()

    report = ContactImporter(by=rm).run(content=csv, filename="contacts.csv", commit=True)

    assert report.committed, report.errors
    changed = latest(existing)
    assert (changed.history_type, changed.job_title, changed.history_user) == ("~", "Controller", rm)
    created = latest(Contact.objects.get(email="bram@acme.example"))
    assert (created.history_type, created.history_user) == ("+", rm)


def test_the_materialized_path_and_reminder_claims_stay_out_of_the_history():
    assert "path" not in {f.name for f in BusinessUnit.history.model._meta.fields}
    assert "level_reminded_at" not in {f.name for f in Escalation.history.model._meta.fields}


# --- What: diffs with human labels ------------------------------------------------------------


def test_diffs_use_field_names_choice_labels_and_names_of_related_records(rm, other_rm, unit_a, purchaser_a):
    old_service, new_service = ServiceFactory(name="Payroll"), ServiceFactory(name="E-invoicing")
    requirement = RequirementFactory(unit=unit_a, kind="change", service=old_service)
    requirement.status = Requirement.Status.SUBMITTED
    requirement.priority = Requirement.Priority.HIGH
    requirement.service = new_service
    requirement.prepared_by = purchaser_a
    requirement.desired_by = datetime.date(2026, 12, 31)
    requirement._history_user = other_rm
    requirement.save()

    entry = history_section(requirement, viewer=rm).entries[0]

    assert (entry.kind, entry.actor) == ("changed", "Otto Other")
    assert {(c.label, c.old, c.new) for c in entry.changes} == {
        ("Status", "Being prepared", "Awaiting decision"),
        ("Priority", "Medium", "High"),
        ("Service", "Payroll", "E-invoicing"),
        ("Prepared by", "—", "Piet Purchaser"),
        ("Desired by", "—", "31 Dec 2026"),
    }
    assert history_section(requirement, viewer=rm).entries[1].kind == "created"


def test_booleans_and_amounts_read_as_words_and_numbers(rm, unit_a):
    unit_a.has_budget, unit_a.annual_it_budget = True, 250000
    unit_a.save()

    changes = {c.label: (c.old, c.new) for c in history_section(unit_a, viewer=rm).entries[0].changes}

    assert changes["Has budget"] == ("No", "Yes")
    assert changes["Annual IT budget"] == ("—", "250,000")


@pytest.mark.parametrize(
    ("make", "url_name", "change"),
    [
        (lambda u: u, "customers:unit-detail", {"description": "Pays the invoices"}),
        (lambda u: ContactFactory(unit=u), "customers:contact-detail", {"job_title": "Controller"}),
        (lambda u: AgreementFactory(unit=u), "services:agreement-detail", {"title": "Payroll SLA"}),
        (
            lambda u: RequirementFactory(unit=u),
            "relationships:requirement-detail",
            {"title": "Faster payroll"},
        ),
        (
            lambda u: EscalationFactory(unit=u),
            "relationships:escalation-detail",
            {"subject": "Payments stuck"},
        ),
        (lambda u: FollowUpActionFactory(unit=u), "relationships:action-edit", {"title": "Call Carla back"}),
        (
            lambda u: FollowUpActionFactory(unit=u),
            "relationships:action-detail",
            {"title": "Call Carla back"},
        ),
        (lambda u: SubscriptionFactory(unit=u), "services:subscription-detail", {"notes": "Forty seats"}),
    ],
    ids=[
        "unit",
        "contact",
        "agreement",
        "requirement",
        "escalation",
        "action-edit",
        "action",
        "subscription",
    ],
)
def test_staff_pages_show_the_history(client, rm, other_rm, unit_a, make, url_name, change):
    obj = make(unit_a)
    for name, value in change.items():
        setattr(obj, name, value)
    obj._history_user = other_rm
    obj.save()

    page = signed_in(client, rm).get(reverse(url_name, args=[obj.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="history"' in html
    # Who changed it (the escalation page names it in its timeline of steps).
    assert "Changed" in html and "Otto Other" in html
    assert html.count('id="history"') == 1
    assert list(change.values())[0] in html


def test_subscription_history_through_the_api_names_the_agreement(rm, unit_a):
    subscription = SubscriptionFactory(unit=unit_a)
    subscription.agreement = AgreementFactory(unit=unit_a, reference="sla-pay", title="Payroll")
    subscription.quantity = 40
    subscription.save()

    body = token_client(rm).get(f"/api/v1/subscriptions/{subscription.pk}/history/").json()

    assert body["count"] == 2
    changes = {c["label"]: (c["old"], c["new"]) for c in body["results"][0]["changes"]}
    assert changes == {"Agreement": ("—", "sla-pay — Payroll"), "Quantity": ("1", "40")}


# --- The business side: own unit only, without IT's fields -----------------------------------


def test_portal_shows_the_own_requirements_changes_by_name_without_staff_fields(
    client, rm, other_rm, unit_a, customer_a
):
    requirement = RequirementFactory(unit=unit_a, title="E-invoicing", created_by=rm)
    requirement.title = "E-invoicing for suppliers"
    requirement.created_by = other_rm  # IT's own field: not for the business
    requirement._history_user = rm
    requirement.save()

    page = signed_in(client, customer_a.user).get(reverse("portal:requirement-detail", args=[requirement.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Rita Manager (IT)" in html
    assert "E-invoicing for suppliers" in html
    assert "Otto Other" not in html and "Created by" not in html
    staff_view = history_section(requirement, viewer=rm).entries[0]
    assert {c.field for c in staff_view.changes} == {"title", "created_by"}


def test_portal_shows_the_own_escalations_changes(client, unit_a, purchaser_a, rm):
    escalation = EscalationFactory(unit=unit_a, subject="Payments stuck")
    escalation.severity = Escalation.Severity.CRITICAL
    escalation._history_user = rm
    escalation.save()

    page = signed_in(client, purchaser_a.user).get(reverse("portal:escalation-detail", args=[escalation.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Rita Manager (IT)" in html and "Critical" in html


def test_another_units_history_is_a_404_in_the_portal_and_the_api(
    client, unit_a, unit_b, customer_a, contact_b
):
    requirement_b = RequirementFactory(unit=unit_b, title="Secret of Sales")
    escalation_b = EscalationFactory(unit=unit_b)
    signed_in(client, customer_a.user)

    assert client.get(reverse("portal:requirement-detail", args=[requirement_b.pk])).status_code == 404
    assert client.get(reverse("portal:escalation-detail", args=[escalation_b.pk])).status_code == 404
    api = token_client(customer_a.user)
    for path in (
        f"/api/v1/requirements/{requirement_b.pk}/history/",
        f"/api/v1/escalations/{escalation_b.pk}/history/",
        f"/api/v1/units/{unit_b.pk}/history/",
        f"/api/v1/contacts/{contact_b.pk}/history/",
    ):
        response = api.get(path)
        assert response.status_code == 404, path
        assert "Sales" not in response.content.decode()


def test_api_history_hides_staff_fields_from_business_contacts(rm, other_rm, unit_a, purchaser_a):
    requirement = RequirementFactory(unit=unit_a, created_by=rm)
    requirement.created_by = other_rm
    requirement.priority = Requirement.Priority.HIGH
    requirement.save()

    business = token_client(purchaser_a.user).get(f"/api/v1/requirements/{requirement.pk}/history/").json()
    staff = token_client(rm).get(f"/api/v1/requirements/{requirement.pk}/history/").json()

    assert [c["field"] for c in business["results"][0]["changes"]] == ["priority"]
    assert [c["field"] for c in staff["results"][0]["changes"]] == ["created_by", "priority"]


def test_follow_up_action_history_is_for_staff_only(unit_a, purchaser_a):
    action = FollowUpActionFactory(unit=unit_a)
    response = token_client(purchaser_a.user).get(f"/api/v1/actions/{action.pk}/history/")
    assert response.status_code == 403


# --- Cost: constant in the number of changes ---------------------------------------------------


def _requirement_with_changes(unit, n, users, services, contacts):
    requirement = RequirementFactory(unit=unit, kind="change", service=services[0])
    for i in range(n - 1):
        requirement.title = f"Revision {i}"
        requirement.service = services[i % len(services)]
        requirement.prepared_by = contacts[i % len(contacts)]
        requirement.priority = ("low", "medium", "high")[i % 3]
        requirement._history_user = users[i % len(users)]
        requirement.save()
    assert requirement.history.count() == n
    return requirement


@pytest.fixture
def changed_requirements(unit_a, rm, other_rm, it_manager, purchaser_a, customer_a):
    services = [ServiceFactory() for _ in range(3)]
    contacts = [purchaser_a, ContactFactory(unit=unit_a)]
    users = [rm, other_rm, it_manager, customer_a.user]
    return {n: _requirement_with_changes(unit_a, n, users, services, contacts) for n in (5, 50)}


def _queries(callable_):
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured)


def test_history_helper_queries_do_not_grow(rm, changed_requirements):
    # history rows with their users (1), services (1) and contacts (1) named by id.
    for requirement in changed_requirements.values():
        with CaptureQueriesContext(connection) as captured:
            entries = history_entries(list(history_records(requirement)), viewer=rm)
        assert len(captured) == 3, [q["sql"] for q in captured]
        assert len(entries) == requirement.history.count()


@pytest.mark.parametrize(
    "url_name",
    ["relationships:requirement-detail", "portal:requirement-detail"],
    ids=["staff", "portal"],
)
def test_history_sections_cost_the_same_for_5_and_50_changes(
    client, rm, customer_a, changed_requirements, url_name
):
    signed_in(client, rm if url_name.startswith("relationships") else customer_a.user)
    counts = {}
    for n, requirement in changed_requirements.items():
        url = reverse(url_name, args=[requirement.pk])
        client.get(url)  # warm the session and caches
        counts[n] = _queries(lambda url=url: client.get(url))
    assert counts[5] == counts[50], counts


def test_api_history_costs_the_same_for_5_and_50_changes(rm, changed_requirements, django_assert_num_queries):
    api = token_client(rm)
    for requirement in changed_requirements.values():
        # token+user, the requirement (with the viewset's joins), count and page of history
        # rows with their users, the row before the page (none: page 1 starts at creation
        # for 5; for 50 the 51st does not exist either with page_size=100), services, contacts
        # and users named by id: the same whatever the count.
        with django_assert_num_queries(6):
            response = api.get(f"/api/v1/requirements/{requirement.pk}/history/?page_size=100")
        assert response.status_code == 200
        assert len(response.json()["results"]) == requirement.history.count()


def test_api_history_pages_compare_across_the_page_boundary(rm, changed_requirements):
    requirement = changed_requirements[50]
    api = token_client(rm)
    first = api.get(f"/api/v1/requirements/{requirement.pk}/history/?page_size=10").json()
    second = api.get(f"/api/v1/requirements/{requirement.pk}/history/?page_size=10&page=2").json()
    assert first["count"] == 50 and first["next"]
    # The last entry of page 1 is compared with the first of page 2, fetched for it.
    assert first["results"][-1]["changes"], first["results"][-1]
    assert second["results"][0]["id"] < first["results"][-1]["id"]
