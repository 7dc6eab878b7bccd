"""Who may raise an escalation for a unit, answered alike through every door: the staff
form, the portal form and the API.

The rule (relationships.services.escalation_ensure_may_raise): on the staff side the unit's
relationship manager or who manages every unit (IT management, the steering group); on the
business side a contact who sees the unit (any role: their own unit, a customer also the
units below theirs). The staff pages are not a door of the business, nor the portal one of
staff: each face sends the other side away, so there the answer is always no.
"""

import pytest
from django.urls import reverse

from relationships.models import Escalation

pytestmark = pytest.mark.django_db

STAFF = {"rm", "other_rm", "it_manager", "steering_member"}
BUSINESS = {"customer_a", "purchaser_a", "contact_b"}


def _values(unit) -> dict:
    return {"unit": unit.pk, "subject": "Invoices bounce", "description": "Since Monday.", "severity": "high"}


def staff_form(client_as, api_as, actor, unit) -> bool:
    response = client_as(actor).post(reverse("relationships:escalation-raise"), _values(unit), follow=True)
    return "raised at level 1" in response.content.decode()


def portal_form(client_as, api_as, actor, unit) -> bool:
    response = client_as(actor).post(reverse("portal:escalation-create"), _values(unit), follow=True)
    return "Your escalation is raised" in response.content.decode()


def api(client_as, api_as, actor, unit) -> bool:
    return api_as(actor).post("/api/v1/escalations/", _values(unit), format="json").status_code == 201


DOORS = {staff_form: STAFF, portal_form: BUSINESS, api: STAFF | BUSINESS}


@pytest.mark.parametrize(
    "actor, allowed",
    [
        ("rm", False),  # Sales Operations is Otto's unit, not in Rita's portfolio
        ("other_rm", True),
        ("it_manager", True),
        ("steering_member", True),
        ("contact_b", True),  # the customer of Sales Operations
        ("customer_a", False),  # Finance's customer does not see Sales Operations
        ("purchaser_a", False),
        ("anonymous", False),
    ],
)
@pytest.mark.parametrize("door", list(DOORS))
def test_raise_an_escalation_for_another_managers_unit(client_as, api_as, unit_b, actor, allowed, door):
    accepted = door(client_as, api_as, actor, unit_b)

    expected = allowed and actor in DOORS[door]
    assert accepted == expected
    assert Escalation.objects.filter(unit=unit_b, subject="Invoices bounce").count() == (1 if expected else 0)


@pytest.mark.parametrize(
    "actor, allowed",
    [
        ("rm", True),
        ("other_rm", False),
        ("it_manager", True),
        ("steering_member", True),
        ("customer_a", True),  # a customer of Finance raises for the units below it too
        ("purchaser_a", True),  # any contact of the unit itself
        ("contact_b", False),
        ("anonymous", False),
    ],
)
@pytest.mark.parametrize("door", list(DOORS))
def test_raise_an_escalation_for_a_unit_of_rms_portfolio(client_as, api_as, unit_a, actor, allowed, door):
    accepted = door(client_as, api_as, actor, unit_a)

    expected = allowed and actor in DOORS[door]
    assert accepted == expected
    assert Escalation.objects.filter(unit=unit_a, subject="Invoices bounce").count() == (1 if expected else 0)


def test_the_refusal_says_the_same_on_the_page_and_in_the_api(client_as, api_as, unit_b):
    message = (
        "Sales Operations is not in your portfolio: only its relationship manager or IT management "
        "may raise an escalation for it."
    )
    page = client_as("rm").post(reverse("relationships:escalation-raise"), _values(unit_b))
    assert message in page.content.decode()
    response = api_as("rm").post("/api/v1/escalations/", _values(unit_b), format="json")
    assert response.status_code == 403 and response.json()["detail"] == message
    assert not Escalation.objects.exists()
