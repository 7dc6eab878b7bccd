"""The domain actions emit their events: an event and a delivery per subscribed active
endpoint, written in the same transaction as the change."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from relationships import jobs, services
from relationships.models import Escalation
from services.models import Agreement
from tests.integrations.factories import WebhookEndpointFactory
from tests.relationships.factories import (
    EscalationFactory,
    RequirementFactory,
    SurveyInvitationFactory,
)
from tests.services.factories import AgreementFactory
from webhooks.events import emit
from webhooks.models import EventType, WebhookDelivery, WebhookEvent, iso_utc

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscribed(db):
    return WebhookEndpointFactory(name="Service desk")


@pytest.fixture
def other_events(db):
    return WebhookEndpointFactory(name="Portfolio board", events=[EventType.REQUIREMENT_DECIDED])


@pytest.fixture
def disabled(db):
    return WebhookEndpointFactory(name="Old chat bot", is_active=False)


def events_of(event_type: str) -> list[WebhookEvent]:
    return list(WebhookEvent.objects.filter(event_type=event_type).order_by("occurred_at"))


def endpoints_of(event: WebhookEvent) -> set[str]:
    return set(event.deliveries.values_list("endpoint__name", flat=True))


def raise_escalation(unit, by):
    return services.escalation_raise(
        unit=unit,
        by=by,
        subject="Invoices stuck",
        description="Since Monday; Jan's team is blocked.",
        severity="high",
    )


def test_raising_an_escalation_queues_a_delivery_for_subscribed_endpoints_only(
    subscribed, other_events, disabled, unit_a, purchaser_a, settings
):
    escalation = raise_escalation(unit_a, purchaser_a.user)

    [event] = events_of(EventType.ESCALATION_RAISED)
    assert endpoints_of(event) == {"Service desk"}
    [delivery] = event.deliveries.all()
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.PENDING, 0)
    assert event.data == {
        "escalation": {
            "id": escalation.pk,
            "subject": "Invoices stuck",
            "severity": "high",
            "level": 1,
            "status": "open",
            "raised_at": iso_utc(escalation.raised_at),
            "respond_by": iso_utc(escalation.respond_by),
            "url": f"{settings.BRM_BASE_URL}/escalations/{escalation.pk}/",
        },
        "unit": {"id": unit_a.pk, "name": "Accounts Payable", "code": "fin-ap"},
    }
    # Nothing a receiver should not know: no free text, no people.
    assert "Jan" not in str(event.data) and "Piet" not in str(event.data)


def test_nothing_is_written_when_no_endpoint_listens(other_events, unit_a, django_assert_num_queries):
    escalation = EscalationFactory(unit=unit_a)
    with django_assert_num_queries(1):  # the active endpoints
        assert emit(EventType.ESCALATION_RAISED, escalation) is None
    assert not WebhookEvent.objects.exists()


def test_a_change_rolled_back_leaves_no_event_behind(subscribed, unit_a, rm):
    with pytest.raises(RuntimeError), transaction.atomic():
        raise_escalation(unit_a, rm)
        assert WebhookDelivery.objects.count() == 1
        raise RuntimeError("the request failed after the escalation was raised")
    assert not Escalation.objects.exists()
    assert not WebhookEvent.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_escalating_and_resolving_emit_their_events(subscribed, unit_a, rm, it_manager, purchaser_a):
    escalation = raise_escalation(unit_a, purchaser_a.user)
    services.escalation_escalate(escalation=escalation, by=rm, note="Needs IT management.")
    services.escalation_resolve(escalation=escalation, by=it_manager, resolution="Queue drained.")

    [escalated] = events_of(EventType.ESCALATION_ESCALATED)
    assert escalated.data["escalation"]["level"] == 2
    [resolved] = events_of(EventType.ESCALATION_RESOLVED)
    assert resolved.data["escalation"]["status"] == "resolved"
    assert "Queue drained" not in str(resolved.data)
    assert endpoints_of(resolved) == {"Service desk"}


def test_the_escalation_ladder_emits_an_escalated_event(subscribed, unit_a, purchaser_a, time_machine):
    escalation = raise_escalation(unit_a, purchaser_a.user)
    time_machine.move_to(escalation.respond_by + datetime.timedelta(minutes=1), tick=False)
    assert jobs.escalation_ladder()["escalated"] == 1
    [event] = events_of(EventType.ESCALATION_ESCALATED)
    assert event.data["escalation"]["id"] == escalation.pk


def test_submitting_and_deciding_a_requirement_emit_their_events(
    subscribed, other_events, unit_a, purchaser_a, customer_a, settings
):
    requirement = RequirementFactory(unit=unit_a, prepared_by=purchaser_a, title="E-invoicing")
    services.requirement_submit(requirement=requirement, by=purchaser_a.user)
    [submitted] = events_of(EventType.REQUIREMENT_SUBMITTED)
    assert endpoints_of(submitted) == {"Service desk"}
    assert submitted.data["requirement"]["url"] == f"{settings.BRM_BASE_URL}/requirements/{requirement.pk}/"

    services.requirement_decide(
        requirement=requirement, by=customer_a.user, decision="reject", reason="No budget this year."
    )
    [decided] = events_of(EventType.REQUIREMENT_DECIDED)
    assert endpoints_of(decided) == {"Service desk", "Portfolio board"}
    assert decided.data["requirement"]["status"] == "rejected"
    assert "budget" not in str(decided.data)


def test_a_poor_survey_answer_emits_an_event_and_a_good_one_does_not(
    subscribed, unit_a, purchaser_a, settings
):
    settings.BRM_SURVEY_ESCALATE_AT_SATISFACTION = 1
    good = SurveyInvitationFactory(contact=purchaser_a)
    services.survey_response_submit(invitation=good, overall_satisfaction=5, recommend_score=10)
    assert events_of(EventType.SURVEY_POOR_RESPONSE) == []

    poor = SurveyInvitationFactory(contact=purchaser_a)
    response = services.survey_response_submit(
        invitation=poor, overall_satisfaction=2, recommend_score=4, comment="Slow, rude helpdesk."
    )
    [event] = events_of(EventType.SURVEY_POOR_RESPONSE)
    assert event.data["response"] == {
        "id": response.pk,
        "overall_satisfaction": 2,
        "recommend_score": 4,
        "very_poor": False,
    }
    assert event.data["campaign"]["id"] == poor.campaign_id
    assert event.data["unit"]["name"] == "Accounts Payable"
    assert "rude" not in str(event.data) and "Piet" not in str(event.data)


def test_an_agreement_coming_due_for_review_emits_an_event(subscribed, unit_a, customer_a, settings):
    agreement = AgreementFactory(
        unit=unit_a,
        title="Finance applications",
        status=Agreement.Status.ACTIVE,
        signed_by=customer_a,
        next_review_on=timezone.localdate() + datetime.timedelta(days=10),
    )
    assert jobs.agreement_reviews_due() == 1
    assert jobs.agreement_reviews_due() == 0  # the job's own once-only rule: one event
    [event] = events_of(EventType.AGREEMENT_REVIEW_DUE)
    assert event.data["agreement"] == {
        "id": agreement.pk,
        "reference": agreement.reference,
        "title": "Finance applications",
        "next_review_on": agreement.next_review_on.isoformat(),
        "url": f"{settings.BRM_BASE_URL}/catalogue/agreements/{agreement.pk}/",
    }
