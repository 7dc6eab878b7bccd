"""Outgoing webhooks: endpoints that other tools register, the events the portal emits
and one delivery row per event and endpoint (an outbox: written in the transaction of the
domain change, sent by a Celery task after commit)."""

import datetime
import secrets
import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


def iso_utc(moment: datetime.datetime | None) -> str | None:
    """How times appear in event bodies: UTC, to the second, `2026-03-02T09:00:00Z`."""
    if moment is None:
        return None
    return moment.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def new_webhook_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


class EventType(models.TextChoices):
    ESCALATION_RAISED = "escalation.raised", "Escalation raised"
    ESCALATION_ESCALATED = "escalation.escalated", "Escalation moved up a level"
    ESCALATION_RESOLVED = "escalation.resolved", "Escalation resolved"
    REQUIREMENT_SUBMITTED = "requirement.submitted", "Requirement submitted for decision"
    REQUIREMENT_DECIDED = "requirement.decided", "Requirement approved or rejected"
    SURVEY_POOR_RESPONSE = "survey.poor_response", "Survey answered with a poor score"
    AGREEMENT_REVIEW_DUE = "agreement.review_due", "Agreement review coming due"
    # Sent by hand from the endpoint's page; nobody subscribes to it.
    TEST = "webhook.test", "Test event"


SUBSCRIBABLE_EVENTS = [(value, label) for value, label in EventType.choices if value != EventType.TEST]


class WebhookEndpointQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class WebhookEndpoint(models.Model):
    """A URL another tool gave us, the events it wants and the secret we sign them with."""

    name = models.CharField(max_length=120)
    url = models.URLField("URL", max_length=500)
    events = models.JSONField(default=list, help_text="Event types this endpoint receives.")
    # Needed in clear to compute the HMAC; shown only to those who manage webhooks.
    secret = models.CharField(max_length=100, default=new_webhook_secret)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="webhook_endpoints",
        help_text="Told by e-mail when the endpoint is disabled.",
    )
    is_active = models.BooleanField(default=True)
    # Deliveries given up in a row; reset by any delivered one. At the limit the endpoint is disabled.
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WebhookEndpointQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        permissions = [("manage_webhooks", "Can manage outgoing webhooks")]

    def __str__(self):
        return f"{self.name} ({self.url})"

    def event_labels(self) -> list[str]:
        labels = dict(EventType.choices)
        return [labels.get(event, event) for event in self.events]


class WebhookEvent(models.Model):
    """Something that happened, as receivers see it. Its id is the event id they get on
    every attempt of every delivery, so they can drop a copy."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event_type = models.CharField(max_length=40, choices=EventType.choices)
    occurred_at = models.DateTimeField()
    data = models.JSONField(encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["-occurred_at"]

    def __str__(self):
        return f"{self.event_type} {self.id}"


class WebhookDelivery(models.Model):
    """One event for one endpoint, with the record of every attempt."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="webhook_delivery_once_per_endpoint")
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["endpoint", "-created_at"]),
        ]

    def __str__(self):
        return f"{self.event_id} → {self.endpoint_id} ({self.status})"
