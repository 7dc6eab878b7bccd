"""Escalations: complaints that climb a formal route, and what happened on the way."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from customers.models import BusinessUnit, Contact
from services.models import Service

from .. import rules


class EscalationQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=Escalation.OPEN_STATUSES)


class Escalation(models.Model):
    """A complaint that climbs a formal route until someone responds."""

    class Severity(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"
        CRITICAL = "critical", "Critical"

    class Level(models.IntegerChoices):
        RELATIONSHIP_MANAGER = 1, "1 — Relationship manager"
        IT_MANAGEMENT = 2, "2 — IT management"
        STEERING_GROUP = 3, "3 — IT steering group"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    OPEN_STATUSES = (Status.OPEN, Status.ACKNOWLEDGED)

    unit = models.ForeignKey(BusinessUnit, on_delete=models.CASCADE, related_name="escalations")
    subject = models.CharField(max_length=200)
    description = models.TextField()
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.SET_NULL, related_name="escalations"
    )
    level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.RELATIONSHIP_MANAGER)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    raised_by_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="escalations"
    )
    raised_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_at = models.DateTimeField()
    respond_by = models.DateTimeField(help_text="Deadline for the current level to respond.")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)
    # The reminder for the current level: cleared when the level changes.
    level_reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EscalationQuerySet.as_manager()
    # `level_reminded_at` is the ladder job's claim (a conditional UPDATE): bookkeeping,
    # left out; the reminder itself is an EscalationEvent.
    history = HistoricalRecords(excluded_fields=["level_reminded_at", "updated_at"])

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=rules.TOP_LEVEL), name="escalation_level_1_to_3"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "respond_by"]),
            models.Index(fields=["unit", "status"]),
            # The API's default order.
            models.Index(fields=["-raised_at", "id"], name="escalation_recent_idx"),
            # The open ones soonest due first (dashboards, the ladder): read in index order
            # and stopped at the first few, whatever the number of units asked about.
            models.Index(
                fields=["respond_by"],
                condition=Q(status__in=["open", "acknowledged"]),  # OPEN_STATUSES
                name="escalation_open_due_idx",
            ),
            # What waits at level 1 for one relationship manager: the open ones of their
            # units at a level and status, soonest due first, a short range per unit
            # instead of a pass over every open escalation.
            models.Index(
                fields=["unit", "level", "status", "respond_by"],
                condition=Q(status__in=["open", "acknowledged"]),  # OPEN_STATUSES
                name="escalation_open_unit_level_idx",
            ),
        ]

    def __str__(self):
        return self.subject

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def next_level(self) -> int | None:
        """The level above on the route; None at the top (the IT steering group)."""
        return rules.next_level(self.level)

    @property
    def can_escalate(self) -> bool:
        """Open and below the top of the route, so it can move up a level. Who may move it
        is the services' rule (escalation_escalate)."""
        return self.is_open and self.next_level is not None


class EscalationEvent(models.Model):
    """One step in an escalation's history; never changed once written."""

    class Kind(models.TextChoices):
        RAISED = "raised", "Raised"
        REMINDED = "reminded", "Reminder sent"
        ESCALATED = "escalated", "Escalated by hand"
        AUTO_ESCALATED = "auto_escalated", "Escalated automatically (deadline passed)"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        COMMENTED = "commented", "Comment"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_level = models.PositiveSmallIntegerField(null=True, blank=True)
    to_level = models.PositiveSmallIntegerField(null=True, blank=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["escalation", "created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} at {self.created_at:%Y-%m-%d %H:%M}"
