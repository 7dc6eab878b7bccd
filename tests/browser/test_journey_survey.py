"""The anonymous survey respondent's journey on the demo of `make run`, in headless Chromium:
the scheduling job mails the invitations; Piet (Accounts Payable) opens the link from the
e-mail as received, signed out, answers every question (first forgetting one), lands on the
thank-you page, and his poor answer is followed up by his relationship manager once the
campaign closes. The used link then thanks him; a garbled one is the closed-link page."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.utils.formats import date_format

from relationships import jobs, notifications
from relationships.models import (
    FollowUpAction,
    SurveyCampaign,
    SurveyInvitation,
    SurveyResponse,
)

from .conftest import SCREENSHOTS, assert_fits_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

User = get_user_model()

PIET = "piet.smit@northwind.example"
ANNA = "anouk.visser@northwind.example"  # a stakeholder: never asked
# Accounts Payable uses four services: two general questions, one each, a comment.
AP_SERVICES = ["E-mail & collaboration", "ERP Finance", "Service desk", "Workplace & laptops"]
SIZES = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}


def _shots(page, name):
    """The page at both widths, each without sideways scrolling, saved whole."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in SIZES.items():
        page.set_viewport_size(size)
        assert_fits_width(page)
        page.screenshot(path=str(SCREENSHOTS / f"journey-survey-{name}-{label}.png"), full_page=True)
    page.set_viewport_size(SIZES["1366"])


@pytest.fixture
def invitation_mail(demo, live_server, settings):
    """Run the survey scheduling job as beat would (its after-commit sending in-process) and
    return Piet's invitation e-mail as the mail server got it."""
    settings.BRM_BASE_URL = live_server.url  # the links in the e-mails point at this server
    mail.outbox.clear()
    call_command("run_job", "survey_schedule", "--inline")
    [message] = [m for m in mail.outbox if m.to == [PIET]]
    assert not [m for m in mail.outbox if ANNA in m.to]
    return message


def test_invitation_mail_counts_the_questions_and_offers_settings_and_unsubscribe(
    invitation_mail, live_server, page
):
    message = invitation_mail
    assert message.subject == "How is IT doing for Accounts Payable? Two minutes of your time"
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    text = message.body
    assert "There are 7 questions, and no login is needed" in text  # 2 + 4 services + comment
    assert "There are 7 questions" in html
    settings_link = f"{live_server.url}/portal/notifications/"  # Piet has a portal login
    assert f"Your e-mail settings, where you can also stop the surveys: {settings_link}" in text
    assert f'href="{settings_link}"' in html
    [unsubscribe] = re.findall(r"^<(.+)>$", message.extra_headers["List-Unsubscribe"])
    assert unsubscribe.startswith(f"{live_server.url}/s/stop/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The HTML part as a mail program shows it.
    page.set_content(html)
    page.get_by_role("link", name="Answer the survey").wait_for()
    _shots(page, "mail")
    # The List-Unsubscribe page opens (and changes nothing on a GET).
    page.goto(unsubscribe)
    page.get_by_role("heading", name="Stop survey e-mails?").wait_for()
    assert notifications.preferences_for(user=User.objects.get(username="piet"))["surveys"] == "immediate"
    _shots(page, "stop-mails")
    page.get_by_role("button", name="Stop survey e-mails").click()
    page.get_by_role("heading", name="Done: survey e-mails are stopped").wait_for()
    # The same choice his Notifications page shows.
    assert notifications.preferences_for(user=User.objects.get(username="piet"))["surveys"] == "off"
    _shots(page, "stopped")


def test_respondent_answers_from_the_mailed_link_and_is_followed_up(
    invitation_mail, live_server, page, browser
):
    [link] = re.findall(rf"{re.escape(live_server.url)}/s/[A-Za-z0-9_-]+/", invitation_mail.body)
    invitation = SurveyInvitation.objects.select_related("campaign").get(contact__email=PIET, status="sent")
    # `page` is a browser of its own, signed out.
    opened = page.goto(link)
    assert opened.status == 200
    page.get_by_role("heading", name="Hello Piet, how is IT doing for Accounts Payable?").wait_for()
    for service in AP_SERVICES:
        page.get_by_role("group", name=service).wait_for()
    _shots(page, "answer")

    # Forgetting the first question: told next to it, nothing saved, the rest kept.
    page.get_by_role("group", name="How likely are you to recommend").get_by_text("3", exact=True).click()
    page.get_by_role("button", name="Send my answers").click()
    overall = page.get_by_role("group", name="Overall, how satisfied")
    overall.get_by_text("Choose how satisfied you are, from 1 to 5.").wait_for()
    assert overall.get_attribute("aria-describedby") == "id_overall_satisfaction_error"
    assert page.get_by_role("group", name="How likely are you to recommend").get_by_label("3").is_checked()
    assert not SurveyResponse.objects.filter(invitation=invitation).exists()
    _shots(page, "answer-error")

    overall.get_by_text("2 — Poor").click()
    ratings = dict(zip(AP_SERVICES, ["4 — Good", "1 — Very poor", "3 — Fair", "4 — Good"], strict=True))
    for service, rating in ratings.items():
        page.get_by_role("group", name=service).get_by_text(rating).click()
    page.get_by_label("Anything you would like to tell us?").fill("ERP is slow at month end again.")
    with page.expect_response(lambda response: response.url.endswith("/s/thanks/")) as thanks:
        page.get_by_role("button", name="Send my answers").click()
    assert thanks.value.status == 200
    page.get_by_role("heading", name="Thank you, Piet!").wait_for()
    body = page.locator("main").inner_text()
    assert "cannot be used" not in body and "incomplete" not in body
    for answer in ("2 of 5 · Poor", "3 of 10", "1 of 5 · Very poor", "ERP is slow at month end again."):
        assert answer in body
    assert "Rita Verhoeven, your relationship manager for Accounts Payable" in body
    assert "Rita Verhoeven will contact you to follow up" in body
    _shots(page, "thanks")

    # What the database holds: the answer, its ratings, Rita's follow-up action.
    response = SurveyResponse.objects.get(invitation=invitation)
    assert (response.overall_satisfaction, response.recommend_score) == (2, 3)
    assert response.comment == "ERP is slow at month end again."
    assert {
        r.subscription.service.name: r.rating
        for r in response.ratings.select_related("subscription__service")
    } == {
        "E-mail & collaboration": 4,
        "ERP Finance": 1,
        "Service desk": 3,
        "Workplace & laptops": 4,
    }
    invitation.refresh_from_db()
    assert invitation.status == SurveyInvitation.Status.RESPONDED
    [action] = FollowUpAction.objects.filter(survey_response=response)
    assert action.owner.username == "rita"
    assert f"to follow up, by {date_format(action.due_on, 'j M Y')}" in body

    # The campaign closes as the job closes it: results counted, the follow-up kept, not doubled.
    closing = invitation.campaign.closes_at + datetime.timedelta(minutes=1)
    jobs.survey_remind_and_close(now=closing)  # the demo's running Operations campaign closes too
    invitation.campaign.refresh_from_db()
    assert invitation.campaign.status == SurveyCampaign.Status.CLOSED
    assert list(FollowUpAction.objects.filter(survey_response=response)) == [action]
    assert action.status == FollowUpAction.Status.OPEN
    assert not SurveyInvitation.objects.filter(campaign=invitation.campaign, status="sent").exists()

    # Reopening the used link from the e-mail: thanked, not told the link is broken.
    reopened = page.goto(link)
    assert reopened.status == 200
    page.get_by_role("heading", name="You have already answered this survey").wait_for()
    assert page.locator("form").count() == 0
    _shots(page, "used")

    # Anyone else with that link, or a garbled one: the one closed-link page.
    stranger = browser.new_context(viewport=SIZES["1366"]).new_page()
    for url in (link, link[:-4] + "xyz/"):
        answered = stranger.goto(url)
        assert answered.status == 404
        stranger.get_by_role("heading", name="This survey link cannot be used").wait_for()
        assert "Accounts Payable" not in stranger.content() and "Piet" not in stranger.content()
    _shots(stranger, "garbled")
    stranger.context.close()
