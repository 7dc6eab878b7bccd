"""The webhooks in the REST API (/api/v1/webhooks/): for those who manage webhooks only,
the secret shown once, the test event in the delivery log, bad input explained."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from tests.actors import token_client
from tests.customers.factories import StaffFactory
from tests.integrations.factories import WebhookEndpointFactory
from webhooks.models import EventType, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.services import MAY_NOT_MANAGE

pytestmark = pytest.mark.django_db

LIST = "/api/v1/webhooks/"
NEW = {"name": "Service desk", "url": "https://desk.example.org/hooks/brm", "events": ["escalation.raised"]}


def detail(endpoint, action=""):
    return f"{LIST}{endpoint.pk}/{action + '/' if action else ''}"


@pytest.fixture
def stored(db, it_manager):
    return WebhookEndpointFactory(name="Desk", url="https://desk.example.org/hooks", owner=it_manager)


def add_deliveries(endpoint, n, *, status=WebhookDelivery.Status.DELIVERED):
    now = timezone.now()
    for i in range(n):
        event = WebhookEvent.objects.create(
            event_type=EventType.ESCALATION_RAISED,
            occurred_at=now - datetime.timedelta(minutes=i),
            data={"escalation": {"id": i}},
        )
        WebhookDelivery.objects.create(event=event, endpoint=endpoint, status=status, attempts=1)


# Every operation: (method, address, body, the status it answers those who may manage webhooks).
OPERATIONS = {
    "list": ("get", lambda e: LIST, None, 200),
    "retrieve": ("get", lambda e: detail(e), None, 200),
    "create": ("post", lambda e: LIST, NEW, 201),
    "update": ("patch", lambda e: detail(e), {"name": "Service desk"}, 200),
    "rotate-secret": ("post", lambda e: detail(e, "rotate-secret"), None, 200),
    "send-test": ("post", lambda e: detail(e, "send-test"), None, 202),
    "deliveries": ("get", lambda e: detail(e, "deliveries"), None, 200),
}
REFUSED = {
    "rm": 403,
    "other_rm": 403,
    "steering_member": 403,
    "customer_a": 403,
    "purchaser_a": 403,
    "contact_b": 403,
    "anonymous": 401,
}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_it_management_may_use_every_operation(api_as, stored, operation):
    method, address, body, expected = OPERATIONS[operation]
    response = getattr(api_as("it_manager"), method)(address(stored), body, format="json")
    assert response.status_code == expected, response.content


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("actor", REFUSED)
def test_anyone_else_is_refused_and_nothing_changes(api_as, stored, operation, actor):
    before = (stored.name, stored.secret)
    method, address, body, _ = OPERATIONS[operation]
    response = getattr(api_as(actor), method)(address(stored), body, format="json")
    assert response.status_code == REFUSED[actor], response.content
    if actor != "anonymous":
        assert response.json() == {"detail": MAY_NOT_MANAGE}
    assert stored.secret not in response.content.decode()
    stored.refresh_from_db()
    assert (stored.name, stored.secret) == before
    assert WebhookEndpoint.objects.count() == 1
    assert not WebhookEvent.objects.exists()


def test_a_superuser_and_staff_given_the_permission_may_manage_webhooks(stored, rm):
    assert token_client(StaffFactory(username="root", is_superuser=True)).get(LIST).status_code == 200
    rm.user_permissions.add(Permission.objects.get(codename="manage_webhooks"))
    assert token_client(rm).get(LIST).status_code == 200


def test_an_endpoint_is_created_with_its_secret_shown_once(api_as, it_manager):
    client = api_as("it_manager")
    response = client.post(
        LIST, {**NEW, "events": ["escalation.resolved", "escalation.raised"]}, format="json"
    )
    assert response.status_code == 201, response.content
    endpoint = WebhookEndpoint.objects.get()
    body = response.json()
    assert body["secret"] == endpoint.secret and endpoint.secret.startswith("whsec_")
    assert body["id"] == endpoint.pk
    assert body["owner"]["id"] == it_manager.pk == endpoint.owner_id
    # In the order of the list of event types, as the page stores them.
    assert body["events"] == endpoint.events == ["escalation.raised", "escalation.resolved"]
    assert (body["is_active"], body["pending_count"], body["failed_count"]) == (True, 0, 0)

    for address in (LIST, detail(endpoint)):
        response = client.get(address)
        assert response.status_code == 200
        assert endpoint.secret not in response.content.decode()
        assert "secret" not in (response.json()["results"][0] if address == LIST else response.json())


def test_rotating_answers_the_new_secret_once(api_as, stored):
    client = api_as("it_manager")
    old = stored.secret
    response = client.post(detail(stored, "rotate-secret"))
    assert response.status_code == 200, response.content
    stored.refresh_from_db()
    assert stored.secret != old
    assert response.json()["secret"] == stored.secret
    assert response.json()["secret_rotated_at"] is not None

    for response in (
        client.get(detail(stored)),
        client.get(LIST),
        client.patch(detail(stored), {"name": "Desk 2"}, format="json"),
    ):
        assert response.status_code == 200
        assert stored.secret not in response.content.decode() and old not in response.content.decode()


def test_a_test_event_is_sent_and_shows_in_the_delivery_log(
    api_as, endpoint, receiver, django_capture_on_commit_callbacks
):
    client = api_as("it_manager")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(detail(endpoint, "send-test"))
    assert response.status_code == 202, response.content
    queued = response.json()
    assert queued["event"]["type"] == "webhook.test"
    assert endpoint.secret not in response.content.decode()
    assert [r.headers["X-BRM-Event"] for r in receiver.signed()] == ["webhook.test"]

    log = client.get(detail(endpoint, "deliveries")).json()
    assert log["count"] == 1
    [delivery] = log["results"]
    assert delivery["id"] == queued["id"]
    assert delivery["event"] == queued["event"]
    assert (delivery["status"], delivery["response_code"], delivery["attempts"]) == ("delivered", 200, 1)
    assert receiver.received[0].headers["X-BRM-Event-Id"] == delivery["event"]["id"]


def test_an_endpoint_is_changed_field_by_field(api_as, stored):
    client = api_as("it_manager")
    response = client.patch(detail(stored), {"url": "http://desk.internal:8080/brm"}, format="json")
    assert response.status_code == 200, response.content
    stored.refresh_from_db()
    assert (stored.name, stored.url) == ("Desk", "http://desk.internal:8080/brm")
    assert len(stored.events) == 7  # left as they were

    response = client.patch(
        detail(stored), {"events": ["requirement.decided"], "name": " Desk "}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["events"] == ["requirement.decided"]
    stored.refresh_from_db()
    assert (stored.name, stored.events) == ("Desk", ["requirement.decided"])


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"url": "ftp://desk.example.org/hooks"}, "url", "Enter a full http:// or https:// address."),
        ({"url": "desk.example.org/hooks"}, "url", "Enter a full http:// or https:// address."),
        ({"url": "javascript:alert(1)"}, "url", "Enter a full http:// or https:// address."),
        ({"url": ""}, "url", "This field may not be blank."),
        ({"url": None}, "url", "This field may not be null."),
        ({"url": 5}, "url", "Not a valid string."),
        ({"url": "https://" + "x" * 600 + ".example.org"}, "url", "Ensure this field has no more than 500"),
        ({"events": []}, "events", "Choose at least one event."),
        ({"events": ["no.such.event"]}, "events", "Unknown event type: no.such.event."),
        ({"events": ["escalation.raised", "webhook.test"]}, "events", "Unknown event type: webhook.test."),
        ({"events": "escalation.raised"}, "events", "Expected a list of items"),
        ({"name": "   "}, "name", "This field may not be blank."),
        ({"name": "x" * 121}, "name", "Ensure this field has no more than 120 characters."),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_saved(api_as, stored, data, field, message):
    client = api_as("it_manager")
    response = client.post(LIST, {**NEW, **data}, format="json")
    assert response.status_code == 400, response.content
    assert message in str(response.json()[field])
    assert WebhookEndpoint.objects.count() == 1

    before = (stored.name, stored.url, stored.events)
    response = client.patch(detail(stored), data, format="json")
    assert response.status_code == 400, response.content
    assert message in str(response.json()[field])
    stored.refresh_from_db()
    assert (stored.name, stored.url, stored.events) == before


def test_a_missing_field_or_a_body_that_is_not_json_is_a_400(api_as):
    client = api_as("it_manager")
    response = client.post(LIST, {"name": "Desk"}, format="json")
    assert response.status_code == 400
    assert response.json()["url"] == ["This field is required."]
    assert response.json()["events"] == ["This field is required."]
    response = client.post(LIST, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]
    assert not WebhookEndpoint.objects.exists()


def test_no_replace_no_delete_and_an_unknown_id_is_a_404(api_as, stored):
    client = api_as("it_manager")
    assert client.put(detail(stored), NEW, format="json").status_code == 405
    assert client.delete(detail(stored)).status_code == 405
    assert WebhookEndpoint.objects.filter(pk=stored.pk).exists()
    missing = f"{LIST}{stored.pk + 1000}/"
    for response in (
        client.get(missing),
        client.patch(missing, {"name": "x"}, format="json"),
        client.post(missing + "rotate-secret/"),
        client.post(missing + "send-test/"),
        client.get(missing + "deliveries/"),
    ):
        assert response.status_code == 404


def test_the_delivery_log_is_paged_and_filtered_like_other_lists(api_as, stored, django_assert_num_queries):
    add_deliveries(stored, 30)
    add_deliveries(stored, 2, status=WebhookDelivery.Status.FAILED)
    other = WebhookEndpointFactory()
    add_deliveries(other, 3)
    client = api_as("it_manager")
    client.get(LIST)  # the caller's permissions are read once and kept for the requests after

    # The endpoint (with its counts), the count of its deliveries, the page with their events.
    with django_assert_num_queries(3):
        first = client.get(detail(stored, "deliveries")).json()
    assert first["count"] == 32 and len(first["results"]) == 25
    assert first["next"] is not None
    assert first["results"][0]["created_at"] >= first["results"][-1]["created_at"]  # newest first
    second = client.get(detail(stored, "deliveries"), {"page": 2}).json()
    assert len(second["results"]) == 7
    assert not {d["id"] for d in first["results"]} & {d["id"] for d in second["results"]}

    failed = client.get(detail(stored, "deliveries"), {"status": "failed", "page_size": 1}).json()
    assert (failed["count"], len(failed["results"])) == (2, 1)
    assert failed["results"][0]["status"] == "failed"

    for query, field in (
        ({"status": "lost"}, "status"),
        ({"page": "abc"}, "page"),
        ({"page_size": 0}, "page_size"),
    ):
        response = client.get(detail(stored, "deliveries"), query)
        assert response.status_code == 400, query
        assert field in response.json()


def test_the_list_takes_the_same_queries_for_many_endpoints(api_as, stored, django_assert_num_queries):
    client = api_as("it_manager")
    client.get(LIST)  # the caller's permissions are read once and kept for the requests after
    for _ in range(5):
        add_deliveries(WebhookEndpointFactory(), 2)
    # The count, and the page with each endpoint's owner and delivery counts.
    with django_assert_num_queries(2):
        body = client.get(LIST).json()
    assert body["count"] == 6
    by_name = {row["name"]: row for row in body["results"]}
    assert by_name["Desk"]["pending_count"] == 0 and by_name["Desk"]["last_delivery_at"] is None
    assert client.get(LIST, {"search": "Desk"}).json()["count"] == 1
    assert client.get(LIST, {"is_active": "false"}).json()["count"] == 0


@pytest.mark.parametrize("value", ["null", "maybe", ""])
def test_the_list_filter_takes_true_or_false_only(api_as, stored, value):
    api = api_as("it_manager")
    assert api.get(LIST, {"is_active": value}).status_code == 400
    assert [row["name"] for row in api.get(LIST, {"is_active": "true"}).json()["results"]] == ["Desk"]
    assert api.get(LIST, {"is_active": "false"}).json()["results"] == []
