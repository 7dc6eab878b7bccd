"""A contact of unit B never reaches unit A's objects (404, no data), and internal
interaction notes never reach any portal page."""

import pytest
from django.urls import reverse

from relationships.models import Escalation, EscalationEvent, Requirement, SurveyResponse

pytestmark = pytest.mark.django_db

A_SECRETS = ["A-secret request", "A-secret escalation", "A shared review", "Shared A notes", "Finance SLA"]


def _get_urls(world):
    return [
        reverse("portal:requirement-detail", args=[world["requirement"].pk]),
        reverse("portal:escalation-detail", args=[world["escalation"].pk]),
        reverse("portal:interaction-detail", args=[world["shared"].pk]),
        reverse("portal:interaction-detail", args=[world["internal"].pk]),
        reverse("portal:agreement-detail", args=[world["agreement"].pk]),
        reverse("portal:subscription-detail", args=[world["subscriptions"][0].pk]),
        reverse("portal:survey-answer", args=[world["invitation"].pk]),
    ]


def _post_urls(world):
    return [
        (reverse("portal:requirement-submit", args=[world["requirement"].pk]), {}),
        (reverse("portal:requirement-decide", args=[world["requirement"].pk]), {"decision": "approve"}),
        (reverse("portal:escalation-comment", args=[world["escalation"].pk]), {"note": "hello"}),
        (reverse("portal:escalation-escalate", args=[world["escalation"].pk]), {"note": "up"}),
        (reverse("portal:escalation-close", args=[world["escalation"].pk]), {}),
        (reverse("portal:agreement-sign", args=[world["agreement"].pk]), {}),
        (
            reverse("portal:survey-answer", args=[world["invitation"].pk]),
            {"overall_satisfaction": "5", "recommend_score": "10"},
        ),
    ]


def test_outsider_gets_404_for_every_object_of_another_unit(client, contact_b, world_a, world_b):
    client.force_login(contact_b.user)
    for url in _get_urls(world_a):
        response = client.get(url)
        assert response.status_code == 404, url
        for secret in A_SECRETS:
            assert secret not in response.content.decode(), url


def test_outsider_posts_to_another_units_objects_change_nothing(client, contact_b, world_a, world_b):
    client.force_login(contact_b.user)
    for url, data in _post_urls(world_a):
        assert client.post(url, data).status_code == 404, url
    requirement = Requirement.objects.get(pk=world_a["requirement"].pk)
    assert requirement.status == Requirement.Status.DRAFT
    escalation = Escalation.objects.get(pk=world_a["escalation"].pk)
    assert escalation.level == 1
    assert not EscalationEvent.objects.filter(escalation=escalation).exists()
    assert not SurveyResponse.objects.exists()


def test_outsider_lists_and_home_show_nothing_of_another_unit(client, contact_b, world_a, world_b):
    client.force_login(contact_b.user)
    for name in [
        "portal:home",
        "portal:requirement-list",
        "portal:escalation-list",
        "portal:interaction-list",
    ]:
        page = client.get(reverse(name)).content.decode()
        for secret in [*A_SECRETS, "A service 0", "Accounts Payable"]:
            assert secret not in page, (name, secret)
    home = client.get(reverse("portal:home")).content.decode()
    assert "B service" in home and "B request" in home and "B escalation" in home


def test_a_colleagues_survey_invitation_is_not_yours(client, customer_a, world_a):
    """The customer of the division sees unit A, but not the purchaser's own survey."""
    client.force_login(customer_a.user)
    assert client.get(reverse("portal:survey-answer", args=[world_a["invitation"].pk])).status_code == 404


def test_customer_of_division_sees_the_units_below(client, customer_a, world_a):
    client.force_login(customer_a.user)
    assert (
        client.get(reverse("portal:requirement-detail", args=[world_a["requirement"].pk])).status_code == 200
    )
    assert client.get(reverse("portal:agreement-detail", args=[world_a["agreement"].pk])).status_code == 200


def test_purchaser_does_not_see_the_division_above(client, purchaser_a, customer_a, division):
    from tests.relationships.factories import RequirementFactory

    above = RequirementFactory(unit=division, title="Division-level plan")
    client.force_login(purchaser_a.user)
    assert client.get(reverse("portal:requirement-detail", args=[above.pk])).status_code == 404
    assert "Division-level plan" not in client.get(reverse("portal:requirement-list")).content.decode()


@pytest.mark.parametrize("who", ["purchaser_a", "customer_a"])
def test_internal_notes_never_reach_the_portal(client, request, who, world_a):
    contact = request.getfixturevalue(who)
    client.force_login(contact.user)
    urls = [
        reverse("portal:home"),
        reverse("portal:interaction-list"),
        reverse("portal:interaction-detail", args=[world_a["shared"].pk]),
        reverse("portal:agreement-detail", args=[world_a["agreement"].pk]),
        reverse("portal:requirement-list"),
        reverse("portal:escalation-list"),
        reverse("portal:escalation-detail", args=[world_a["escalation"].pk]),
    ]
    for url in urls:
        page = client.get(url).content.decode()
        assert "INTERNAL-ONLY" not in page, url
        assert "A internal talk" not in page, url
    assert client.get(reverse("portal:interaction-detail", args=[world_a["internal"].pk])).status_code == 404
    assert "Shared A notes" in client.get(reverse("portal:interaction-list")).content.decode()


def test_staff_visiting_the_portal_go_to_their_workspace(client, rm):
    client.force_login(rm)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_a_login_without_contact_is_told_so(client, db):
    from tests.customers.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get(reverse("portal:home"))
    assert response.status_code == 403
    assert "not linked to a business unit" in response.content.decode()


def test_anonymous_visitors_are_asked_to_sign_in(client, db):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
