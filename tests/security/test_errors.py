"""Error pages: a lost database is a 503 with Retry-After (HTML, or JSON under /api/),
rendered without the database; 403, 404, 429 and 500 pages look alike."""

import pytest
from django.db import InterfaceError, OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client, RequestFactory
from rest_framework.authtoken.models import Token

from core import errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_gone(monkeypatch):
    def down():
        def refuse(self, *args, **kwargs):
            raise OperationalError("could not connect to server: Connection refused")

        monkeypatch.setattr(CursorWrapper, "execute", refuse)
        monkeypatch.setattr(CursorWrapper, "executemany", refuse)

    return down


def test_a_staff_page_without_database_is_a_friendly_503(client, rm, database_gone):
    client.force_login(rm)
    database_gone()
    response = client.get("/units/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "The portal is briefly unavailable" in page and "try again in 30 seconds" in page
    assert "Traceback" not in page and "Connection refused" not in page
    assert "Content-Security-Policy" in response


def test_an_api_call_without_database_is_a_json_503(rm, database_gone):
    client = Client()
    token = Token.objects.create(user=rm).key
    database_gone()
    response = client.get("/api/v1/units/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == {"detail": "The service is briefly unavailable; try again in a moment."}


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_database_error_outside_a_view_is_a_503_too(error):
    # handler500: reached when a middleware or a template render loses the database.
    request = RequestFactory().get("/portal/")
    try:
        raise error("connection already closed")
    except error:
        response = errors.server_error(request)
    assert response.status_code == 503 and response["Retry-After"] == "30"


def test_any_other_error_is_the_500_page_and_json_under_the_api():
    try:
        raise ValueError("boom")
    except ValueError:
        page = errors.server_error(RequestFactory().get("/units/"))
        api = errors.server_error(RequestFactory().get("/api/v1/units/"))
    assert page.status_code == 500 and "Something went wrong on our side" in page.content.decode()
    assert api.status_code == 500 and b"detail" in api.content


def test_an_unknown_page_is_the_friendly_404(client, rm):
    client.force_login(rm)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We cannot find this page" in response.content.decode()


def test_the_csrf_failure_page_says_what_to_do(rm):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rm)
    response = client.post("/units/new/", {})
    assert response.status_code == 403
    assert "This form could not be sent" in response.content.decode()


@pytest.mark.parametrize("url", ["/no-such-page/", "/schemathesis-probe%5C%1B%01"])
def test_error_pages_render_without_collected_static_files(client, settings, tmp_path, url):
    # A server started before (or without) collectstatic: {% static %} would raise there.
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    response = client.get(url)
    assert response.status_code == 404
    assert 'href="/static/css/portal.css"' in response.content.decode()


# --- The 403 page's advice depends on who is refused --------------------------------------


def test_a_refused_staff_member_is_told_to_ask_for_the_right(client, rm):
    client.force_login(rm)  # a relationship manager, not an administrator of the webhooks
    response = client.get("/integrations/webhooks/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Only administrators of the integrations may manage webhooks." in page
    assert "ask an administrator or IT management to grant you the right" in page
    assert "relationship manager" not in page


def test_a_refused_business_contact_is_told_to_ask_their_relationship_manager(client, purchaser_a):
    client.force_login(purchaser_a.user)
    response = client.get("/integrations/webhooks/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "ask your relationship manager" in page
    assert "administrator" not in page.replace("Only administrators of the integrations", "")


def test_a_refused_anonymous_visitor_is_asked_to_sign_in():
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    request = RequestFactory().get("/units/")
    request.user = AnonymousUser()
    response = permission_denied(request, PermissionDenied())
    page = response.content.decode()
    assert response.status_code == 403
    assert "Sign in with an account that may open it." in page
    assert 'href="/accounts/login/?next=/units/"' in page


@pytest.mark.django_db(transaction=True)
def test_an_api_write_whose_answer_loses_the_database_is_not_saved(api_as, unit_a, monkeypatch):
    # The interaction is written, then the database goes away while the answer is read back:
    # the client is told to try again, so the first try must not stay saved as well.
    from api.mixins import ServiceWriteMixin
    from relationships.models import Interaction

    def read_back_fails(self, instance, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(ServiceWriteMixin, "respond", read_back_fails)
    body = {
        "unit": unit_a.pk,
        "kind": "meeting",
        "subject": "Quarterly review",
        "occurred_at": "2026-11-30T10:00:00Z",
    }
    response = api_as("rm").post("/api/v1/interactions/", body, format="json")
    assert response.status_code == 503
    assert not Interaction.objects.filter(subject="Quarterly review").exists()
