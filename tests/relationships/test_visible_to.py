"""Who sees which rows of the relationship (relationships/querysets.py): the one answer the
staff pages, the portal, the API and the search all read."""

import pytest
from django.contrib.auth.models import AnonymousUser

from relationships.models import FollowUpAction, Interaction, Opportunity, Requirement
from tests.relationships.factories import (
    FollowUpActionFactory,
    InteractionFactory,
    OpportunityFactory,
    RequirementFactory,
)

pytestmark = pytest.mark.django_db

EVERYTHING = {"a-shared", "a-internal", "b-shared", "b-internal"}


@pytest.fixture
def rows(unit_a, unit_b, rm, other_rm):
    for unit, name in ((unit_a, "a"), (unit_b, "b")):
        InteractionFactory(unit=unit, subject=f"{name}-shared", is_shared_with_business=True)
        InteractionFactory(unit=unit, subject=f"{name}-internal", is_shared_with_business=False)
        RequirementFactory(unit=unit, title=name)
        FollowUpActionFactory(unit=unit, title=name)
        OpportunityFactory(unit=unit, title=name)


@pytest.mark.parametrize(
    "actor, interactions, units",
    [
        ("rm", EVERYTHING, {"a", "b"}),  # staff read every unit; who may change one is the services'
        ("it_manager", EVERYTHING, {"a", "b"}),
        ("customer_a", {"a-shared"}, {"a"}),  # never IT's internal notes
        ("purchaser_a", {"a-shared"}, {"a"}),
        ("contact_b", {"b-shared"}, {"b"}),
        ("anonymous", set(), set()),
    ],
)
def test_what_each_actor_sees(
    rows, actor_user, customer_a, purchaser_a, contact_b, actor, interactions, units
):
    user = actor_user(actor) or AnonymousUser()
    staff = user.is_authenticated and user.is_staff

    assert set(Interaction.objects.visible_to(user).values_list("subject", flat=True)) == interactions
    assert set(Requirement.objects.visible_to(user).values_list("title", flat=True)) == units
    # Follow-up actions and opportunities are IT's own work.
    assert set(FollowUpAction.objects.visible_to(user).values_list("title", flat=True)) == (
        units if staff else set()
    )
    assert set(Opportunity.objects.visible_to(user).values_list("title", flat=True)) == (
        units if staff else set()
    )


def test_only_shared_notes_are_shared_with_the_business(rows):
    assert set(Interaction.objects.shared_with_business().values_list("subject", flat=True)) == {
        "a-shared",
        "b-shared",
    }
