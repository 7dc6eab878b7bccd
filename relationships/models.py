import base64
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from customers.models import BusinessUnit, Contact
from services.models import Agreement, Service, Subscription

from . import rules
from .querysets import InteractionQuerySet, OpportunityQuerySet, RequirementQuerySet, StaffRowsQuerySet


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
            models.Index(fields=["owner", "status", "due_on"]),
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["status", "due_on"]),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        """Still to be done: open or in progress (done and cancelled ones can be reopened)."""
        return self.status in self.OPEN_STATUSES


class Requirement(models.Model):
    """A wish of the business for a new or changed service, and the decision taken on it."""

    class Kind(models.TextChoices):
        NEW_SERVICE = "new_service", "New service"
        CHANGE = "change", "Change to a service"

    class Status(models.TextChoices):
        DRAFT = "draft", "Being prepared"
        SUBMITTED = "submitted", "Awaiting decision"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        IN_DELIVERY = "in_delivery", "In delivery"
        DELIVERED = "delivered", "Delivered"

    class Priority(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    unit = models.ForeignKey(BusinessUnit, on_delete=models.CASCADE, related_name="requirements")
    title = models.CharField(max_length=200)
    description = models.TextField()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NEW_SERVICE)
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requirements",
        help_text="The service to change, for a change request.",
    )
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    desired_by = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Prepared by a contact (a purchaser, say) in the portal, or by staff on their behalf.
    prepared_by = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="prepared_requirements"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The decision record: who decided, when and why.
    decided_by = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="decided_requirements"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    delivery_started_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RequirementQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="change") | Q(service__isnull=False),
                name="requirement_change_names_service",
                violation_error_message="A change request must name the service to change.",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "rejected", "in_delivery", "delivered"])
                | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="requirement_decision_recorded",
            ),
        ]
        indexes = [models.Index(fields=["unit", "status"]), models.Index(fields=["status"])]

    def __str__(self):
        return self.title


class Opportunity(models.Model):
    """A chance for IT to serve the business better: a change in its operations, new
    technology, or an efficiency for the customer."""

    class Kind(models.TextChoices):
        BUSINESS_CHANGE = "business_change", "Change in the business"
        NEW_TECHNOLOGY = "new_technology", "New technology"
        EFFICIENCY = "efficiency", "Efficiency for the customer"

    class Status(models.TextChoices):
        IDENTIFIED = "identified", "Identified"
        ASSESSING = "assessing", "Being assessed"
        PROPOSED = "proposed", "Proposed to the business"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    unit = models.ForeignKey(BusinessUnit, on_delete=models.CASCADE, related_name="opportunities")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IDENTIFIED)
    estimated_annual_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "opportunities"
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_annual_value__isnull=True) | Q(estimated_annual_value__gte=0),
                name="opportunity_value_not_negative",
            )
        ]
        indexes = [models.Index(fields=["unit", "status"])]

    def __str__(self):
        return self.title


class SurveyCampaign(models.Model):
    """One round of the satisfaction survey, sent to the contacts of units that are due."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        SENDING = "sending", "Sending invitations"
        OPEN = "open", "Open for answers"
        CLOSED = "closed", "Closed"

    name = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="campaign_closes_after_opening",
                violation_error_message="A campaign must close after it opens.",
            )
        ]

    def __str__(self):
        return self.name


def hash_survey_token(token: str) -> str:
    """Only this hash is stored: a database dump does not reveal usable survey links."""
    return hashlib.sha256(token.encode()).hexdigest()


def survey_token_for(salt: str) -> str:
    """The link's secret: an HMAC of a random per-invitation salt under SECRET_KEY (256
    bits). Reminders can rebuild the link without the link itself being stored anywhere."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"brm-survey:{salt}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


class SurveyInvitation(models.Model):
    """One contact asked to answer one campaign, through a single-use link."""

    class Status(models.TextChoices):
        PENDING = "pending", "Not sent yet"
        SENT = "sent", "Sent"
        RESPONDED = "responded", "Answered"
        EXPIRED = "expired", "Expired"

    campaign = models.ForeignKey(SurveyCampaign, on_delete=models.CASCADE, related_name="invitations")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="invitations")
    unit = models.ForeignKey(BusinessUnit, on_delete=models.CASCADE, related_name="invitations")
    token_salt = models.CharField(max_length=32, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["campaign", "contact"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "contact"],
                name="invitation_one_per_contact_per_campaign",
                violation_error_message="This contact is already invited to this campaign.",
            )
        ]
        indexes = [
            models.Index(fields=["campaign", "status"]),
            models.Index(fields=["contact", "created_at"]),
        ]

    def __str__(self):
        return f"{self.contact} — {self.campaign}"

    def save(self, *args, **kwargs):
        if not self.token_salt:
            self.token_salt = secrets.token_hex(16)
            self.token_hash = hash_survey_token(self.token)
        super().save(*args, **kwargs)

    @property
    def token(self) -> str:
        return survey_token_for(self.token_salt)

    @property
    def link(self) -> str:
        return f"{settings.BRM_BASE_URL}/s/{self.token}/"


class SurveyResponse(models.Model):
    """The answer to one invitation."""

    invitation = models.OneToOneField(SurveyInvitation, on_delete=models.CASCADE, related_name="response")
    # Copied from the invitation so results per campaign and unit are plain aggregates.
    campaign = models.ForeignKey(SurveyCampaign, on_delete=models.CASCADE, related_name="responses")
    unit = models.ForeignKey(BusinessUnit, on_delete=models.CASCADE, related_name="survey_responses")
    overall_satisfaction = models.PositiveSmallIntegerField(help_text="1 (very poor) to 5 (excellent)")
    recommend_score = models.PositiveSmallIntegerField(
        help_text="How likely to recommend IT to a colleague: 0 to 10"
    )
    comment = models.TextField(blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(overall_satisfaction__gte=1, overall_satisfaction__lte=5),
                name="response_satisfaction_1_to_5",
                violation_error_message="Overall satisfaction must be between 1 and 5.",
            ),
            models.CheckConstraint(
                condition=Q(recommend_score__gte=0, recommend_score__lte=10),
                name="response_recommend_0_to_10",
                violation_error_message="Likelihood to recommend must be between 0 and 10.",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "unit"]),
            models.Index(fields=["unit", "submitted_at"]),
            # The dashboard's satisfaction trend of a portfolio: an index-only probe per
            # unit instead of a scan of every answer.
            models.Index(
                fields=["unit", "campaign"],
                include=["overall_satisfaction"],
                name="response_unit_campaign_sat",
            ),
        ]

    def __str__(self):
        return f"Response to {self.invitation}"


class ServiceRating(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="ratings")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="ratings")
    rating = models.PositiveSmallIntegerField(help_text="1 (very poor) to 5 (excellent)")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "subscription"], name="rating_one_per_service_per_response"
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5),
                name="rating_1_to_5",
                violation_error_message="A service rating must be between 1 and 5.",
            ),
        ]

    def __str__(self):
        return f"{self.subscription.service}: {self.rating}"


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
