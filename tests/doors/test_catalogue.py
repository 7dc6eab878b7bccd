"""Who may change the service catalogue, answered alike through every door: the staff form,
the API, the import page and the import API.

The rule (services.services.may_change_catalogue): who manages every unit (IT management,
the steering group: customers.roles.manages_every_unit) changes the whole catalogue; a
service's owner changes their own service and its targets; a new service is IT
management's. Business contacts and anonymous callers never change it.

Each door does the write as a person or a tool would and says whether it was accepted; the
test then checks the database agrees (a refusal wrote nothing).
"""

import html
from decimal import Decimal

import pytest
from django.urls import reverse

from services.imports import ServiceImporter
from services.models import Service, ServiceLevelTarget
from services.services import CATALOGUE_REFUSAL
from tests.doors.importing import through_import_api, through_import_page
from tests.services.factories import ServiceFactory, ServiceLevelTargetFactory

pytestmark = pytest.mark.django_db

NOBODY_ELSE = [
    ("customer_a", False),
    ("purchaser_a", False),
    ("contact_b", False),
    ("anonymous", False),
]
# ERP is Rita's service: she keeps it, Otto does not.
OWNER_OR_IT_MANAGEMENT = [
    ("rm", True),
    ("other_rm", False),
    ("it_manager", True),
    ("steering_member", True),
    *NOBODY_ELSE,
]
IT_MANAGEMENT_ONLY = [
    ("rm", False),  # owns ERP, but a new service is IT management's
    ("other_rm", False),
    ("it_manager", True),
    ("steering_member", True),
    *NOBODY_ELSE,
]


@pytest.fixture
def erp(rm):
    return ServiceFactory(name="ERP", code="erp", category=None, owner=rm, lifecycle="live", description="")


@pytest.fixture
def availability(erp):
    return ServiceLevelTargetFactory(
        service=erp, name="Availability", metric="availability", unit_of_measure="%", target_value="99.5"
    )


# --- The doors: each writes a service (`service` None: a new one) or a target -------------


def _service_form(values: dict) -> dict:
    return {
        "name": values["name"],
        "code": values["code"],
        "category": "",
        "lifecycle": values["lifecycle"],
        "owner": values["owner"].pk,
        "description": values["description"],
    }


def _target_form(values: dict) -> dict:
    return {key: values[key] for key in ("name", "metric", "direction", "target_value", "unit_of_measure")}


def _import_file(service: dict, target: dict | None) -> str:
    line = [service["code"], service["name"], "", service["lifecycle"], service["owner"].username]
    line.append(service["description"])
    if target:
        line += [target[key] for key in ("name", "metric", "unit_of_measure", "target_value", "direction")]
    else:
        line += [""] * 5
    return ",".join(ServiceImporter.columns) + "\n" + ",".join(line) + "\n"


def staff_form(client_as, api_as, actor, *, service, values, target=None, target_values=None) -> bool:
    client = client_as(actor)
    if target_values is None:
        url = (
            reverse("services:service-edit", args=[service.pk])
            if service
            else reverse("services:service-create")
        )
        response = client.post(url, _service_form(values), follow=True)
        return f"Service “{values['name']}” saved." in html.unescape(response.content.decode())
    url = (
        reverse("services:target-edit", args=[service.pk, target.pk])
        if target
        else reverse("services:target-create", args=[service.pk])
    )
    response = client.post(url, _target_form(target_values), follow=True)
    return f"Target “{target_values['name']}” of {service.name} saved." in html.unescape(
        response.content.decode()
    )


def api(client_as, api_as, actor, *, service, values, target=None, target_values=None) -> bool:
    client = api_as(actor)
    if target_values is None:
        data = {**_service_form(values), "category": None}
        if service:
            return client.patch(f"/api/v1/services/{service.pk}/", data, format="json").status_code == 200
        return client.post("/api/v1/services/", data, format="json").status_code == 201
    data = {**_target_form(target_values), "service": service.pk}
    if target:
        return client.patch(f"/api/v1/targets/{target.pk}/", data, format="json").status_code == 200
    return client.post("/api/v1/targets/", data, format="json").status_code == 201


def import_page(client_as, api_as, actor, *, service, values, target=None, target_values=None) -> bool:
    return through_import_page(
        client_as(actor), kind="services", filename="services.csv", text=_import_file(values, target_values)
    )


def import_api(client_as, api_as, actor, *, service, values, target=None, target_values=None) -> bool:
    return through_import_api(
        api_as(actor), kind="services", filename="services.csv", text=_import_file(values, target_values)
    )


DOORS = [staff_form, api, import_page, import_api]


def _values(service: Service, **changes) -> dict:
    return {
        "name": service.name,
        "code": service.code,
        "lifecycle": service.lifecycle,
        "owner": service.owner,
        "description": service.description,
        **changes,
    }


# --- Services -------------------------------------------------------------------------------


@pytest.mark.parametrize("actor, allowed", OWNER_OR_IT_MANAGEMENT)
@pytest.mark.parametrize("door", DOORS)
def test_change_a_service(client_as, api_as, erp, actor, allowed, door):
    accepted = door(client_as, api_as, actor, service=erp, values=_values(erp, description="Ledgers"))

    assert accepted == allowed
    erp.refresh_from_db()
    assert erp.description == ("Ledgers" if allowed else "")


@pytest.mark.parametrize("actor, allowed", IT_MANAGEMENT_ONLY)
@pytest.mark.parametrize("door", DOORS)
def test_add_a_service(client_as, api_as, rm, erp, actor, allowed, door):
    values = {"name": "Data lake", "code": "lake", "lifecycle": "pipeline", "owner": rm, "description": "New"}

    accepted = door(client_as, api_as, actor, service=None, values=values)

    assert accepted == allowed
    assert Service.objects.filter(code="lake").exists() == allowed


# --- Service level targets ------------------------------------------------------------------


def _target_values(**values) -> dict:
    return {"metric": "availability", "direction": "higher", "unit_of_measure": "%", **values}


@pytest.mark.parametrize("actor, allowed", OWNER_OR_IT_MANAGEMENT)
@pytest.mark.parametrize("door", DOORS)
def test_add_a_target_to_a_service(client_as, api_as, erp, actor, allowed, door):
    target_values = _target_values(
        name="Response", metric="response_time", direction="lower", unit_of_measure="hours", target_value="4"
    )

    accepted = door(client_as, api_as, actor, service=erp, values=_values(erp), target_values=target_values)

    assert accepted == allowed
    assert list(erp.targets.values_list("name", flat=True)) == (["Response"] if allowed else [])


@pytest.mark.parametrize("actor, allowed", OWNER_OR_IT_MANAGEMENT)
@pytest.mark.parametrize("door", DOORS)
def test_change_a_target(client_as, api_as, erp, availability, actor, allowed, door):
    target_values = _target_values(name="Availability", target_value="99.9")

    accepted = door(
        client_as,
        api_as,
        actor,
        service=erp,
        values=_values(erp),
        target=availability,
        target_values=target_values,
    )

    assert accepted == allowed
    availability.refresh_from_db()
    assert availability.target_value == Decimal("99.9" if allowed else "99.5")


# --- The same answer in words ---------------------------------------------------------------


def test_the_refusal_says_the_same_on_the_form_and_in_the_api(client_as, api_as, other_rm, erp):
    page = client_as("other_rm").post(
        reverse("services:service-edit", args=[erp.pk]), _service_form(_values(erp, description="Mine"))
    )
    assert page.status_code == 400 and CATALOGUE_REFUSAL in html.unescape(page.content.decode())
    response = api_as("other_rm").patch(f"/api/v1/services/{erp.pk}/", {"description": "Mine"}, format="json")
    assert response.status_code == 403 and response.json()["detail"] == CATALOGUE_REFUSAL
    erp.refresh_from_db()
    assert erp.description == ""


def test_bad_targets_get_the_forms_message_in_the_api_too(client_as, api_as, erp, availability):
    message = "An availability is a percentage from 0 to 100."
    too_high = _target_values(name="Uptime", target_value="140")
    page = client_as("rm").post(reverse("services:target-create", args=[erp.pk]), _target_form(too_high))
    assert page.status_code == 400 and page.context["form"].errors["target_value"] == [message]
    response = api_as("rm").post("/api/v1/targets/", {**too_high, "service": erp.pk}, format="json")
    assert response.status_code == 400 and response.json()["target_value"] == [message]

    # A name is unique per service whatever its case: the service says so for both doors.
    twice = _target_values(name="AVAILABILITY", target_value="99")
    message = "ERP already has a target called AVAILABILITY."
    page = client_as("rm").post(reverse("services:target-create", args=[erp.pk]), _target_form(twice))
    assert page.status_code == 400 and page.context["form"].errors["name"] == [message]
    response = api_as("rm").post("/api/v1/targets/", {**twice, "service": erp.pk}, format="json")
    assert response.status_code == 400 and response.json()["name"] == [message]
    assert list(ServiceLevelTarget.objects.values_list("name", flat=True)) == ["Availability"]


def test_an_owner_cannot_move_a_target_to_a_service_of_someone_else(api_as, other_rm, erp, availability):
    others = ServiceFactory(name="CRM", code="crm", owner=other_rm)
    response = api_as("rm").patch(
        f"/api/v1/targets/{availability.pk}/", {"service": others.pk}, format="json"
    )
    assert response.status_code == 403 and response.json()["detail"] == CATALOGUE_REFUSAL
    availability.refresh_from_db()
    assert availability.service == erp
