"""Satisfaction surveys: campaigns, single-use invitations, answers and ratings per service."""

import base64
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from customers.models import BusinessUnit, Contact
from services.models import Subscription


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
