"""The workflows through the API, tokens, bad input and the documentation pages."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from relationships.models import EscalationEvent, Interaction, Requirement
from services.models import Agreement
from tests.customers.factories import ContactFactory
from tests.relationships.factories import (
    EscalationFactory,
    SurveyCampaignFactory,
    SurveyInvitationFactory,
    SurveyResponseFactory,
)
from tests.services.factories import AgreementFactory, MeasurementFactory, ServiceFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


# --- Tokens -----------------------------------------------------------------------------


def test_token_from_password_works_rotates_and_is_revoked(customer_a):
    anonymous = APIClient()
    response = anonymous.post("/api/v1/auth/token/", {"username": "carla", "password": "demo-pass-123"})
    assert response.status_code == 201
    first = response.json()["token"]
    assert response.json()["username"] == "carla"

    client = APIClient(HTTP_AUTHORIZATION=f"Token {first}")
    assert client.get("/api/v1/units/").status_code == 200

    rotated = client.post("/api/v1/auth/token/").json()["token"]  # signed in by the token itself
    assert rotated != first
    assert APIClient(HTTP_AUTHORIZATION=f"Token {first}").get("/api/v1/units/").status_code == 401

    fresh = APIClient(HTTP_AUTHORIZATION=f"Token {rotated}")
    assert fresh.delete("/api/v1/auth/token/").status_code == 204
    assert not Token.objects.filter(user=customer_a.user).exists()
    assert fresh.get("/api/v1/units/").status_code == 401


def test_token_refused_without_good_credentials(rm):
    client = APIClient()
    assert client.post("/api/v1/auth/token/", {"username": "rm", "password": "wrong"}).status_code == 400
    assert client.post("/api/v1/auth/token/", {"username": "rm"}).json()["password"]
    assert client.post("/api/v1/auth/token/", {}).status_code == 401
    assert client.delete("/api/v1/auth/token/").status_code == 401
    assert not Token.objects.exists()


def test_token_for_the_browser_session(rm):
    client = APIClient(enforce_csrf_checks=False)
    client.login(username="rm", password="demo-pass-123")
    assert client.post("/api/v1/auth/token/").status_code == 201
    assert Token.objects.filter(user=rm).count() == 1


# --- Requirements: prepared by anyone of the unit, decided by the deciding customer -----


def test_requirement_from_preparation_to_delivery(api_as, rm, customer_a, purchaser_a, unit_a):
    purchaser, customer, manager = api_as("purchaser_a"), api_as("customer_a"), api_as("rm")
    response = purchaser.post(
        "/api/v1/requirements/",
        {"unit": unit_a.pk, "title": "E-invoicing", "description": "Receive e-invoices.", "priority": "high"},
    )
    assert response.status_code == 201, response.json()
    requirement = response.json()
    assert requirement["status"] == "draft"
    assert requirement["prepared_by"]["id"] == purchaser_a.pk
    url = f"/api/v1/requirements/{requirement['id']}"

    assert purchaser.post(f"{url}/submit/").json()["status"] == "submitted"

    refused = purchaser.post(f"{url}/approve/", {})
    assert refused.status_code == 403
    assert "Only the deciding customer" in refused.json()["detail"]
    assert Requirement.objects.get(pk=requirement["id"]).status == Requirement.Status.SUBMITTED

    approved = customer.post(f"{url}/approve/", {"reason": "Saves a day a month."}).json()
    assert approved["status"] == "approved"
    assert approved["decided_by"]["id"] == customer_a.pk
    assert approved["decision_reason"] == "Saves a day a month."

    assert customer.post(f"{url}/start-delivery/").status_code == 403  # IT's step
    assert manager.post(f"{url}/start-delivery/").json()["status"] == "in_delivery"
    assert manager.post(f"{url}/deliver/").json()["status"] == "delivered"
    again = manager.post(f"{url}/deliver/")
    assert again.status_code == 400
    assert "delivered" in again.json()["detail"]


def test_rejection_needs_a_reason(api_as, customer_a, unit_a):
    requirement = Requirement.objects.create(
        unit=unit_a, title="Fax", description="Bring back fax.", status=Requirement.Status.SUBMITTED
    )
    customer = api_as("customer_a")
    response = customer.post(f"/api/v1/requirements/{requirement.pk}/reject/", {"reason": "   "})
    assert response.status_code == 400
    assert "reason" in response.json()
    response = customer.post(f"/api/v1/requirements/{requirement.pk}/reject/", {"reason": "Not in 2026."})
    assert response.json()["status"] == "rejected"


# --- Escalations: the route and its history ---------------------------------------------


def test_escalation_climbs_and_keeps_its_history(api_as, rm, it_manager, customer_a, purchaser_a, unit_a):
    raised = api_as("customer_a").post(
        "/api/v1/escalations/",
        {
            "unit": unit_a.pk,
            "subject": "Payments stuck",
            "description": "Since Monday.",
            "severity": "critical",
        },
    )
    assert raised.status_code == 201, raised.json()
    escalation = raised.json()
    assert escalation["level"] == 1
    assert [event["kind"] for event in escalation["events"]] == ["raised"]
    url = f"/api/v1/escalations/{escalation['id']}"

    assert api_as("rm").post(f"{url}/acknowledge/", {"note": "Looking."}).json()["status"] == "acknowledged"
    escalated = api_as("purchaser_a").post(f"{url}/escalate/", {"note": "Too slow."}).json()
    assert (escalated["level"], escalated["status"]) == (2, "open")
    assert api_as("rm").post(f"{url}/resolve/", {"resolution": "Fixed."}).status_code == 403  # level 2 now
    assert (
        api_as("it_manager").post(f"{url}/resolve/", {"resolution": "Fixed."}).json()["status"] == "resolved"
    )
    comment = api_as("customer_a").post(f"{url}/comment/", {"note": "Thanks."})
    assert comment.status_code == 201
    assert comment.json()["actor_contact"]["id"] == customer_a.pk
    assert api_as("customer_a").post(f"{url}/close/", {}).json()["status"] == "closed"

    events = api_as("customer_a").get(f"{url}/events/").json()
    assert [event["kind"] for event in events] == [
        "raised",
        "acknowledged",
        "escalated",
        "resolved",
        "commented",
        "closed",
    ]
    assert events[2]["from_level"] == 1 and events[2]["to_level"] == 2
    assert EscalationEvent.objects.filter(escalation_id=escalation["id"]).count() == 6


def test_resolution_cannot_be_empty(api_as, rm, unit_a):
    escalation = EscalationFactory(unit=unit_a)
    response = api_as("rm").post(f"/api/v1/escalations/{escalation.pk}/resolve/", {"resolution": ""})
    assert response.status_code == 400
    assert "resolution" in response.json()


# --- Agreements, subscriptions and attainment -------------------------------------------


def test_only_the_deciding_customer_signs(api_as, customer_a, purchaser_a, unit_a):
    agreement = AgreementFactory(unit=unit_a)
    refused = api_as("purchaser_a").post(f"/api/v1/agreements/{agreement.pk}/sign/")
    assert refused.status_code == 403
    assert "Carla Cfo" in refused.json()["detail"]
    signed = api_as("customer_a").post(f"/api/v1/agreements/{agreement.pk}/sign/").json()
    assert signed["status"] == "active"
    assert signed["signed_by"]["id"] == customer_a.pk
    assert Agreement.objects.get(pk=agreement.pk).next_review_on is not None


def test_a_units_services_with_their_attainment(api_as, purchaser_a, unit_a, unit_b):
    subscription = SubscriptionFactory(unit=unit_a)
    this_month = timezone.localdate().replace(day=1)
    MeasurementFactory(subscription=subscription, period_start=this_month, value=Decimal("99.9"))
    MeasurementFactory(subscription=subscription, period_start=this_month, value=Decimal("97"))
    MeasurementFactory(subscription=subscription, period_start=datetime.date(2020, 1, 1), value=Decimal("1"))
    SubscriptionFactory(unit=unit_b)

    body = api_as("purchaser_a").get("/api/v1/subscriptions/", {"unit": unit_a.pk}).json()
    assert body["count"] == 1
    attainment = body["results"][0]["attainment"]
    assert (attainment["measured"], attainment["met"], attainment["percent"]) == (2, 1, 50.0)


def test_a_purchaser_orders_a_live_service(api_as, purchaser_a, unit_a):
    service = ServiceFactory()
    response = api_as("purchaser_a").post(
        "/api/v1/subscriptions/", {"unit": unit_a.pk, "service": service.pk}
    )
    assert response.status_code == 201
    assert response.json()["ordered_by"]["id"] == purchaser_a.pk
    again = api_as("purchaser_a").post("/api/v1/subscriptions/", {"unit": unit_a.pk, "service": service.pk})
    assert again.status_code == 400
    assert "service" in again.json()


# --- Surveys ------------------------------------------------------------------------------


def test_campaign_results_per_unit_and_overall(api_as, rm, unit_a, unit_b, purchaser_a, contact_b):
    campaign = SurveyCampaignFactory()
    SurveyResponseFactory(
        invitation__campaign=campaign,
        invitation__contact=purchaser_a,
        overall_satisfaction=5,
        recommend_score=10,
    )
    SurveyResponseFactory(
        invitation__campaign=campaign,
        invitation__contact=contact_b,
        overall_satisfaction=2,
        recommend_score=3,
    )
    SurveyInvitationFactory(campaign=campaign, contact=ContactFactory(unit=unit_b))  # did not answer

    body = api_as("rm").get(f"/api/v1/survey-campaigns/{campaign.pk}/results/").json()
    assert body["overall"] == {
        "invited": 3,
        "responded": 2,
        "response_rate": 66.7,
        "average_satisfaction": 3.5,
        "nps": 0,
    }
    units = {row["unit"]["code"]: row for row in body["units"]}
    assert units["fin-ap"]["nps"] == 100 and units["fin-ap"]["response_rate"] == 100.0
    assert units["sales-ops"]["response_rate"] == 50.0 and units["sales-ops"]["nps"] == -100


# --- Bad input: a 400 with the field, nothing saved ---------------------------------------


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/api/v1/subscriptions/", {"service": "abc", "quantity": 0}, "service"),
        ("/api/v1/escalations/", {"subject": "x", "description": "y", "severity": "urgent"}, "severity"),
        ("/api/v1/escalations/", {"subject": 5, "description": "y"}, "subject"),
        (
            "/api/v1/agreements/",
            {"reference": "sla-x", "title": "x", "valid_from": "2026-05-01", "valid_until": "2026-04-01"},
            "valid_until",
        ),
        (
            "/api/v1/agreements/",
            {"reference": "sla-y", "title": "y", "valid_from": "0001-01-01"},
            "valid_from",
        ),
        (
            "/api/v1/agreements/",
            {"reference": "sla-z", "title": "z", "valid_from": "2026-01-01", "review_interval_months": 99},
            "review_interval_months",
        ),
        (
            "/api/v1/units/",
            {"name": "X", "code": "x-1", "survey_frequency_months": 30},
            "survey_frequency_months",
        ),
        ("/api/v1/units/", {"name": "X", "code": "x-2", "is_active": "no"}, "is_active"),
        (
            "/api/v1/interactions/",
            {"kind": "call", "subject": "x", "occurred_at": "yesterday"},
            "occurred_at",
        ),
        (
            "/api/v1/survey-campaigns/",
            {"name": "x", "opens_at": "2026-05-01T00:00:00Z", "closes_at": "2026-04-01T00:00:00Z"},
            "closes_at",
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api_as, it_manager, unit_a, path, payload, field):
    payload = {"unit": unit_a.pk, "parent": unit_a.pk, **payload}
    response = api_as("it_manager").post(path, payload)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()


def test_out_of_range_target_is_refused(api_as, it_manager):
    service = ServiceFactory()
    response = api_as("it_manager").post(
        "/api/v1/targets/",
        {
            "service": service.pk,
            "name": "Avail",
            "metric": "availability",
            "unit_of_measure": "%",
            "target_value": "150",
            "direction": "higher",
        },
    )
    assert response.status_code == 400
    assert "target_value" in response.json()


def test_an_invisible_unit_reads_as_missing(api_as, contact_b, unit_a):
    response = api_as("contact_b").post(
        "/api/v1/requirements/", {"unit": unit_a.pk, "title": "x", "description": "y"}
    )
    assert response.status_code == 400
    assert "does not exist" in response.json()["unit"][0]
    assert not Requirement.objects.exists()


def test_nothing_half_saved_when_a_follow_up_action_is_wrong(api_as, rm, unit_a, customer_a):
    response = api_as("rm").post(
        "/api/v1/interactions/",
        {
            "unit": unit_a.pk,
            "kind": "meeting",
            "subject": "Review",
            "occurred_at": timezone.now().isoformat(),
            "actions": [{"title": "Follow up", "owner": customer_a.user.pk, "due_on": "2026-12-01"}],
        },
    )
    assert response.status_code == 400  # the owner must be IT staff: not among the choices
    assert "actions" in response.json()
    assert not Interaction.objects.exists()


def test_a_contact_logged_for_another_unit_is_refused(api_as, rm, unit_a, contact_b):
    response = api_as("rm").post(
        "/api/v1/interactions/",
        {
            "unit": unit_a.pk,
            "kind": "call",
            "subject": "x",
            "occurred_at": timezone.now().isoformat(),
            "contacts": [contact_b.pk],
        },
    )
    assert response.status_code == 400
    assert "contacts" in response.json()
    assert not Interaction.objects.exists()


# --- Lists: filters, search, ordering, pages ---------------------------------------------


def test_filters_search_ordering_and_pages(api_as, rm, unit_a, unit_b):
    for n in range(30):
        Requirement.objects.create(unit=unit_a if n % 2 else unit_b, title=f"Wish {n:02}", description="d")
    client = api_as("rm")
    body = client.get("/api/v1/requirements/", {"unit": unit_a.pk, "ordering": "title"}).json()
    assert body["count"] == 15
    assert [row["title"] for row in body["results"]][:2] == ["Wish 01", "Wish 03"]
    assert client.get("/api/v1/requirements/", {"search": "Wish 07"}).json()["count"] == 1
    assert len(client.get("/api/v1/requirements/", {"page_size": 10}).json()["results"]) == 10
    assert len(client.get("/api/v1/requirements/", {"page_size": 1000}).json()["results"]) == 30  # max 100
    assert client.get("/api/v1/requirements/", {"page_size": 0}).status_code == 400
    assert client.get("/api/v1/requirements/", {"unit": "abc"}).status_code == 400
    assert client.get("/api/v1/requirements/", {"status": "nonsense"}).status_code == 400
    assert client.get("/api/v1/requirements/", {"page": 9}).status_code == 404
    assert client.get("/api/v1/requirements/abc/").json() == {"detail": "Not found."}


# --- Documentation ------------------------------------------------------------------------


def test_schema_and_swagger_ui_served_locally(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/escalations/{id}/escalate/" in schema.json()["paths"]
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()


def test_health_of_a_unit(api_as, rm, unit_a):
    body = api_as("rm").get(f"/api/v1/health/{unit_a.pk}/").json()
    assert body["unit"]["id"] == unit_a.pk
    assert 0 <= body["score"] <= 100
    assert body["band"] in ("good", "fair", "poor")
    assert body["reasons"]


def test_odd_moments_are_refused_not_crashed(api_as, rm, unit_a):
    client = api_as("rm")
    assert (
        client.get("/api/v1/interactions/", {"occurred_after": "0382-09-16T11:14:20+17:42"}).status_code
        == 400
    )
    assert (
        client.get("/api/v1/interactions/", {"occurred_after": "2026-09-16T11:14:20+17:42"}).status_code
        == 400
    )
    assert client.get("/api/v1/objectives/", {"target_before": "0001-01-01"}).status_code == 400
    ok = client.get("/api/v1/interactions/", {"occurred_after": "2026-09-16T11:14:20+02:00"})
    assert ok.status_code == 200


def test_a_body_that_is_not_an_object_is_refused(api_as, rm, unit_a):
    escalation = EscalationFactory(unit=unit_a, status="resolved")
    response = api_as("rm").post(
        f"/api/v1/escalations/{escalation.pk}/close/", "true", content_type="application/json"
    )
    assert response.status_code == 400


def test_only_json_bodies_and_errors_are_objects(api_as, rm, unit_a):
    client = api_as("rm")
    form = client.patch(
        f"/api/v1/units/{unit_a.pk}/", "x=1", content_type="application/x-www-form-urlencoded"
    )
    assert form.status_code == 415
    null = client.get("/api/v1/objectives/", {"search": "a\x00b"})
    assert null.status_code == 400
    assert null.json()["detail"]
