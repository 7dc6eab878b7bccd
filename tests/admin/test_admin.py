import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from customers.models import Contact
from tests.customers.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model",
    [
        "customers/businessunit",
        "customers/contact",
        "services/service",
        "services/agreement",
        "services/subscription",
        "services/measurement",
        "relationships/interaction",
        "relationships/requirement",
        "relationships/escalation",
        "relationships/surveyinvitation",
        "notifications/outgoingemail",
    ],
)
def test_every_admin_list_opens_with_search_and_filters(admin_client, unit_a, purchaser_a, model):
    response = admin_client.get(f"/admin/{model}/?q=acme")
    assert response.status_code == 200


def test_portal_access_is_given_and_revoked_from_the_admin(
    admin_client, unit_a, django_capture_on_commit_callbacks
):
    contact = ContactFactory(unit=unit_a, email="new.person@acme.example", role=Contact.Role.PURCHASER)
    url = reverse("admin:customers_contact_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url, {"action": "grant_portal_access", "_selected_action": [contact.pk]}, follow=True
        )
    assert "Portal access given for 1 contact." in response.content.decode()
    contact.refresh_from_db()
    assert contact.user is not None
    assert [m.to for m in mail.outbox] == [["new.person@acme.example"]]

    response = admin_client.post(
        url, {"action": "revoke_portal_access", "_selected_action": [contact.pk]}, follow=True
    )
    assert "Portal access revoked for 1 contact." in response.content.decode()
    assert not get_user_model().objects.get(username__iexact="new.person@acme.example").is_active


def test_a_campaign_shows_its_dispatch_and_results(admin_client, purchaser_a):
    from tests.relationships.factories import SurveyInvitationFactory, SurveyResponseFactory

    invitation = SurveyInvitationFactory(contact=purchaser_a)
    SurveyResponseFactory(invitation__campaign=invitation.campaign, overall_satisfaction=4, recommend_score=9)
    response = admin_client.get(reverse("admin:relationships_surveycampaign_changelist"))
    assert "0 / 2 (0%)" in response.content.decode()
    response = admin_client.get(
        reverse("admin:relationships_surveycampaign_change", args=[invitation.campaign.pk])
    )
    assert "1 of 2 answered · satisfaction 4.0 / 5 · NPS 100" in response.content.decode()


def test_the_admin_shows_a_unit_but_changes_go_through_the_portal(admin_client, unit_a, unit_b):
    """A superuser's form that saved models directly would skip the rules of every other door."""
    url = reverse("admin:customers_businessunit_change", args=[unit_a.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and unit_a.name in page.content.decode()
    assert 'name="name"' not in page.content.decode()
    response = admin_client.post(url, {"name": "Renamed", "code": unit_a.code, "parent": unit_b.pk})
    assert response.status_code == 403
    unit_a.refresh_from_db()
    assert unit_a.name != "Renamed" and unit_a.parent_id != unit_b.pk
    assert admin_client.get(reverse("admin:customers_businessunit_add")).status_code == 403
    assert (
        admin_client.post(
            reverse("admin:customers_businessunit_delete", args=[unit_a.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert type(unit_a).objects.filter(pk=unit_a.pk).exists()
