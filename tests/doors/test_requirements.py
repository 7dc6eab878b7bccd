"""Who may decide a requirement, answered alike through every door: the staff page, the
portal's decision form and the API.

The rule (relationships.services.requirement_decide): only the deciding customer of the
requirement's unit (the active customer of the nearest unit at or above it) approves or
rejects, and a rejection says why. A purchaser prepares but never decides; staff never
decide for the business (IT management and the steering group neither). The staff pages
are not a door of the business, nor the portal one of staff: each face sends the other side
away, so there the answer is always no.
"""

import html

import pytest
from django.urls import reverse

from relationships.models import Requirement
from tests.relationships.factories import RequirementFactory

pytestmark = pytest.mark.django_db

STAFF = {"rm", "other_rm", "it_manager", "steering_member"}
BUSINESS = {"customer_a", "purchaser_a", "contact_b"}
REASON = "No budget this year."
DONE = {"approve": "approved", "reject": "rejected"}


def _submitted(unit) -> Requirement:
    return RequirementFactory(
        unit=unit, title="E-invoicing", description="Receive e-invoices.", status=Requirement.Status.SUBMITTED
    )


# --- The doors: each decides `requirement` as `actor` and says whether it was accepted ------


def staff_page(client_as, api_as, actor, requirement, decision, reason) -> bool:
    response = client_as(actor).post(
        reverse("relationships:requirement-detail", args=[requirement.pk]),
        {"step": decision, "reason": reason},
        follow=True,
    )
    return f"“{requirement.title}” {DONE[decision]}." in html.unescape(response.content.decode())


def portal_form(client_as, api_as, actor, requirement, decision, reason) -> bool:
    response = client_as(actor).post(
        reverse("portal:requirement-decide", args=[requirement.pk]),
        {"decision": decision, "reason": reason},
        follow=True,
    )
    return f"You {DONE[decision]} “{requirement.title}”." in html.unescape(response.content.decode())


def api(client_as, api_as, actor, requirement, decision, reason) -> bool:
    url = f"/api/v1/requirements/{requirement.pk}/{decision}/"
    return api_as(actor).post(url, {"reason": reason}, format="json").status_code == 200


DOORS = {staff_page: STAFF, portal_form: BUSINESS, api: STAFF | BUSINESS}


def _decided(requirement: Requirement, decision: str, by) -> bool:
    requirement.refresh_from_db()
    if requirement.status == Requirement.Status.SUBMITTED:
        assert (requirement.decided_by, requirement.decided_at, requirement.decision_reason) == (
            None,
            None,
            "",
        )
        return False
    assert requirement.status == DONE[decision]
    assert (requirement.decided_by, requirement.decision_reason) == (by, REASON)
    return True


@pytest.mark.parametrize(
    "actor, allowed",
    [
        ("rm", False),  # Accounts Payable is Rita's, but IT never decides for the business
        ("other_rm", False),
        ("it_manager", False),
        ("steering_member", False),
        ("customer_a", True),  # the customer of Finance decides for the units below it
        ("purchaser_a", False),  # prepares, never decides
        ("contact_b", False),  # the customer of another unit
        ("anonymous", False),
    ],
)
@pytest.mark.parametrize("decision", ["approve", "reject"])
@pytest.mark.parametrize("door", list(DOORS))
def test_decide_a_requirement_of_accounts_payable(
    client_as, api_as, unit_a, customer_a, actor, allowed, decision, door
):
    requirement = _submitted(unit_a)

    accepted = door(client_as, api_as, actor, requirement, decision, REASON)

    expected = allowed and actor in DOORS[door]
    assert accepted == expected
    assert _decided(requirement, decision, customer_a) == expected


@pytest.mark.parametrize(
    "actor, allowed",
    [
        ("rm", False),
        ("other_rm", False),  # Sales Operations is Otto's: still the business decides
        ("it_manager", False),
        ("steering_member", False),
        ("customer_a", False),  # Finance's customer does not decide for Sales Operations
        ("purchaser_a", False),
        ("contact_b", True),  # the customer of Sales Operations
        ("anonymous", False),
    ],
)
@pytest.mark.parametrize("door", list(DOORS))
def test_decide_a_requirement_of_sales_operations(client_as, api_as, unit_b, contact_b, actor, allowed, door):
    requirement = _submitted(unit_b)

    accepted = door(client_as, api_as, actor, requirement, "approve", REASON)

    expected = allowed and actor in DOORS[door]
    assert accepted == expected
    assert _decided(requirement, "approve", contact_b) == expected


def test_the_refusal_says_the_same_on_the_staff_page_and_in_the_api(client_as, api_as, unit_a):
    requirement = _submitted(unit_a)
    message = "Only the deciding customer of Accounts Payable (Carla Cfo) may approve a requirement."

    page = client_as("rm").post(
        reverse("relationships:requirement-detail", args=[requirement.pk]), {"step": "approve"}, follow=True
    )
    assert message in html.unescape(page.content.decode())
    response = api_as("rm").post(f"/api/v1/requirements/{requirement.pk}/approve/", {}, format="json")
    assert response.status_code == 403 and response.json()["detail"] == message
    assert not _decided(requirement, "approve", None)


def test_the_refusal_says_the_same_in_the_portal_and_in_the_api(client_as, api_as, unit_a):
    requirement = _submitted(unit_a)
    message = "Only the deciding customer of Accounts Payable (Carla Cfo) may reject a requirement."

    page = client_as("purchaser_a").post(
        reverse("portal:requirement-decide", args=[requirement.pk]), {"decision": "reject", "reason": REASON}
    )
    assert page.status_code == 403 and message in html.unescape(page.content.decode())
    response = api_as("purchaser_a").post(
        f"/api/v1/requirements/{requirement.pk}/reject/", {"reason": REASON}, format="json"
    )
    assert response.status_code == 403 and response.json()["detail"] == message
    assert not _decided(requirement, "reject", None)


def test_a_rejection_without_a_reason_is_refused_alike_in_the_portal_and_the_api(client_as, api_as, unit_a):
    requirement = _submitted(unit_a)
    message = "Say why the requirement is rejected."

    page = client_as("customer_a").post(
        reverse("portal:requirement-decide", args=[requirement.pk]), {"decision": "reject", "reason": "  "}
    )
    assert page.status_code == 400 and message in page.content.decode()
    response = api_as("customer_a").post(
        f"/api/v1/requirements/{requirement.pk}/reject/", {"reason": "  "}, format="json"
    )
    assert response.status_code == 400 and response.json()["reason"] == [message]
    assert not _decided(requirement, "reject", None)
