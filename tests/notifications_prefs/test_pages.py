"""The Notifications settings page, in the staff workspace and in the business portal."""

import pytest
from django.test import Client

from notifications.models import DigestItem, NotificationKind, NotificationPreference
from tests.relationships.factories import FollowUpActionFactory

from .conftest import DIGEST, IMMEDIATE, OFF

pytestmark = pytest.mark.django_db

STAFF_URL = "/settings/notifications/"
PORTAL_URL = "/portal/notifications/"
STAFF_CHOICES = {
    "escalations": DIGEST,
    "actions_overdue": OFF,
    "service_reviews": IMMEDIATE,
    "requirement_decisions": DIGEST,
    "orders_waiting": DIGEST,
}
BUSINESS_CHOICES = {
    "decisions_asked": DIGEST,
    "escalation_progress": OFF,
    "surveys": OFF,
    "request_outcomes": OFF,
}


def choices_of(user) -> dict:
    return dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))


@pytest.fixture
def rita(client, rm):
    client.force_login(rm)
    return client


@pytest.fixture
def piet(client, purchaser_a):
    client.force_login(purchaser_a.user)
    return client


def test_staff_see_their_kinds_with_everything_immediate_at_first(rita):
    response = rita.get(STAFF_URL)
    assert response.status_code == 200
    html = response.content.decode()
    for kind in STAFF_CHOICES:
        assert f'name="{kind}" id="id_{kind}_0" value="immediate" checked' in html
    assert "Escalations at your level" in html
    assert "Satisfaction surveys" not in html  # business kinds are the portal's
    # Escalations may be batched, not switched off.
    assert 'name="escalations" id="id_escalations_2"' not in html
    assert 'name="actions_overdue" id="id_actions_overdue_2" value="off"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_staff_save_their_choices(rita, rm):
    response = rita.post(STAFF_URL, STAFF_CHOICES, follow=True)
    assert response.redirect_chain == [(STAFF_URL, 302)]
    assert "Your notification settings are saved." in response.content.decode()
    assert choices_of(rm) == STAFF_CHOICES
    html = response.content.decode()
    assert 'name="actions_overdue" id="id_actions_overdue_2" value="off" checked' in html

    # Saving again changes, never duplicates.
    rita.post(STAFF_URL, {**STAFF_CHOICES, "actions_overdue": DIGEST})
    assert choices_of(rm)["actions_overdue"] == DIGEST
    assert NotificationPreference.objects.filter(user=rm).count() == 5


@pytest.mark.parametrize(
    "change, error",
    [
        ({"escalations": OFF}, "That is not one of the choices for these e-mails."),
        ({"service_reviews": "weekly"}, "That is not one of the choices for these e-mails."),
        ({"service_reviews": ""}, "Choose how you want these e-mails."),
    ],
)
def test_bad_input_is_a_message_and_saves_nothing(rita, rm, change, error):
    response = rita.post(STAFF_URL, {**STAFF_CHOICES, **change})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was saved: check the choices marked below." in html
    assert error in html
    assert choices_of(rm) == {}


def test_a_missing_field_is_a_message_too(rita, rm):
    response = rita.post(STAFF_URL, {"escalations": DIGEST})
    assert response.status_code == 400
    assert choices_of(rm) == {}


def test_saving_needs_the_csrf_token(rm):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rm)
    assert client.post(STAFF_URL, STAFF_CHOICES).status_code == 403
    assert choices_of(rm) == {}


def test_signed_out_people_are_sent_to_sign_in():
    client = Client()
    assert client.get(STAFF_URL)["Location"].startswith("/accounts/login/")
    assert client.get(PORTAL_URL)["Location"].startswith("/accounts/login/")


def test_each_side_keeps_to_its_own_page(rita, client, purchaser_a):
    response = rita.get(PORTAL_URL)
    assert response.status_code == 302
    client.force_login(purchaser_a.user)
    assert client.get(STAFF_URL)["Location"] == "/portal/"


def test_business_contacts_choose_in_the_portal(piet, purchaser_a):
    response = piet.get(PORTAL_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "· BRM Portal</title>" in html
    assert "Requests awaiting your decision" in html
    assert "Overdue follow-up actions" not in html

    response = piet.post(PORTAL_URL, BUSINESS_CHOICES, follow=True)
    assert response.redirect_chain == [(PORTAL_URL, 302)]
    assert "Your notification settings are saved." in response.content.decode()
    assert choices_of(purchaser_a.user) == BUSINESS_CHOICES


def test_nobody_changes_another_persons_choices(piet, purchaser_a, customer_a, rm):
    NotificationPreference.objects.create(user=customer_a.user, kind="surveys", delivery=IMMEDIATE)
    # A user id in the form is ignored, and so are kinds of the other side.
    piet.post(PORTAL_URL, {**BUSINESS_CHOICES, "user": customer_a.user.pk, "actions_overdue": OFF})
    assert choices_of(customer_a.user) == {"surveys": IMMEDIATE}
    assert choices_of(rm) == {}
    assert choices_of(purchaser_a.user) == BUSINESS_CHOICES


def test_the_menus_lead_to_the_page(rita, client, purchaser_a):
    assert f'href="{STAFF_URL}"' in rita.get("/dashboard/").content.decode()
    client.force_login(purchaser_a.user)
    assert f'href="{PORTAL_URL}"' in client.get("/portal/").content.decode()


def test_the_page_says_how_much_waits_for_the_digest(rita, rm, unit_a):
    from notifications.models import OutgoingEmail

    email = OutgoingEmail.objects.create(key="k", to=[], subject="s", body_text="t", kind="actions_overdue")
    FollowUpActionFactory(unit=unit_a)
    DigestItem.objects.create(
        user=rm,
        email=email,
        address=rm.email,
        kind="actions_overdue",
        summary="x",
        link="http://x/",
        created_at=email.created_at,
    )
    assert "1 e-mail waits for your next daily digest." in rita.get(STAFF_URL).content.decode()


def _set_all(user, kinds, delivery):
    for kind in kinds:
        NotificationPreference.objects.create(user=user, kind=kind, delivery=delivery)


def test_staff_page_queries_do_not_grow_with_choices(rita, rm, django_assert_num_queries):
    # session, user, the person's choices, the count of what waits for the digest; the
    # navigation's count of what waits for her: her groups, then escalations, orders and
    # overdue actions counted
    with django_assert_num_queries(8):
        assert rita.get(STAFF_URL).status_code == 200
    _set_all(rm, STAFF_CHOICES, DIGEST)
    with django_assert_num_queries(8):
        assert rita.get(STAFF_URL).status_code == 200


def test_portal_page_queries_do_not_grow_with_choices(piet, purchaser_a, django_assert_num_queries):
    # session, user, the person's contacts, their choices, the count waiting for the digest;
    # the navigation's count: his customer contacts (none: a purchaser decides nothing)
    with django_assert_num_queries(6):
        assert piet.get(PORTAL_URL).status_code == 200
    _set_all(purchaser_a.user, [NotificationKind.SURVEYS, NotificationKind.ESCALATION_PROGRESS], OFF)
    with django_assert_num_queries(6):
        assert piet.get(PORTAL_URL).status_code == 200
