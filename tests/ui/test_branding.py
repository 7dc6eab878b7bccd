"""One product name, BRM Portal, wherever a person meets the product (page titles, the
navbar, the sign-in page, error and survey pages, e-mails, the admin, the API docs), the
favicon on every page and at /favicon.ico, and a change-password link in both faces."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.relationships.factories import SurveyInvitationFactory

pytestmark = pytest.mark.django_db

OTHER_NAMES = re.compile(r"IT services portal|· BRM<|>BRM<|Django administration|Django site admin")


def assert_brand_and_icons(html: str) -> None:
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title.strip().endswith("BRM Portal"), title
    assert not OTHER_NAMES.search(html)
    for icon in ("img/favicon.svg", "img/favicon-32.png", "img/apple-touch-icon.png"):
        assert f"/static/{icon}" in html
        assert finders.find(icon), icon


def test_the_staff_workspace_is_called_brm_portal(client, rm, unit_a):
    client.force_login(rm)
    html = client.get(reverse("relationships:dashboard")).content.decode()
    assert_brand_and_icons(html)
    assert '<span class="fw-semibold">BRM Portal</span>' in html


def test_the_business_portal_is_called_brm_portal(client, purchaser_a):
    client.force_login(purchaser_a.user)
    html = client.get(reverse("portal:home")).content.decode()
    assert_brand_and_icons(html)
    assert '<span class="fw-semibold">BRM Portal</span>' in html


def test_the_sign_in_survey_and_error_pages_are_called_brm_portal(client, purchaser_a):
    assert_brand_and_icons(client.get(reverse("login")).content.decode())
    invitation = SurveyInvitationFactory(contact=purchaser_a)
    assert_brand_and_icons(client.get(reverse("survey:answer", args=[invitation.token])).content.decode())
    assert_brand_and_icons(client.get("/no-such-page/").content.decode())


def test_the_admin_carries_the_name(client, it_manager):
    it_manager.is_superuser = True
    it_manager.save()
    client.force_login(it_manager)
    html = client.get(reverse("admin:index")).content.decode()
    assert "<title>Administration | BRM Portal</title>" in html
    assert "BRM Portal administration" in html
    assert not OTHER_NAMES.search(html)
    client.logout()
    assert "BRM Portal administration" in client.get(reverse("admin:login")).content.decode()


def test_the_api_docs_carry_the_name_and_the_favicon(client, rm):
    client.force_login(rm)
    html = client.get(reverse("api-docs")).content.decode()
    assert "<title>BRM Portal API</title>" in html
    assert '<link rel="icon" href="/favicon.ico">' in html


def test_favicon_ico_answers_with_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == "/static/img/favicon.ico"
    assert "max-age=86400" in response["Cache-Control"]
    with open(finders.find("img/favicon.ico"), "rb") as icon:
        assert icon.read(4) == b"\x00\x00\x01\x00"  # an .ico file's signature


def test_the_portal_access_mail_names_the_portal(
    rm, unit_a, purchaser_a, mailoutbox, django_capture_on_commit_callbacks
):
    from customers import services

    contact = purchaser_a
    contact.user = None
    contact.save()
    get_user_model().objects.filter(username="piet").delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.contact_grant_portal_access(contact=contact, by=rm)
    [message] = mailoutbox
    assert message.subject == "Your access to BRM Portal"
    assert message.from_email.startswith("BRM Portal <")
    assert "access to BRM Portal" in message.body


# --- Change password ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "business"])
def test_the_account_menu_links_to_change_password_and_it_works(client, rm, purchaser_a, who):
    user = rm if who == "staff" else purchaser_a.user
    user.set_password("old-secret-9481")
    user.save()
    client.force_login(user)
    home = client.get(reverse("relationships:dashboard" if who == "staff" else "portal:home"))
    assert reverse("password_change") in home.content.decode()

    form = client.get(reverse("password_change")).content.decode()
    assert "Change your password" in form
    # In the face's own layout (its stylesheet), not Django admin's.
    assert ("css/brm.css" if who == "staff" else "css/portal.css") in form
    assert "admin/css" not in form

    wrong = client.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": "n3w-Secret-2026!", "new_password2": "n3w-Secret-2026!"},
    )
    assert wrong.status_code == 200 and 'id="id_old_password_error"' in wrong.content.decode()

    done = client.post(
        reverse("password_change"),
        {
            "old_password": "old-secret-9481",
            "new_password1": "n3w-Secret-2026!",
            "new_password2": "n3w-Secret-2026!",
        },
        follow=True,
    )
    assert "Your password is changed" in done.content.decode()
    user.refresh_from_db()
    assert user.check_password("n3w-Secret-2026!")
    # Still signed in in this browser.
    assert client.get(reverse("password_change")).status_code == 200
