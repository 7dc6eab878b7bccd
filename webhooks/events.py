"""What the domain services call when something a webhook may announce happens:
`emit(EventType.X, obj)`, inside the transaction of the change.

Each event's `data` carries ids, names and staff links of the object, never free text a
person wrote (descriptions, comments, reasons) nor who they are: receivers are other tools,
and they follow the link to read more under their own rights.
"""

from collections.abc import Callable

from django.conf import settings
from django.urls import reverse

from webhooks.models import EventType, WebhookEvent, iso_utc

__all__ = ["EventType", "emit"]


def _url(name: str, *args) -> str:
    return f"{settings.BRM_BASE_URL}{reverse(name, args=args)}"


def _unit(unit) -> dict:
    return {"id": unit.pk, "name": unit.name, "code": unit.code}


def _escalation(escalation) -> dict:
    data = {
        "escalation": {
            "id": escalation.pk,
            "subject": escalation.subject,
            "severity": escalation.severity,
            "level": escalation.level,
            "status": escalation.status,
            "raised_at": iso_utc(escalation.raised_at),
            "respond_by": iso_utc(escalation.respond_by),
            "url": _url("relationships:escalation-detail", escalation.pk),
        },
        "unit": _unit(escalation.unit),
    }
    if escalation.service_id:
        data["service"] = {"id": escalation.service_id, "name": escalation.service.name}
    return data


def _requirement(requirement) -> dict:
    return {
        "requirement": {
            "id": requirement.pk,
            "title": requirement.title,
            "kind": requirement.kind,
            "priority": requirement.priority,
            "status": requirement.status,
            "submitted_at": iso_utc(requirement.submitted_at),
            "decided_at": iso_utc(requirement.decided_at),
            "url": _url("relationships:requirement-detail", requirement.pk),
        },
        "unit": _unit(requirement.unit),
    }


def _survey_response(response) -> dict:
    return {
        "response": {
            "id": response.pk,
            "overall_satisfaction": response.overall_satisfaction,
            "recommend_score": response.recommend_score,
            # Bad enough to escalate (BRM_SURVEY_ESCALATE_AT_SATISFACTION), not only to follow up.
            "very_poor": response.overall_satisfaction <= settings.BRM_SURVEY_ESCALATE_AT_SATISFACTION,
        },
        "campaign": {
            "id": response.campaign_id,
            "name": response.campaign.name,
            "url": _url("relationships:campaign-detail", response.campaign_id),
        },
        "unit": _unit(response.unit),
    }


def _agreement(agreement) -> dict:
    return {
        "agreement": {
            "id": agreement.pk,
            "reference": agreement.reference,
            "title": agreement.title,
            "next_review_on": agreement.next_review_on.isoformat() if agreement.next_review_on else None,
            "url": _url("services:agreement-detail", agreement.pk),
        },
        "unit": _unit(agreement.unit),
    }


PAYLOADS: dict[str, Callable[[object], dict]] = {
    EventType.ESCALATION_RAISED: _escalation,
    EventType.ESCALATION_ESCALATED: _escalation,
    EventType.ESCALATION_RESOLVED: _escalation,
    EventType.REQUIREMENT_SUBMITTED: _requirement,
    EventType.REQUIREMENT_DECIDED: _requirement,
    EventType.SURVEY_POOR_RESPONSE: _survey_response,
    EventType.AGREEMENT_REVIEW_DUE: _agreement,
}


def emit(event_type: str, obj) -> WebhookEvent | None:
    """Record `event_type` about `obj` for every active endpoint subscribed to it, in the
    caller's transaction; the deliveries are published after commit. One query when no
    endpoint listens (then nothing is written and None returned)."""
    from webhooks.services import event_record

    return event_record(event_type=event_type, build_data=lambda: PAYLOADS[event_type](obj))


def emit_many(event_type: str, objs) -> int:
    """`emit` for a batch (the escalation ladder): the endpoints are looked up once, so a
    batch nobody listens to costs one query. Returns how many events were written."""
    from webhooks.services import event_record, subscribed_endpoints

    endpoints = subscribed_endpoints(event_type)
    if not endpoints:
        return 0
    for obj in objs:
        event_record(
            event_type=event_type, build_data=lambda obj=obj: PAYLOADS[event_type](obj), endpoints=endpoints
        )
    return len(objs)
