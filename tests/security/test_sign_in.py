import pytest
from django.contrib.auth import SESSION_KEY

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def sign_in(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra}, REMOTE_ADDR="10.0.0.7")


def test_five_failures_lock_the_username_from_that_address(client, rm):
    for _ in range(4):
        response = sign_in(client, "rm", "wrong")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    response = sign_in(client, "rm", "wrong")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    # Even the right password is refused while locked out.
    response = sign_in(client, "rm", "demo-pass-123")
    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_a_lockout_does_not_reach_other_addresses(client, rm):
    for _ in range(5):
        sign_in(client, "rm", "wrong")
    response = client.post(LOGIN, {"username": "rm", "password": "demo-pass-123"}, REMOTE_ADDR="10.0.0.99")
    assert response.status_code == 302


def test_a_success_resets_the_count(client, rm):
    for _ in range(4):
        sign_in(client, "rm", "wrong")
    assert sign_in(client, "rm", "demo-pass-123").status_code == 302
    client.logout()
    for _ in range(4):
        assert sign_in(client, "rm", "wrong").status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "http:/\\evil.example"])
def test_next_never_leaves_the_site(client, rm, target):
    response = sign_in(client, "rm", "demo-pass-123", next=target)
    assert response.status_code == 302
    assert "evil" not in response["Location"]


def test_next_within_the_site_is_followed(client, rm):
    response = sign_in(client, "rm", "demo-pass-123", next="/admin/")
    assert response["Location"] == "/admin/"


def test_logout_ends_the_session(client, rm):
    sign_in(client, "rm", "demo-pass-123")
    old_session = client.session.session_key
    client.post("/accounts/logout/")
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=old_session).exists()


def test_a_password_change_ends_other_sessions(client, django_user_model, rm):
    from django.test import Client

    other = Client()
    other.post(LOGIN, {"username": "rm", "password": "demo-pass-123"}, REMOTE_ADDR="10.0.0.8")
    assert other.get("/dashboard/").status_code == 200
    rm.set_password("a-new-long-passphrase-2026")
    rm.save()
    assert other.get("/dashboard/").status_code == 302  # sent back to sign in
