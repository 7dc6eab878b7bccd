"""Interactions with the business and the follow-up actions that come out of them."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from customers.models import BusinessUnit, Contact
from services.models import Agreement

from ..querysets import InteractionQuerySet, StaffRowsQuerySet


class Interaction(models.Model):
    """A contact moment with the business: who was there, what was said, how it felt."""

    class Kind(models.TextChoices):
        MEETING = "meeting", "Meeting"
        CALL = "call", "Call"
        EMAIL = "email", "E-mail"
        SERVICE_REVIEW = "service_review", "Service review"
        WORKSHOP = "workshop", "Workshop"
        STEERING = "steering", "Steering meeting"

    class Sentiment(models.TextChoices):
        POSITIVE = "positive", "Positive"
        NEUTRAL = "neutral", "Neutral"
        NEGATIVE = "negative", "Negative"

    unit = models.ForeignKey(BusinessUnit, on_delete=models.CASCADE, related_name="interactions")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.MEETING)
    subject = models.CharField(max_length=200)
    occurred_at = models.DateTimeField()
    notes = models.TextField(blank=True)
    sentiment = models.CharField(max_length=10, choices=Sentiment.choices, default=Sentiment.NEUTRAL)
    is_shared_with_business = models.BooleanField(
        default=False, help_text="Show these notes to the unit's contacts in the portal."
    )
    agreement = models.ForeignKey(
        Agreement,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviews",
        help_text="For a service review: the agreement under review.",
    )
    contacts = models.ManyToManyField(Contact, blank=True, related_name="interactions")
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="interactions")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InteractionQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["unit", "-occurred_at"]),
            # The API's default order: page 1 reads 50 index entries, not the whole table.
            models.Index(fields=["-occurred_at", "id"], name="interaction_recent_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.subject}"


class FollowUpActionQuerySet(StaffRowsQuerySet):
    def open(self):
        return self.filter(status__in=FollowUpAction.OPEN_STATUSES)

    def overdue(self, today):
        return self.open().filter(due_on__lt=today)


class FollowUpAction(models.Model):
    """Work that came out of an interaction, a survey answer, an escalation or a review."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    unit = models.ForeignKey(BusinessUnit, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="actions")
    due_on = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    interaction = models.ForeignKey(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    survey_response = models.ForeignKey(
        "SurveyResponse", null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    escalation = models.ForeignKey(
        "Escalation", null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    agreement = models.ForeignKey(
        Agreement, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    last_reminded_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FollowUpActionQuerySet.as_manager()
    # `last_reminded_on` is the overdue job's claim, set by a conditional UPDATE once a day:
    # bookkeeping, not a change anyone made, so it stays out of the history.
    history = HistoricalRecords(excluded_fields=["last_reminded_on", "updated_at"])

    class Meta:
        ordering = ["due_on"]
        indexes = [
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["status", "due_on"]),
            # The open ones soonest due first (the dashboard), as for escalations, and a
            # person's own (what waits for them, their reminders).
            models.Index(
                fields=["due_on", "id"],
                condition=models.Q(status__in=["open", "in_progress"]),  # OPEN_STATUSES
                name="action_open_due_idx",
            ),
            models.Index(
                fields=["owner", "due_on", "id"],
                condition=models.Q(status__in=["open", "in_progress"]),  # OPEN_STATUSES
                name="action_open_owner_due_idx",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        """Still to be done: open or in progress (done and cancelled ones can be reopened)."""
        return self.status in self.OPEN_STATUSES
