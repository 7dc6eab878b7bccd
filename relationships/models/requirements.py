"""What the business asks for (requirements, decided by its deciding customer) and the
opportunities IT sees to serve it better."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from customers.models import BusinessUnit, Contact
from services.models import Service

from ..querysets import OpportunityQuerySet, RequirementQuerySet


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
        indexes = [
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["status"]),
            # The latest changed first (the unit page): a division's read stops at the first
            # few instead of sorting every requirement beneath it.
            models.Index(fields=["-updated_at"], name="requirement_recent_idx"),
        ]

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
