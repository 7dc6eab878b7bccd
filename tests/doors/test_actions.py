"""Linking a follow-up action to what it came from, answered alike through every door: the
staff form and the API (actions are IT's work: no portal door, and no import).

The rule (relationships.services.action_create): an action is opened by who may edit its
unit (its relationship manager, IT management, the steering group), and it is linked only
to an interaction (or escalation) of its own unit. One of another unit is refused with a
message naming it, through every door: never written (the API once did), never dropped
without a word (the staff form once did, and saved a free-standing action).
"""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from relationships.models import FollowUpAction
from tests.relationships.factories import EscalationFactory, InteractionFactory

pytestmark = pytest.mark.django_db

STAFF = {"rm", "other_rm", "it_manager", "steering_member"}
TITLE = "Draft the plan"


def _values(*, unit, owner, source) -> dict:
    return {
        "unit": unit.pk,
        "title": TITLE,
        "owner": owner.pk,
        "due_on": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
        **source,
    }


# --- The doors: each opens an action for `unit` linked to `source` ---------------------------


def staff_form(client_as, api_as, actor, values) -> bool:
    response = client_as(actor).post(reverse("relationships:action-create"), values, follow=True)
    return f"Action “{TITLE}” added." in html.unescape(response.content.decode())


def api(client_as, api_as, actor, values) -> bool:
    return api_as(actor).post("/api/v1/actions/", values, format="json").status_code == 201


DOORS = [staff_form, api]


@pytest.mark.parametrize(
    "actor, allowed",
    [
        ("rm", True),  # Accounts Payable is in Rita's portfolio
        ("other_rm", False),
        ("it_manager", True),
        ("steering_member", True),
        ("customer_a", False),  # actions are IT's work
        ("purchaser_a", False),
        ("contact_b", False),
        ("anonymous", False),
    ],
)
@pytest.mark.parametrize("door", DOORS)
def test_link_an_action_to_an_interaction_of_its_unit(client_as, api_as, rm, unit_a, actor, allowed, door):
    interaction = InteractionFactory(unit=unit_a, subject="Budget talk")

    accepted = door(
        client_as, api_as, actor, _values(unit=unit_a, owner=rm, source={"interaction": interaction.pk})
    )

    assert accepted == (allowed and actor in STAFF)
    assert list(FollowUpAction.objects.values_list("unit", "interaction")) == (
        [(unit_a.pk, interaction.pk)] if accepted else []
    )


@pytest.mark.parametrize(
    "actor, allowed",
    [
        ("rm", False),  # may open actions for Accounts Payable, but not on Sales Operations' meeting
        ("other_rm", False),
        ("it_manager", False),  # whoever may edit every unit: still one unit per action
        ("steering_member", False),
        ("customer_a", False),
        ("purchaser_a", False),
        ("contact_b", False),
        ("anonymous", False),
    ],
)
@pytest.mark.parametrize("door", DOORS)
def test_link_an_action_to_another_units_interaction(
    client_as, api_as, rm, unit_a, unit_b, actor, allowed, door
):
    interaction = InteractionFactory(unit=unit_b, subject="Budget talk")

    accepted = door(
        client_as, api_as, actor, _values(unit=unit_a, owner=rm, source={"interaction": interaction.pk})
    )

    assert accepted == allowed
    assert not FollowUpAction.objects.exists()  # neither linked nor saved on its own


INTERACTION_REFUSED = (
    "The interaction “Budget talk” is of Sales Operations, not of Accounts Payable: an action is "
    "linked only to an interaction of its own unit."
)


def test_the_staff_form_says_why_it_refuses_another_units_interaction(client_as, rm, unit_a, unit_b):
    interaction = InteractionFactory(unit=unit_b, subject="Budget talk")

    response = client_as("rm").post(
        reverse("relationships:action-create"),
        _values(unit=unit_a, owner=rm, source={"interaction": interaction.pk}),
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [INTERACTION_REFUSED]
    assert not FollowUpAction.objects.exists()


def test_the_api_says_why_it_refuses_another_units_interaction(api_as, rm, unit_a, unit_b):
    interaction = InteractionFactory(unit=unit_b, subject="Budget talk")

    response = api_as("rm").post(
        "/api/v1/actions/",
        _values(unit=unit_a, owner=rm, source={"interaction": interaction.pk}),
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["interaction"] == [INTERACTION_REFUSED]
    assert not FollowUpAction.objects.exists()


@pytest.mark.parametrize("door", DOORS)
def test_another_units_escalation_is_refused_alike(client_as, api_as, rm, unit_a, unit_b, door):
    escalation = EscalationFactory(unit=unit_b, subject="Slow VPN")

    accepted = door(
        client_as, api_as, "it_manager", _values(unit=unit_a, owner=rm, source={"escalation": escalation.pk})
    )

    assert not accepted
    assert not FollowUpAction.objects.exists()
