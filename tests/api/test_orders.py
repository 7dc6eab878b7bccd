"""Orders through the REST API: placed by the business, fulfilled or refused (with a reason)
by IT with `POST /api/v1/subscriptions/<id>/fulfil/` and `/refuse/`."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from services.models import Subscription
from tests.services.factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(api_as, purchaser_a, unit_a, rm, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as("purchaser_a").post(
            "/api/v1/subscriptions/", {"unit": unit_a.pk, "service": ServiceFactory(name="Scanner").pk}
        )
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["decided_by"], body["decided_at"], body["refusal_reason"]) == (
        "requested",
        None,
        None,
        "",
    )
    assert [m.to for m in mail.outbox] == [[rm.email]]  # the manager hears an order waits
    mail.outbox.clear()
    return Subscription.objects.get(pk=body["id"])


def test_the_manager_fulfils_an_order(api_as, order, rm, purchaser_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as("rm").post(f"/api/v1/subscriptions/{order.pk}/fulfil/", {})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "active"
    assert body["started_on"] == timezone.localdate().isoformat()
    assert body["decided_by"]["username"] == "rm"
    assert body["decided_at"] is not None
    assert [m.to for m in mail.outbox] == [[purchaser_a.email]]


def test_a_refusal_says_why(api_as, order, purchaser_a, django_capture_on_commit_callbacks):
    client = api_as("it_manager")
    missing = client.post(f"/api/v1/subscriptions/{order.pk}/refuse/", {})
    assert missing.status_code == 400 and "reason" in missing.json()
    blank = client.post(f"/api/v1/subscriptions/{order.pk}/refuse/", {"reason": "   "})
    assert blank.status_code == 400 and "reason" in blank.json()
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(f"/api/v1/subscriptions/{order.pk}/refuse/", {"reason": "Not licensed for AP."})
    assert refused.status_code == 200
    assert (refused.json()["status"], refused.json()["refusal_reason"]) == ("refused", "Not licensed for AP.")
    assert "Not licensed for AP." in mail.outbox[0].body
    again = client.post(f"/api/v1/subscriptions/{order.pk}/fulfil/", {})
    assert again.status_code == 400
    assert "no longer waiting" in again.json()["detail"]


def test_who_may_not_decide_is_told_who_may(api_as, order):
    colleague = api_as("other_rm").post(f"/api/v1/subscriptions/{order.pk}/fulfil/", {})
    assert colleague.status_code == 403
    assert "Only the relationship manager of Accounts Payable (Rita Manager)" in colleague.json()["detail"]
    assert api_as("purchaser_a").post(f"/api/v1/subscriptions/{order.pk}/fulfil/", {}).status_code == 403
    assert (
        api_as("contact_b").post(f"/api/v1/subscriptions/{order.pk}/refuse/", {"reason": "x"}).status_code
        == 403
    )
    order.refresh_from_db()
    assert order.status == Subscription.Status.REQUESTED


def test_bad_input_is_a_400_with_its_field(api_as, order):
    client = api_as("rm")
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    early = client.post(f"/api/v1/subscriptions/{order.pk}/fulfil/", {"on": yesterday})
    assert early.status_code == 400 and "on" in early.json()
    assert client.post(f"/api/v1/subscriptions/{order.pk}/fulfil/", {"on": "soon"}).status_code == 400
    assert client.post("/api/v1/subscriptions/987654/fulfil/", {}).status_code == 404


def test_the_actions_are_documented_with_their_errors(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    for action in ("fulfil", "refuse"):
        operation = paths[f"/api/v1/subscriptions/{{id}}/{action}/"]["post"]
        assert {"200", "400", "403", "404"} <= set(operation["responses"])
        assert "relationship manager" in operation["summary"]
    refuse_body = paths["/api/v1/subscriptions/{id}/refuse/"]["post"]["requestBody"]["content"]
    schema_ref = refuse_body["application/json"]["schema"]["$ref"]
    assert schema_ref.endswith("SubscriptionRefuseRequest")
    assert "/api/v1/subscriptions/{id}/activate/" not in paths
