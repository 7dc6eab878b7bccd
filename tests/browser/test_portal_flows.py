"""The portal end to end in headless Chromium: a purchaser prepares and submits a request,
the deciding customer approves it and the relationship manager's e-mail arrives; a contact
answers a survey through its link, is thanked, and the link cannot be used again."""

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail

from customers import roles
from relationships.models import Requirement, SurveyInvitation, SurveyResponse
from tests.portal.conftest import subscribe
from tests.relationships.factories import EscalationFactory, InteractionFactory, SurveyInvitationFactory
from tests.services.factories import AgreementFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _staff_groups(transactional_db):
    # The flush after a transactional test also drops the groups the data migration made.
    for name in (roles.RELATIONSHIP_MANAGERS, roles.IT_MANAGEMENT, roles.STEERING_GROUP):
        Group.objects.get_or_create(name=name)


@pytest.fixture
def log_in(page, live_server):
    """Start a signed-in session for `user` (the login form is the staff side's page)."""

    def do(user):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        page.context.clear_cookies()
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": live_server.url}]
        )

    return do


def test_purchaser_prepares_customer_approves_rm_is_mailed(
    page, live_server, sign_in, screenshot, rm, unit_a, customer_a, purchaser_a
):
    agreement = AgreementFactory(unit=unit_a, title="Finance services SLA", reference="sla-fin-2026")
    for name in ("Invoice scanning", "Payments platform", "Workplace & laptops"):
        subscribe(unit_a, name=name, months=6, agreement=agreement)
    EscalationFactory(unit=unit_a, subject="Payment runs fail on Fridays")
    InteractionFactory(
        unit=unit_a,
        subject="Quarterly service review",
        is_shared_with_business=True,
        notes="Availability was good; scanning backlog to be cleared by March.",
    )
    SurveyInvitationFactory(contact=purchaser_a)

    # The shared login sends a business contact to the portal.
    sign_in("piet")
    page.get_by_role("heading", name="Hello Piet").wait_for()
    assert page.url == f"{live_server.url}/portal/"
    screenshot("portal-home-purchaser")
    page.get_by_role("link", name="Invoice scanning").click()
    page.get_by_role("heading", name="Service levels, month by month").wait_for()
    screenshot("portal-service")

    page.get_by_role("link", name="Catalogue", exact=True).click()
    page.get_by_role("heading", name="Service catalogue").wait_for()
    screenshot("portal-catalogue")
    page.get_by_role("link", name="Overview").click()
    page.get_by_role("link", name="New request").first.click()
    page.get_by_role("button", name="Submit for decision").click()
    page.get_by_text("Please correct the fields marked below.").wait_for()
    screenshot("portal-requirement-form-errors")
    assert not Requirement.objects.exists()
    service_choice = page.get_by_label("Service to change")
    assert service_choice.is_hidden()  # only asked for a change request
    page.get_by_text("Change to a service", exact=True).click()
    assert service_choice.is_visible()
    page.get_by_text("New service", exact=True).click()
    page.get_by_label("Title").fill("Scan supplier invoices automatically")
    page.get_by_label("Description").fill("Invoices arrive as PDF; we want them read into the ledger.")
    page.get_by_role("button", name="Submit for decision").click()
    page.get_by_text("Your request was sent to your deciding customer.").wait_for()
    requirement = Requirement.objects.get(title="Scan supplier invoices automatically")
    assert requirement.status == Requirement.Status.SUBMITTED
    assert requirement.prepared_by == purchaser_a
    # A purchaser is never offered a decision.
    assert page.get_by_role("button", name="Approve").count() == 0

    page.get_by_role("button", name="Sign out").click()
    sign_in("carla")
    page.get_by_role("heading", name="Waiting for you: your decision").wait_for()
    screenshot("portal-home-customer")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("portal-home-phone")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_role("link", name="Review and decide").click()
    page.get_by_label("Reason").fill("Saves us two days a month.")
    mail.outbox.clear()
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("Your relationship manager is informed").wait_for()
    screenshot("portal-requirement-approved")

    requirement.refresh_from_db()
    assert requirement.status == Requirement.Status.APPROVED
    assert requirement.decided_by == customer_a
    assert requirement.decision_reason == "Saves us two days a month."
    sent = [m for m in mail.outbox if rm.email in m.to]
    assert len(sent) == 1
    assert "Scan supplier invoices automatically" in sent[0].subject


def test_contact_answers_survey_through_its_link_then_link_says_used(
    page, live_server, screenshot, unit_a, purchaser_a
):
    subscribe(unit_a, name="Invoice scanning")
    subscribe(unit_a, name="Payments platform")
    invitation = SurveyInvitationFactory(contact=purchaser_a)
    link = f"{live_server.url}/s/{invitation.token}/"

    page.goto(link)
    page.get_by_role("heading", name="how is IT doing for Accounts Payable?").wait_for()
    screenshot("survey-page")
    # Submitting empty says what is missing, by the question, and saves nothing.
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_text("Choose how satisfied you are, from 1 to 5.").wait_for()
    screenshot("survey-page-errors")
    assert not SurveyResponse.objects.exists()

    page.get_by_role("group", name="Overall, how satisfied").get_by_text("4 — Good").click()
    page.get_by_role("group", name="How likely are you to recommend").get_by_text("9", exact=True).click()
    page.get_by_role("group", name="Invoice scanning").get_by_text("5 — Excellent").click()
    page.get_by_label("Anything you would like to tell us?").fill("Scanning got much faster.")
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name="Thank you, Piet!").wait_for()
    screenshot("survey-thanks")

    response = SurveyResponse.objects.get()
    assert (response.overall_satisfaction, response.recommend_score) == (4, 9)
    assert [r.rating for r in response.ratings.all()] == [5]
    invitation.refresh_from_db()
    assert invitation.status == SurveyInvitation.Status.RESPONDED

    page.goto(link)  # the browser that answered is thanked again
    page.get_by_role("heading", name="You have already answered this survey").wait_for()
    screenshot("survey-used")
    page.context.clear_cookies()  # any other browser: the one closed-link page
    page.goto(link)
    page.get_by_role("heading", name="This survey link cannot be used").wait_for()
    assert "Accounts Payable" not in page.content()


def test_survey_can_be_answered_with_the_keyboard_alone(page, live_server, unit_a, purchaser_a):
    first = subscribe(unit_a, name="Invoice scanning")
    subscribe(unit_a, name="Payments platform")
    invitation = SurveyInvitationFactory(contact=purchaser_a)
    page.goto(f"{live_server.url}/s/{invitation.token}/")
    keys = page.keyboard
    keys.press("Tab")  # into the satisfaction group
    keys.press("Space")  # 1
    for _ in range(3):
        keys.press("ArrowRight")  # ... 4
    keys.press("Tab")  # into the recommend group
    keys.press("Space")  # 0
    for _ in range(9):
        keys.press("ArrowRight")  # ... 9
    keys.press("Tab")  # first service: "No opinion" is checked
    for _ in range(5):
        keys.press("ArrowRight")  # ... 5
    keys.press("Tab")  # second service, left at "No opinion"
    keys.press("Tab")  # the comment
    keys.type("Answered without a mouse.")
    keys.press("Tab")  # the button
    keys.press("Enter")
    page.get_by_role("heading", name="Thank you, Piet!").wait_for()
    response = SurveyResponse.objects.get()
    assert (response.overall_satisfaction, response.recommend_score, response.comment) == (
        4,
        9,
        "Answered without a mouse.",
    )
    assert [(r.subscription_id, r.rating) for r in response.ratings.all()] == [(first.pk, 5)]


def test_contact_raises_an_escalation_and_sees_its_route(
    page, live_server, log_in, screenshot, unit_a, purchaser_a, it_manager, steering_member
):
    subscribe(unit_a, name="Payments platform")
    log_in(purchaser_a.user)
    page.goto(f"{live_server.url}/portal/escalations/new/")
    page.get_by_role("button", name="Raise the escalation").click()
    page.get_by_text("This field is required.").first.wait_for()
    screenshot("portal-escalation-form-errors")
    page.get_by_label("Subject").fill("Payment runs fail every Friday")
    page.get_by_role("group", name="How serious is it?").get_by_text("High").click()
    page.get_by_label("Affected service").select_option(label="Payments platform")
    page.get_by_label("Description").fill("Since the upgrade, supplier payments stop halfway.")
    page.get_by_role("button", name="Raise the escalation").click()
    page.get_by_text("Your escalation is raised.").wait_for()
    page.get_by_label("Your comment").fill("It happened again today.")
    page.get_by_role("button", name="Add comment").click()
    page.get_by_text("Your comment is added.").wait_for()
    assert page.get_by_text("Ivo Itman").count() == 1
    assert page.get_by_text("Stella Steer").count() == 1
    screenshot("portal-escalation-detail")
