"""The agreement that covers a unit's services, as the business sees it (issue 14, items 4
and 5): a division's agreement covers its departments' services; every contact of a unit
reads it; every page names the same one."""

import datetime
import re

import pytest
from django.urls import reverse

from services.models import Agreement
from tests.portal.conftest import subscribe
from tests.relationships.factories import InteractionFactory
from tests.services.factories import AgreementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def division_sla(division, customer_a):
    """Finance's signed agreement; its departments' services are not linked to it."""
    return AgreementFactory(
        unit=division,
        title="IT services for Finance",
        reference="sla-fin",
        status=Agreement.Status.ACTIVE,
        signed_by=customer_a,
        valid_from=datetime.date(2025, 1, 1),
        last_reviewed_on=datetime.date(2026, 6, 17),
    )


def links(html: str) -> set[str]:
    return set(re.findall(r'href="(/portal/agreements/\d+/)"', html))


def test_a_purchaser_follows_the_agreement_link_of_his_service_and_reads_it(
    client, purchaser_a, unit_a, division_sla
):
    payments = subscribe(unit_a, name="Payments", agreement=division_sla)
    client.force_login(purchaser_a.user)
    service_page = client.get(reverse("portal:subscription-detail", args=[payments.pk])).content.decode()
    agreement_url = reverse("portal:agreement-detail", args=[division_sla.pk])
    assert links(service_page) == {agreement_url}
    response = client.get(agreement_url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "IT services for Finance" in page and "Payments" in page
    assert "Sign this agreement" not in page  # read-only: only the deciding customer signs


def test_an_unlinked_service_of_a_department_is_covered_by_the_divisions_agreement(
    client, purchaser_a, unit_a, division_sla
):
    payments = subscribe(unit_a, name="Payments")  # no agreement of its own
    client.force_login(purchaser_a.user)
    home = client.get(reverse("portal:home")).content.decode()
    assert "No service level agreement yet" not in home
    assert "sla-fin" in home and links(home) == {reverse("portal:agreement-detail", args=[division_sla.pk])}
    service_page = client.get(reverse("portal:subscription-detail", args=[payments.pk])).content.decode()
    assert "under" in service_page and links(service_page) == links(home)


def test_the_customers_agreement_page_lists_what_her_home_lists_by_unit(
    client, customer_a, division, unit_a, division_sla
):
    subscribe(unit_a, name="Payments", agreement=division_sla)
    subscribe(unit_a, name="Scanning")
    subscribe(division, name="Finance mail", agreement=division_sla)
    client.force_login(customer_a.user)
    home = client.get(reverse("portal:home"))
    page = client.get(reverse("portal:agreement-detail", args=[division_sla.pk]))
    on_home = {level.subscription.pk for level in home.context["levels"]}
    assert {level.subscription.pk for level in page.context["levels"]} == on_home
    html = page.content.decode()
    assert "No services are linked" not in html and "covers none of your services" not in html
    # Grouped by unit, each named.
    assert html.index("Finance mail") < html.index("Accounts Payable</h3>") < html.index("Payments")


def test_a_purchaser_sees_only_his_own_units_services_under_the_divisions_agreement(
    client, purchaser_a, division, unit_a, division_sla
):
    subscribe(unit_a, name="Payments", agreement=division_sla)
    subscribe(division, name="Board reporting", agreement=division_sla)
    InteractionFactory(
        unit=division, agreement=division_sla, subject="Finance review", is_shared_with_business=True
    )
    client.force_login(purchaser_a.user)
    page = client.get(reverse("portal:agreement-detail", args=[division_sla.pk])).content.decode()
    assert "Payments" in page and "Board reporting" not in page
    assert "Finance review" not in page  # notes of a unit he does not see, so no link to a 404
    assert "17 Jun 2026" in page


def test_a_contact_of_another_unit_cannot_read_it(client, contact_b, unit_a, division_sla):
    subscribe(unit_a, name="Payments")
    client.force_login(contact_b.user)
    assert client.get(reverse("portal:agreement-detail", args=[division_sla.pk])).status_code == 404
    assert "sla-fin" not in client.get(reverse("portal:home")).content.decode()


def test_the_api_answers_the_same(client, purchaser_a, contact_b, unit_a, division_sla):
    payments = subscribe(unit_a, name="Payments")
    client.force_login(purchaser_a.user)
    assert client.get(f"/api/v1/agreements/{division_sla.pk}/").status_code == 200
    assert [a["id"] for a in client.get("/api/v1/agreements/").json()["results"]] == [division_sla.pk]
    subscription = client.get(f"/api/v1/subscriptions/{payments.pk}/").json()
    assert (subscription["agreement"], subscription["covering_agreement"]) == (None, division_sla.pk)
    client.force_login(contact_b.user)
    assert client.get(f"/api/v1/agreements/{division_sla.pk}/").status_code == 404
