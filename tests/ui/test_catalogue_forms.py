import datetime

import pytest
from django.urls import reverse

from services.models import Agreement, Service, ServiceLevelTarget
from tests.services.factories import AgreementFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def test_it_management_adds_a_service_and_its_targets(client, it_manager):
    client.force_login(it_manager)
    assert "New service" in client.get(reverse("services:service-list")).content.decode()
    response = client.post(
        reverse("services:service-create"),
        {
            "name": "Data lake",
            "code": "lake",
            "lifecycle": "pipeline",
            "owner": it_manager.pk,
            "description": "",
        },
    )
    service = Service.objects.get(code="lake")
    assert response["Location"] == reverse("services:service-detail", args=[service.pk])
    response = client.post(
        reverse("services:target-create", args=[service.pk]),
        {
            "name": "Availability",
            "metric": "availability",
            "direction": "higher",
            "target_value": "99.9",
            "unit_of_measure": "%",
        },
    )
    assert response.status_code == 302
    assert str(service.targets.get()) == "Data lake: Availability ≥ 99.9 %"


def test_a_target_out_of_range_is_refused_at_the_field(client, it_manager):
    service = ServiceFactory()
    client.force_login(it_manager)
    response = client.post(
        reverse("services:target-create", args=[service.pk]),
        {
            "name": "Availability",
            "metric": "availability",
            "direction": "higher",
            "target_value": "140",
            "unit_of_measure": "%",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["target_value"] == [
        "An availability is a percentage from 0 to 100."
    ]
    assert not ServiceLevelTarget.objects.filter(service=service).exists()


def test_a_relationship_manager_does_not_change_the_catalogue_but_an_owner_does(client, rm, other_rm):
    owned = ServiceFactory(owner=rm, name="Owned")
    other = ServiceFactory(owner=other_rm, name="Other")
    client.force_login(rm)
    data = {"code": other.code, "lifecycle": "live", "owner": other_rm.pk, "description": "x"}
    response = client.post(reverse("services:service-edit", args=[other.pk]), {**data, "name": "Renamed"})
    assert response.status_code == 400
    assert "Only IT management or the service&#x27;s owner" in response.content.decode()
    other.refresh_from_db()
    assert other.name == "Other"
    data = {"code": owned.code, "lifecycle": "live", "owner": rm.pk, "description": "x"}
    assert (
        client.post(reverse("services:service-edit", args=[owned.pk]), {**data, "name": "Mine"}).status_code
        == 302
    )


def test_an_agreement_is_drafted_for_a_unit_of_the_portfolio(client, rm, unit_a, unit_b):
    client.force_login(rm)
    data = {
        "unit": unit_a.pk,
        "reference": "sla-ap",
        "title": "AP services",
        "valid_from": "2026-12-01",
        "valid_until": "2026-06-01",
        "review_interval_months": 6,
    }
    response = client.post(reverse("services:agreement-create"), data)
    assert response.status_code == 400
    assert "The end date must come after the start date." in response.content.decode()
    assert not Agreement.objects.exists()

    response = client.post(reverse("services:agreement-create"), {**data, "valid_until": "2027-12-01"})
    agreement = Agreement.objects.get(reference="sla-ap")
    assert response["Location"] == reverse("services:agreement-detail", args=[agreement.pk])
    assert agreement.status == Agreement.Status.DRAFT

    response = client.post(
        reverse("services:agreement-create"), {**data, "unit": unit_b.pk, "reference": "sla-b"}
    )
    assert response.status_code == 400  # Sales Operations is not among the choices
    assert not Agreement.objects.filter(reference="sla-b").exists()


def test_a_signed_agreement_keeps_its_start(client, rm, unit_a, customer_a):
    agreement = AgreementFactory(
        unit=unit_a, status="active", signed_by=customer_a, valid_from=datetime.date(2026, 1, 1)
    )
    client.force_login(rm)
    response = client.post(
        reverse("services:agreement-edit", args=[agreement.pk]),
        {
            "unit": unit_a.pk,
            "reference": agreement.reference,
            "title": agreement.title,
            "valid_from": "2026-02-01",
            "review_interval_months": 12,
        },
    )
    assert response.status_code == 400
    assert "A signed agreement keeps its unit and start date" in response.content.decode()
