import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from relationships.models import FollowUpAction, ServiceRating, SurveyInvitation, SurveyResponse
from tests.portal.conftest import subscribe
from tests.relationships.factories import SurveyCampaignFactory, SurveyInvitationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(purchaser_a):
    return SurveyInvitationFactory(contact=purchaser_a)


@pytest.fixture
def subs(unit_a):
    return [subscribe(unit_a, name="Invoice scanning"), subscribe(unit_a, name="Payments platform")]


def link(invitation):
    return reverse("survey:answer", args=[invitation.token])


def test_the_link_shows_the_questions_without_login(client, invitation, subs):
    response = client.get(link(invitation))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Invoice scanning" in page and "Payments platform" in page
    # Radio groups are fieldsets with a legend, every input has a label.
    assert page.count("<fieldset") >= 4 and "<legend" in page
    assert response["Cache-Control"].startswith("max-age=0")
    assert response["Referrer-Policy"] == "same-origin"


def test_an_answer_is_saved_once_and_the_respondent_lands_on_a_thank_you_page(client, invitation, subs):
    data = {
        "overall_satisfaction": "4",
        "recommend_score": "9",
        f"rating_{subs[0].pk}": "5",
        f"rating_{subs[1].pk}": "",
        "comment": "Fine.",
    }
    response = client.post(link(invitation), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("survey:thanks")  # POST, redirect, GET
    answer = SurveyResponse.objects.get()
    assert (answer.overall_satisfaction, answer.recommend_score, answer.comment) == (4, 9, "Fine.")
    assert list(ServiceRating.objects.values_list("subscription", "rating")) == [(subs[0].pk, 5)]
    invitation.refresh_from_db()
    assert invitation.status == SurveyInvitation.Status.RESPONDED

    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    page = thanks.content.decode()
    assert "Thank you, Piet" in page and "Your answers were received" in page
    assert "cannot be used" not in page and "incomplete" not in page
    # What they answered, and what happens next.
    assert "4 of 5" in page and "9 of 10" in page and "Fine." in page
    assert "Invoice scanning" in page and "No opinion" in page
    assert invitation.unit.relationship_manager.get_full_name() in page
    assert thanks["Cache-Control"].startswith("max-age=0") and thanks["Referrer-Policy"] == "same-origin"

    # The respondent reopens the link from their e-mail: thanked again, no broken link.
    again = client.get(link(invitation))
    assert again.status_code == 200
    page = again.content.decode()
    assert "already answered" in page and "cannot be used" not in page and "<form" not in page

    second = client.post(link(invitation), data)
    assert second.status_code == 200 and "already answered" in second.content.decode()
    assert SurveyResponse.objects.count() == 1


def test_the_thanks_are_for_the_respondents_browser_only(client, invitation, subs):
    client.post(link(invitation), {"overall_satisfaction": "4", "recommend_score": "9"})
    unknown = Client().get(reverse("survey:answer", args=["A" * 43]))
    for other in (Client(), Client(cookies={})):
        used = other.get(link(invitation))
        assert used.status_code == 404 and used.content == unknown.content
        thanks = other.get(reverse("survey:thanks"))
        assert thanks.status_code == 404 and thanks.content == unknown.content


def test_a_poor_answer_is_told_who_follows_it_up(client, invitation, subs, rm):
    response = client.post(
        link(invitation), {"overall_satisfaction": "2", "recommend_score": "3"}, follow=True
    )
    page = response.content.decode()
    action = FollowUpAction.objects.get()
    assert response.status_code == 200
    assert f"{rm.get_full_name()} will contact you" in page
    assert date_format(action.due_on, "j M Y") in page


def test_a_poor_answer_opens_a_follow_up_for_the_manager(client, invitation, subs, rm):
    client.post(link(invitation), {"overall_satisfaction": "1", "recommend_score": "2"})
    assert FollowUpAction.objects.get().owner == rm


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"recommend_score": "5"}, "overall_satisfaction", "Choose how satisfied you are, from 1 to 5."),
        ({"overall_satisfaction": "3"}, "recommend_score", "Choose a number from 0"),
        (
            {"overall_satisfaction": "9", "recommend_score": "5"},
            "overall_satisfaction",
            "Select a valid choice.",
        ),
        ({"overall_satisfaction": "3", "recommend_score": "11"}, "recommend_score", "Select a valid choice."),
        ({"overall_satisfaction": "3", "recommend_score": "-1"}, "recommend_score", "Select a valid choice."),
        (
            {"overall_satisfaction": "abc", "recommend_score": "5"},
            "overall_satisfaction",
            "Select a valid choice.",
        ),
        (
            {"overall_satisfaction": "3", "recommend_score": "5", "rating": "7"},
            "rating",
            "Select a valid choice.",
        ),
        (
            {"overall_satisfaction": "3", "recommend_score": "5", "comment": "x" * 5001},
            "comment",
            "at most 5000",
        ),
    ],
)
def test_bad_answers_are_answered_by_the_question_and_save_nothing(
    client, invitation, subs, data, field, message
):
    if "rating" in data:
        data[f"rating_{subs[0].pk}"] = data.pop("rating")
        field = f"rating_{subs[0].pk}"
    response = client.post(link(invitation), data)
    assert response.status_code == 400
    assert any(message in e for e in response.context["form"].errors[field])
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not SurveyResponse.objects.exists()
    invitation.refresh_from_db()
    assert invitation.status == SurveyInvitation.Status.SENT


def test_a_rating_for_another_units_service_is_ignored(client, invitation, subs, unit_b):
    foreign = subscribe(unit_b, name="Sales CRM")
    client.post(
        link(invitation), {"overall_satisfaction": "4", "recommend_score": "8", f"rating_{foreign.pk}": "1"}
    )
    assert not ServiceRating.objects.exists()
    assert SurveyResponse.objects.count() == 1


@pytest.mark.parametrize("make", ["used", "expired", "campaign_over", "unknown", "garbage"])
def test_used_expired_and_unknown_links_get_one_page_that_reveals_nothing(client, purchaser_a, make):
    # tests/security/test_survey_links.py compares these answers byte for byte.
    invitation = SurveyInvitationFactory(contact=purchaser_a)
    url = link(invitation)
    if make == "used":
        invitation.status = SurveyInvitation.Status.RESPONDED
        invitation.save()
    elif make == "expired":
        invitation.status = SurveyInvitation.Status.EXPIRED
        invitation.save()
    elif make == "campaign_over":
        campaign = invitation.campaign
        campaign.opens_at = timezone.now() - datetime.timedelta(days=30)
        campaign.closes_at = timezone.now() - datetime.timedelta(days=1)
        campaign.save()
    elif make == "unknown":
        url = reverse("survey:answer", args=["A" * 43])
    else:
        url = "/s/%3Cscript%3E/"
    response = client.get(url)
    assert response.status_code == 404
    page = response.content.decode()
    assert "This survey link cannot be used" in page
    for secret in ["Piet", "Purchaser", "Accounts Payable", "Finance", invitation.campaign.name]:
        assert secret not in page
    assert "<form" not in page


def test_a_campaign_not_yet_open_is_unknown(client, purchaser_a):
    campaign = SurveyCampaignFactory(
        opens_at=timezone.now() + datetime.timedelta(days=2),
        closes_at=timezone.now() + datetime.timedelta(days=9),
    )
    invitation = SurveyInvitationFactory(contact=purchaser_a, campaign=campaign)
    assert client.get(link(invitation)).status_code == 404


def test_a_contact_answers_their_pending_survey_from_the_portal(client, purchaser_a, invitation, subs):
    client.force_login(purchaser_a.user)
    home = client.get(reverse("portal:home")).content.decode()
    url = reverse("portal:survey-answer", args=[invitation.pk])
    assert url in home
    bad = client.post(url, {"overall_satisfaction": "4"})
    assert bad.status_code == 400 and 'id="id_recommend_score_error"' in bad.content.decode()
    assert not SurveyResponse.objects.exists()
    response = client.post(url, {"overall_satisfaction": "4", "recommend_score": "10"})
    assert response.status_code == 302
    assert SurveyResponse.objects.get().recommend_score == 10
    assert url not in client.get(reverse("portal:home")).content.decode()
    again = client.get(url, follow=True)
    assert "already been used" in again.content.decode()
