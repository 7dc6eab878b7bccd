"""A database out of reach answers 503 with a page (or JSON under /api/) and Retry-After;
other errors are not mistaken for it. The end-to-end outage is in tests/load/test_faults.py."""

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError

pytestmark = pytest.mark.django_db

LOST = OperationalError("server closed the connection unexpectedly")


def test_a_page_says_503_without_touching_the_database(client, rm, django_assert_num_queries):
    client.force_login(rm)
    with (
        mock.patch("django.contrib.sessions.backends.db.SessionStore.load", side_effect=LOST),
        django_assert_num_queries(0),
    ):
        response = client.get("/dashboard/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response["Content-Type"].startswith("text/html")
    assert [t.name for t in response.templates] == ["503.html"]
    assert "Back in a moment" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_the_api_says_503_in_json(client, rm):
    client.force_login(rm)
    with mock.patch(
        "relationships.api.selectors.interaction_list",
        side_effect=InterfaceError("connection already closed"),
    ):
        response = client.get("/api/v1/interactions/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response.json() == {
        "detail": "The portal cannot reach its database for a moment. Please try again shortly."
    }


def test_a_write_during_the_outage_saves_nothing(client, rm, unit_a):
    from relationships.models import Interaction

    client.force_login(rm)
    with mock.patch("relationships.models.Interaction.objects.create", side_effect=LOST):
        response = client.post(
            "/api/v1/interactions/",
            {
                "unit": unit_a.pk,
                "kind": "call",
                "subject": "Lost call",
                "occurred_at": "2026-01-05T10:00:00Z",
            },
            content_type="application/json",
        )
    assert response.status_code == 503
    assert not Interaction.objects.exists()


def test_other_errors_are_not_taken_for_an_outage(client, rm):
    client.force_login(rm)
    with (
        mock.patch("relationships.api.selectors.interaction_list", side_effect=ValueError("a bug")),
        pytest.raises(ValueError, match="a bug"),
    ):
        client.get("/api/v1/interactions/")
