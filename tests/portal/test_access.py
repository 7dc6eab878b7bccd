import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from core.domain import DomainError, DomainPermissionError
from customers.models import Contact
from customers.services import contact_grant_portal_access, contact_revoke_portal_access
from tests.customers.factories import ContactFactory, StaffFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def newcomer(unit_a):
    return ContactFactory(
        unit=unit_a, first_name="Nina", last_name="New", email="Nina@Acme.example", role="purchaser"
    )


def _link_path(message) -> str:
    return re.search(r"https?://[^/]+(/portal/access/\S+/)", message.body).group(1)


def test_grant_creates_a_login_without_password_and_mails_a_link(
    newcomer, rm, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        user = contact_grant_portal_access(contact=newcomer, by=rm)
    newcomer.refresh_from_db()
    assert newcomer.user == user
    assert user.username == "nina@acme.example" and not user.has_usable_password() and not user.is_staff
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["Nina@Acme.example"]
    assert "/portal/access/" in mail.outbox[0].body


def test_the_link_sets_a_password_once_and_signs_in(client, newcomer, rm, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        contact_grant_portal_access(contact=newcomer, by=rm)
    path = _link_path(mail.outbox[-1])
    response = client.get(path, follow=True)
    assert "Choose a password" in response.content.decode()
    form_url = response.redirect_chain[-1][0]
    weak = client.post(form_url, {"new_password1": "abc", "new_password2": "abc"})
    assert 'id="id_new_password2_error"' in weak.content.decode()
    done = client.post(
        form_url, {"new_password1": "Quiet-lake-2026", "new_password2": "Quiet-lake-2026"}, follow=True
    )
    assert done.redirect_chain[-1][0] == reverse("portal:home")
    assert "Welcome to the portal" in done.content.decode()
    client.logout()
    assert "This link no longer works" in client.get(path, follow=True).content.decode()
    assert client.login(username="nina@acme.example", password="Quiet-lake-2026")


def test_only_the_units_manager_grants(newcomer, other_rm):
    with pytest.raises(DomainPermissionError):
        contact_grant_portal_access(contact=newcomer, by=other_rm)
    newcomer.refresh_from_db()
    assert newcomer.user is None and not User.objects.filter(username="nina@acme.example").exists()


def test_granting_twice_once_the_password_is_set_says_so(purchaser_a, rm):
    with pytest.raises(DomainError, match="already has access"):
        contact_grant_portal_access(contact=purchaser_a, by=rm)


def test_a_staff_login_is_never_turned_into_a_portal_login(unit_a, rm):
    StaffFactory(username="it@acme.example")
    contact = ContactFactory(unit=unit_a, email="it@acme.example")
    with pytest.raises(DomainError, match="staff"):
        contact_grant_portal_access(contact=contact, by=rm)


def test_one_login_serves_a_person_who_is_contact_of_two_units(newcomer, unit_b, rm, other_rm):
    first = contact_grant_portal_access(contact=newcomer, by=rm)
    second_contact = ContactFactory(unit=unit_b, email="nina@acme.example")
    assert contact_grant_portal_access(contact=second_contact, by=other_rm) == first


def test_revoke_unlinks_and_deactivates_the_login(client, purchaser_a, rm):
    user = purchaser_a.user
    client.force_login(user)
    contact_revoke_portal_access(contact=purchaser_a, by=rm)
    purchaser_a.refresh_from_db()
    user.refresh_from_db()
    assert purchaser_a.user is None and not user.is_active and not user.has_usable_password()
    assert client.get(reverse("portal:home")).status_code == 302  # the session no longer works


def test_revoke_without_access_says_so(newcomer, rm):
    with pytest.raises(DomainError, match="has no access"):
        contact_revoke_portal_access(contact=newcomer, by=rm)


def test_staff_views_grant_and_revoke_with_one_post(client, newcomer, rm, django_capture_on_commit_callbacks):
    client.force_login(rm)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:staff-grant-access", args=[newcomer.pk]), {"next": "/units/"}, follow=False
        )
    assert response.status_code == 302 and response["Location"] == "/units/"
    assert len(mail.outbox) == 1
    client.post(reverse("portal:staff-revoke-access", args=[newcomer.pk]))
    assert Contact.objects.get(pk=newcomer.pk).user is None


def test_staff_views_refuse_others_and_never_redirect_off_site(client, newcomer, other_rm, purchaser_a):
    client.force_login(other_rm)
    response = client.post(
        reverse("portal:staff-grant-access", args=[newcomer.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")
    assert Contact.objects.get(pk=newcomer.pk).user is None
    client.force_login(purchaser_a.user)
    assert client.post(reverse("portal:staff-grant-access", args=[newcomer.pk])).status_code == 404
    assert client.get(reverse("portal:staff-grant-access", args=[newcomer.pk])).status_code == 405


def test_the_staff_include_offers_the_right_button(rf, purchaser_a, newcomer):
    from django.template.loader import render_to_string

    request = rf.get("/units/1/")
    revoke = render_to_string(
        "portal/_staff_access_buttons.html", {"contact": purchaser_a, "request": request}
    )
    grant = render_to_string("portal/_staff_access_buttons.html", {"contact": newcomer, "request": request})
    assert reverse("portal:staff-revoke-access", args=[purchaser_a.pk]) in revoke and "Give" not in revoke
    assert reverse("portal:staff-grant-access", args=[newcomer.pk]) in grant and 'value="/units/1/"' in grant
