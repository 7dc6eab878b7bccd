"""The webhooks pages: who may open them, forms that explain bad input, the buttons, and
query counts that do not grow with the delivery log."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.customers.factories import StaffFactory
from tests.integrations.factories import WebhookEndpointFactory
from webhooks.models import EventType, WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db

LIST = reverse("integrations:endpoint-list")
CREATE = reverse("integrations:endpoint-create")


def action_url(endpoint, action):
    return reverse("integrations:endpoint-action", args=[endpoint.pk, action])


def detail_url(endpoint):
    return reverse("integrations:endpoint-detail", args=[endpoint.pk])


@pytest.fixture
def stored(db, it_manager):
    return WebhookEndpointFactory(name="Service desk", url="https://desk.example.org/hooks", owner=it_manager)


def test_the_pages_are_for_those_who_manage_webhooks(client, stored, rm, purchaser_a, it_manager):
    pages = [LIST, CREATE, detail_url(stored), reverse("integrations:endpoint-edit", args=[stored.pk])]
    for page in pages:
        assert client.get(page).status_code == 302  # to the sign-in page

    client.force_login(rm)  # a relationship manager without the permission
    for page in pages:
        assert client.get(page).status_code == 403
    assert client.post(action_url(stored, "rotate")).status_code == 403

    client.force_login(purchaser_a.user)  # a business contact
    for page in pages:
        assert client.get(page).status_code == 403
    assert client.post(action_url(stored, "test")).status_code == 403
    stored.refresh_from_db()
    assert not WebhookEvent.objects.exists()

    for allowed in (it_manager, StaffFactory(username="root", is_superuser=True)):
        client.force_login(allowed)
        for page in pages:
            assert client.get(page).status_code == 200


def test_staff_given_the_permission_may_manage_webhooks(client, rm, stored):
    rm.user_permissions.add(Permission.objects.get(codename="manage_webhooks"))
    client.force_login(rm)
    assert client.get(LIST).status_code == 200


def test_the_navbar_links_the_page_for_those_allowed_only(client, rm, it_manager):
    client.force_login(rm)
    assert LIST not in client.get(reverse("relationships:dashboard")).content.decode()
    client.force_login(it_manager)
    assert LIST in client.get(reverse("relationships:dashboard")).content.decode()


def test_an_endpoint_is_registered_with_a_secret_and_its_creator_as_owner(it_client, it_manager):
    response = it_client.post(
        CREATE,
        {
            "name": "Service desk",
            "url": "https://desk.example.org/hooks/brm",
            "events": [EventType.ESCALATION_RAISED, EventType.ESCALATION_RESOLVED],
        },
        follow=True,
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.redirect_chain == [(detail_url(endpoint), 302)]
    assert endpoint.owner == it_manager
    assert endpoint.events == ["escalation.raised", "escalation.resolved"]
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 40
    page = response.content.decode()
    assert "Give its signing secret to the receiver" in page
    assert endpoint.secret in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": "ftp://desk.example.org/hooks"}, "Enter a full http:// or https:// address"),
        ({"url": "desk.example.org/hooks"}, "Enter a full http:// or https:// address"),
        ({"url": "javascript:alert(1)"}, "Enter a full http:// or https:// address"),
        ({"url": ""}, "This field is required."),
        ({"events": []}, "Choose at least one event."),
        ({"events": ["escalation.raised", "webhook.test"]}, "Select a valid choice."),
        ({"events": ["no.such.event"]}, "Select a valid choice."),
        ({"name": "   "}, "This field is required."),
        ({"url": "https://" + "x" * 600 + ".example.org"}, "Ensure this value has at most 500 characters"),
    ],
)
def test_bad_input_is_explained_and_nothing_saved(it_client, data, message):
    form = {"name": "Service desk", "url": "https://desk.example.org/hooks", "events": ["escalation.raised"]}
    response = it_client.post(CREATE, {**form, **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_an_endpoint_is_edited(it_client, stored):
    url = reverse("integrations:endpoint-edit", args=[stored.pk])
    assert "https://desk.example.org/hooks" in it_client.get(url).content.decode()
    response = it_client.post(
        url, {"name": "Desk", "url": "http://desk.internal:8080/brm", "events": ["requirement.decided"]}
    )
    assert response.status_code == 302
    stored.refresh_from_db()
    assert (stored.name, stored.url, stored.events) == (
        "Desk",
        "http://desk.internal:8080/brm",
        ["requirement.decided"],
    )

    response = it_client.post(
        url, {"name": "Desk", "url": "gopher://desk", "events": ["requirement.decided"]}
    )
    assert response.status_code == 200
    stored.refresh_from_db()
    assert stored.url == "http://desk.internal:8080/brm"


def test_the_buttons_rotate_test_disable_and_re_enable(
    it_client, endpoint, receiver, django_capture_on_commit_callbacks
):
    old_secret = endpoint.secret
    response = it_client.post(action_url(endpoint, "rotate"), follow=True)
    assert "New signing secret made" in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret != old_secret
    receiver.secret = endpoint.secret

    with django_capture_on_commit_callbacks(execute=True):
        response = it_client.post(action_url(endpoint, "test"), follow=True)
    assert "Test event queued" in response.content.decode()
    assert [r.headers["X-BRM-Event"] for r in receiver.signed()] == ["webhook.test"]

    it_client.post(action_url(endpoint, "disable"))
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    page = it_client.get(detail_url(endpoint)).content.decode()
    assert "Re-enable" in page

    response = it_client.post(action_url(endpoint, "disable"), follow=True)
    assert "disabled already" in response.content.decode()

    it_client.post(action_url(endpoint, "enable"))
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 0


def test_an_unknown_action_or_a_get_changes_nothing(it_client, stored):
    response = it_client.post(action_url(stored, "explode"), follow=True)
    assert "Unknown action." in response.content.decode()
    assert it_client.get(action_url(stored, "rotate")).status_code == 405
    assert it_client.get(reverse("integrations:endpoint-detail", args=[99999])).status_code == 404


def _deliveries(endpoint, count):
    for n in range(count):
        event = WebhookEvent.objects.create(
            event_type=EventType.ESCALATION_RAISED, occurred_at="2026-03-02T09:00:00Z", data={"n": n}
        )
        WebhookDelivery.objects.create(
            event=event,
            endpoint=endpoint,
            status=["pending", "delivered", "failed"][n % 3],
            attempts=n % 4,
            response_code=500 if n % 3 != 1 else 200,
            last_error="HTTP 500 Internal Server Error" if n % 3 != 1 else "",
        )


def test_the_delivery_log_shows_each_attempt_and_pages_in_constant_queries(
    it_client, stored, django_assert_num_queries
):
    _deliveries(stored, 3)
    # session, user, the user's and their groups' permissions, endpoint with owner, count,
    # one page of deliveries with their events; the navigation's count of what waits for
    # the person: their groups, then escalations, orders and overdue actions counted
    with django_assert_num_queries(11):
        page = it_client.get(detail_url(stored)).content.decode()
    assert "HTTP 500 Internal Server Error" in page
    assert page.count('title="Event id"') == 3

    _deliveries(stored, 57)
    with django_assert_num_queries(11):
        page = it_client.get(detail_url(stored) + "?page=2").content.decode()
    assert "26–50 of 60" in page

    response = it_client.get(detail_url(stored) + "?status=failed")
    assert len(response.context["page"].object_list) == 20
    assert it_client.get(detail_url(stored) + "?status=nonsense&page=x").status_code == 200


def test_the_endpoint_list_reads_in_constant_queries(it_client, stored, django_assert_num_queries):
    _deliveries(stored, 4)
    # session, user, the user's and their groups' permissions, the endpoints with their
    # counts and owners; the navigation's count: groups, then escalations, orders and overdue
    # actions counted
    with django_assert_num_queries(9):
        page = it_client.get(LIST).content.decode()
    assert "Service desk" in page

    for _ in range(5):
        _deliveries(WebhookEndpointFactory(), 3)
    with django_assert_num_queries(9):
        page = it_client.get(LIST).content.decode()
    assert page.count("<tr>") == 7  # the header and six endpoints
