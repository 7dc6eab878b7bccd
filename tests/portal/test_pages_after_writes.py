"""The portal home and the survey link: one person's page never shows another's, and a
write shows on the next visit."""

import pytest
from django.urls import reverse

from relationships.models import Requirement
from tests.portal.conftest import subscribe
from tests.relationships.factories import RequirementFactory, SurveyInvitationFactory

pytestmark = pytest.mark.django_db


def test_a_contacts_home_never_shows_another_contacts(client, world_a, world_b, purchaser_a, contact_b):
    client.force_login(purchaser_a.user)
    mine = client.get("/portal/").content.decode()
    assert "A-secret escalation" in mine and "Hello Piet" in mine
    client.force_login(contact_b.user)
    theirs = client.get("/portal/").content.decode()
    assert "Hello Bea" in theirs and "B escalation" in theirs
    assert "A-secret" not in theirs and "A service" not in theirs


def test_portal_home_shows_a_write_on_the_next_visit(client, world_a, purchaser_a):
    client.force_login(purchaser_a.user)
    assert "Replace the scanners" not in client.get("/portal/").content.decode()

    RequirementFactory(
        unit=purchaser_a.unit,
        title="Replace the scanners",
        prepared_by=purchaser_a,
        status=Requirement.Status.DRAFT,
    )

    assert "Replace the scanners" in client.get("/portal/").content.decode()


def test_a_contact_who_loses_access_is_refused_the_home(client, world_a, purchaser_a):
    client.force_login(purchaser_a.user)
    assert client.get("/portal/").status_code == 200
    purchaser_a.is_active = False
    purchaser_a.save()
    assert client.get("/portal/").status_code == 403


def test_survey_questions_are_the_units_own_and_follow_its_subscriptions(
    client, purchaser_a, contact_b, unit_a
):
    subscribe(unit_a, name="Invoice scanning")
    mine = SurveyInvitationFactory(contact=purchaser_a)
    other = SurveyInvitationFactory(contact=contact_b)
    assert "Invoice scanning" in client.get(reverse("survey:answer", args=[mine.token])).content.decode()
    # Another unit's link shows its own services, not those of unit A.
    assert "Invoice scanning" not in client.get(reverse("survey:answer", args=[other.token])).content.decode()

    subscribe(unit_a, name="Payments platform")
    assert "Payments platform" in client.get(reverse("survey:answer", args=[mine.token])).content.decode()


def test_the_customers_waiting_list_and_the_orderers_outcome_show_fresh(
    client, world_a, customer_a, purchaser_a, rm
):
    from services.services import subscription_order, subscription_refuse
    from tests.services.factories import ServiceFactory

    client.force_login(customer_a.user)
    assert "Review and decide" not in client.get("/portal/").content.decode()
    RequirementFactory(
        unit=purchaser_a.unit,
        title="Scan the invoices",
        prepared_by=purchaser_a,
        status=Requirement.Status.SUBMITTED,
    )
    html = client.get("/portal/").content.decode()
    assert "Scan the invoices" in html and "Review and decide" in html
    assert '<span class="badge rounded-pill text-bg-warning">1</span>' in html

    client.force_login(purchaser_a.user)
    order = subscription_order(unit=purchaser_a.unit, service=ServiceFactory(name="Fax"), by=purchaser_a.user)
    assert "Waiting for IT to fulfil it." in client.get("/portal/").content.decode()
    subscription_refuse(subscription=order, by=rm, reason="Faxes are retired.")
    html = client.get("/portal/").content.decode()
    assert "Faxes are retired." in html and "Waiting for IT to fulfil it." not in html
