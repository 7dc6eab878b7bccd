"""One rule through every door: registering a webhook endpoint answers the same on the
staff page and in the API, for every actor and for bad input. (The endpoints are not
importable and have no portal page.)"""

import pytest
from django.urls import reverse

from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

VALID = {"name": "Service desk", "url": "https://desk.example.org/hooks/brm", "events": ["escalation.raised"]}


def staff_page(request, actor, data) -> bool:
    response = request.getfixturevalue("client_as")(actor).post(reverse("integrations:endpoint-create"), data)
    if response.status_code == 302 and response["Location"].startswith("/accounts/login/"):
        return False
    if response.status_code == 302:
        endpoint = WebhookEndpoint.objects.get()
        assert response["Location"] == reverse("integrations:endpoint-detail", args=[endpoint.pk])
        return True
    # 403: not theirs to manage; 200: the form again, with its errors.
    assert response.status_code in (200, 403), response.status_code
    return False


def api(request, actor, data) -> bool:
    response = request.getfixturevalue("api_as")(actor).post("/api/v1/webhooks/", data, format="json")
    if response.status_code == 201:
        return True
    assert response.status_code in (400, 401, 403), (response.status_code, response.content)
    return False


# Each door: True if the endpoint was registered, False if refused (any other answer fails).
DOORS = [staff_page, api]


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        ("it_manager", True),
        ("rm", False),
        ("other_rm", False),
        ("steering_member", False),
        ("customer_a", False),
        ("purchaser_a", False),
        ("contact_b", False),
        ("anonymous", False),
    ],
)
@pytest.mark.parametrize("door", DOORS)
def test_only_those_who_manage_webhooks_register_an_endpoint(request, door, actor, allowed):
    assert door(request, actor, VALID) is allowed
    if allowed:
        endpoint = WebhookEndpoint.objects.get()
        assert {"name": endpoint.name, "url": endpoint.url, "events": endpoint.events} == VALID
        assert endpoint.owner.username == "it_manager"
    else:
        assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("data", "allowed"),
    [
        ({"url": "http://desk.internal:8080/brm"}, True),  # plain http is taken, for internal receivers
        ({"url": "ftp://desk.example.org/hooks"}, False),
        ({"url": "desk.example.org/hooks"}, False),  # no scheme: not guessed
        ({"url": "javascript:alert(1)"}, False),
        ({"events": []}, False),
        ({"events": ["no.such.event"]}, False),
        ({"events": ["webhook.test"]}, False),  # sent by hand only
        ({"name": "   "}, False),
    ],
)
@pytest.mark.parametrize("door", DOORS)
def test_the_same_input_is_taken_or_refused_in_every_door(request, door, data, allowed):
    assert door(request, "it_manager", {**VALID, **data}) is allowed
    assert WebhookEndpoint.objects.exists() is allowed
