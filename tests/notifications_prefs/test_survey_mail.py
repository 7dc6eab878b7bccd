"""The survey e-mails (invitation and reminder): they count the questions the survey asks,
link to the person's e-mail settings, and carry List-Unsubscribe with one click (RFC 8058),
which sets the same preference the portal's Notifications page shows."""

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from customers.services import contact_grant_portal_access
from notifications.models import NotificationKind, NotificationPreference, OutgoingEmail
from portal.forms import SurveyForm
from relationships import jobs, notifications, rules
from relationships.models import SurveyInvitation
from relationships.selectors_survey import survey_subscriptions
from tests.customers.factories import ContactFactory
from tests.jobs.conftest import START, sent_to
from tests.services.factories import ServiceFactory

from .conftest import IMMEDIATE, OFF

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
SETTINGS_URL = "/portal/notifications/"


@pytest.fixture
def anna(unit_a):
    """A customer of Accounts Payable without a portal login: no settings page of her own."""
    return ContactFactory(unit=unit_a, email="Anna@acme.example", role="customer", first_name="Anna")


@pytest.fixture
def invited(time_machine, run, subscribe, unit_a, purchaser_a, anna):
    """Accounts Payable uses four services; Piet (a login) and Anna (none) are asked."""
    for name in ("Invoice scanning", "Payments", "Service desk", "Workplace"):
        subscribe(unit_a, service=ServiceFactory(name=name))
    time_machine.move_to(START, tick=False)
    return run(jobs.survey_schedule)


def _invitation_to(address):
    [message] = [m for m in sent_to(address) if m.subject.startswith("How is IT doing")]
    return message


def _opt_out_url(message) -> str:
    [link] = re.findall(r"^<(.+)>$", message.extra_headers["List-Unsubscribe"])
    return link


def test_the_question_count_is_the_forms(unit_a, subscribe):
    for count in range(3):
        subs = survey_subscriptions(unit_id=unit_a.pk)
        assert rules.survey_question_count(services_rated=len(subs)) == len(
            SurveyForm(subscriptions=subs).fields
        )
        subscribe(unit_a, service=ServiceFactory(name=f"Service {count}"))


def test_the_invitation_counts_the_questions_asked(invited, purchaser_a):
    message = _invitation_to(purchaser_a.email)
    [(html, _)] = message.alternatives
    # Overall, recommend, one per service (four), a comment.
    for body in (message.body, html):
        assert "There are 7 questions" in body
        assert "Five" not in body and "five" not in body


@pytest.mark.parametrize("who", ["purchaser_a", "anna"])
def test_invitation_and_reminder_link_to_the_settings_and_carry_list_unsubscribe(
    request, time_machine, run, invited, who
):
    contact = request.getfixturevalue(who)
    time_machine.move_to(START + 7 * DAY, tick=False)
    run(jobs.survey_remind_and_close)
    messages = sent_to(contact.email.lower()) or sent_to(contact.email)
    assert [m.subject.split(":")[0] for m in messages] == [
        "How is IT doing for Accounts Payable? Two minutes of your time",
        "Reminder",
    ]
    settings_link = (
        f"http://127.0.0.1:8000{SETTINGS_URL}"
        if contact.user_id
        else notifications.survey_opt_out_link(contact=contact)
    )
    for message in messages:
        assert (
            message.extra_headers["List-Unsubscribe"]
            == f"<{notifications.survey_opt_out_link(contact=contact)}>"
        )
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "Message-ID" in message.extra_headers
        [(html, _)] = message.alternatives
        assert f"Your e-mail settings, where you can also stop the surveys: {settings_link}" in message.body
        assert f'href="{settings_link}"' in html
        # The header survives the outbox as generated for the mail server.
        assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in message.message().as_string()


def test_a_mail_programs_one_click_stops_the_surveys_of_a_contact_without_login(
    time_machine, run, invited, anna, subscribe, unit_a
):
    url = _opt_out_url(_invitation_to(anna.email))
    mail_program = Client(enforce_csrf_checks=True)  # no cookie, no CSRF token: RFC 8058

    response = mail_program.post(url, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert "Done: survey e-mails are stopped" in response.content.decode()
    assert NotificationPreference.objects.get(address="anna@acme.example").delivery == OFF
    # Not reminded, and not e-mailed by the next campaign (still invited: counted as not answering).
    mail.outbox.clear()
    time_machine.move_to(START + 7 * DAY, tick=False)
    run(jobs.survey_remind_and_close)
    time_machine.move_to(START + 120 * DAY, tick=False)
    run(jobs.survey_remind_and_close)
    assert run(jobs.survey_schedule) is not None
    assert sent_to(anna.email) == []
    assert SurveyInvitation.objects.filter(contact=anna).count() == 2
    assert (
        OutgoingEmail.objects.filter(withheld__has_key=anna.email).count() == 2
    )  # the reminder, the next invitation


def test_stopping_from_the_link_is_the_choice_the_settings_page_shows(invited, purchaser_a):
    url = _opt_out_url(_invitation_to(purchaser_a.email))
    piet = Client()
    page = piet.get(url)
    assert page.status_code == 200 and "Stop survey e-mails?" in page.content.decode()
    assert not NotificationPreference.objects.exists()  # opening the link changes nothing

    stopped = piet.post(url, {"choice": "stop"})
    assert "Done: survey e-mails are stopped" in stopped.content.decode()
    assert (
        NotificationPreference.objects.get(user=purchaser_a.user, kind=NotificationKind.SURVEYS).delivery
        == OFF
    )
    piet.force_login(purchaser_a.user)
    settings_page = piet.get(SETTINGS_URL)
    assert settings_page.context["form"]["surveys"].value() == OFF

    resumed = piet.post(url, {"choice": "resume"})
    assert "Done: you will be asked again" in resumed.content.decode()
    assert piet.get(SETTINGS_URL).context["form"]["surveys"].value() == IMMEDIATE


def test_a_login_given_after_stopping_starts_from_that_choice(invited, anna, rm, run):
    Client().post(_opt_out_url(_invitation_to(anna.email)), {"choice": "stop"})
    run(contact_grant_portal_access, contact=anna, by=rm)
    anna.refresh_from_db()
    assert notifications.preferences_for(user=anna.user)["surveys"] == OFF
    assert notifications.survey_mail_delivery_for(contact=anna) == OFF
    # Her own choice on the settings page wins from then on.
    notifications.notification_preferences_save(user=anna.user, choices={"surveys": IMMEDIATE})
    assert notifications.survey_mail_delivery_for(contact=anna) == IMMEDIATE


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-1], lambda t: "1" + t, lambda t: t.split(":")[0], lambda t: "x"]
)
def test_a_forged_or_mangled_link_stops_nothing(invited, anna, mangle):
    token = notifications.survey_opt_out_token(contact=anna)
    response = Client().post(reverse("survey:opt-out", args=[mangle(token)]), {"choice": "stop"})
    assert response.status_code == 404
    assert "This link cannot be used" in response.content.decode()
    assert not NotificationPreference.objects.exists()
