from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from customers.models import BusinessUnit, Contact


def _units_seen_by(user, units):
    """`units`, the person's visible units when the caller has them already (the portal
    reads them once per request), else BusinessUnit.objects.visible_to as a subquery."""
    return BusinessUnit.objects.visible_to(user) if units is None else units


def plain_number(value: Decimal) -> str:
    """A decimal without trailing zeros or exponent: 90.000 → "90", 99.950 → "99.95"."""
    return format(value.normalize(), "f")


class ServiceCategory(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "service categories"

    def __str__(self):
        return self.name


class ServiceQuerySet(models.QuerySet):
    def live(self):
        return self.filter(lifecycle=Service.Lifecycle.LIVE)


class Service(models.Model):
    """An IT service of the catalogue."""

    class Lifecycle(models.TextChoices):
        PIPELINE = "pipeline", "Pipeline"
        LIVE = "live", "Live"
        RETIRED = "retired", "Retired"

    name = models.CharField(max_length=200, unique=True)
    code = models.SlugField(max_length=50, unique=True)
    description = models.TextField(blank=True)
    category = models.ForeignKey(
        ServiceCategory, null=True, blank=True, on_delete=models.SET_NULL, related_name="services"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_services",
        limit_choices_to={"is_staff": True},
    )
    lifecycle = models.CharField(max_length=20, choices=Lifecycle.choices, default=Lifecycle.PIPELINE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["lifecycle"])]

    def __str__(self):
        return self.name


class ServiceLevelTarget(models.Model):
    """A promised level of a service, e.g. availability at least 99.5 %."""

    class Metric(models.TextChoices):
        AVAILABILITY = "availability", "Availability"
        RESPONSE_TIME = "response_time", "Response time"
        RESOLUTION_TIME = "resolution_time", "Resolution time"
        SATISFACTION = "satisfaction", "User satisfaction"
        OTHER = "other", "Other"

    class Direction(models.TextChoices):
        HIGHER_IS_BETTER = "higher", "At least (higher is better)"
        LOWER_IS_BETTER = "lower", "At most (lower is better)"

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="targets")
    name = models.CharField(max_length=100)
    metric = models.CharField(max_length=30, choices=Metric.choices, default=Metric.OTHER)
    unit_of_measure = models.CharField(max_length=20, help_text="%, hours, minutes, score ...")
    target_value = models.DecimalField(max_digits=12, decimal_places=3)
    direction = models.CharField(max_length=10, choices=Direction.choices)

    class Meta:
        ordering = ["service__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["service", "name"], name="target_unique_name"),
            models.CheckConstraint(
                condition=~Q(metric="availability") | Q(target_value__gte=0, target_value__lte=100),
                name="target_availability_is_percentage",
            ),
        ]

    def __str__(self):
        return f"{self.service.name}: {self.name} {self.summary}"

    @property
    def value_display(self) -> str:
        """The target as people write it: 99.95, 90, 4 (never 9E+1)."""
        return plain_number(self.target_value)

    @property
    def summary(self) -> str:
        sign = "≥" if self.direction == self.Direction.HIGHER_IS_BETTER else "≤"
        return f"{sign} {self.value_display} {self.unit_of_measure}".strip()

    def value_error(self) -> str | None:
        """Why the target value cannot be, if it cannot (the database refuses it too)."""
        if self.metric == self.Metric.AVAILABILITY and not 0 <= self.target_value <= 100:
            return "An availability is a percentage from 0 to 100."
        return None

    def is_met_by(self, value: Decimal) -> bool:
        """The attainment rule: a value meets the target when it is on the right side of
        it (equal counts as met)."""
        if self.direction == self.Direction.HIGHER_IS_BETTER:
            return value >= self.target_value
        return value <= self.target_value


REVIEW_INTERVAL_MESSAGE = "Review between every 1 and every 60 months."


class AgreementQuerySet(models.QuerySet):
    def review_due_by(self, day):
        return self.filter(status=Agreement.Status.ACTIVE, next_review_on__lte=day)

    def visible_to(self, user, *, units=None, today=None):
        """The agreements a person may read, asked alike by the staff pages, the portal, the
        API and their exports. Staff: every agreement. A business contact (any role:
        purchasers and stakeholders read, only the deciding customer signs): those of the
        units they see, and those covering a current subscription of those units
        (services.selectors.covering_agreement), such as the division's agreement that
        covers a department's services. Given `units`, only the agreements in force that
        can matter to them are considered; otherwise every agreement in force is."""
        # selectors builds on these models: imported when asked, not at import time.
        from .selectors import agreements_covering_subscriptions_of

        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self
        seen = _units_seen_by(user, units)
        covering = agreements_covering_subscriptions_of(units=seen, within=units, today=today)
        return self.filter(Q(unit__in=seen) | Q(pk__in=covering))


class Agreement(models.Model):
    """A service level agreement with a customer unit, signed by its deciding customer."""

    REVIEW_INTERVAL_MONTHS = (1, 60)

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active (signed)"
        EXPIRED = "expired", "Expired"
        TERMINATED = "terminated", "Terminated"

    reference = models.SlugField(max_length=50, unique=True)
    title = models.CharField(max_length=200)
    unit = models.ForeignKey(BusinessUnit, on_delete=models.PROTECT, related_name="agreements")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    review_interval_months = models.PositiveSmallIntegerField(default=12)
    next_review_on = models.DateField(null=True, blank=True)
    last_reviewed_on = models.DateField(null=True, blank=True)
    signed_by = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="signed_agreements"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AgreementQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["unit__name", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=F("valid_from")),
                name="agreement_valid_dates_in_order",
                violation_error_message="The end date must come after the start date.",
            ),
            models.CheckConstraint(
                condition=Q(review_interval_months__gte=1, review_interval_months__lte=60),
                name="agreement_review_interval_range",
                violation_error_message=REVIEW_INTERVAL_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(next_review_on__isnull=True) | Q(next_review_on__gte=F("valid_from")),
                name="agreement_review_not_before_start",
                violation_error_message="The next review cannot come before the agreement starts.",
            ),
            models.CheckConstraint(
                condition=~Q(status="active") | Q(signed_by__isnull=False),
                name="agreement_active_is_signed",
                violation_error_message="An active agreement must be signed.",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_review_on"])]

    def __str__(self):
        return f"{self.reference} — {self.title}"

    def rule_errors(self) -> dict[str, str]:
        """What makes these dates and interval impossible, by field (no queries). The staff
        form shows them through clean(); services.agreement_save refuses them for every
        door; the constraints above keep them out of the database."""
        errors = {}
        low, high = self.REVIEW_INTERVAL_MONTHS
        if self.review_interval_months is not None and not low <= self.review_interval_months <= high:
            errors["review_interval_months"] = REVIEW_INTERVAL_MESSAGE
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            errors["valid_until"] = "The end date must come after the start date."
        if self.valid_from and self.next_review_on and self.next_review_on < self.valid_from:
            start = f"{self.valid_from.day} {self.valid_from:%b %Y}"
            errors["next_review_on"] = f"The next review cannot come before the agreement starts ({start})."
        return errors

    def clean(self):
        super().clean()
        if errors := self.rule_errors():
            raise ValidationError(errors)


class SubscriptionQuerySet(models.QuerySet):
    def visible_to(self, user, *, units=None):
        """Staff: every subscription; a business contact those of the units they see."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self
        return self.filter(unit__in=_units_seen_by(user, units))

    def active(self):
        return self.filter(status=Subscription.Status.ACTIVE)

    def current(self):
        """In use or ordered: not ended, and not an order IT refused."""
        return self.filter(status__in=Subscription.CURRENT_STATUSES)

    def waiting(self):
        """Orders waiting for IT to fulfil or refuse them, oldest first."""
        return self.filter(status=Subscription.Status.REQUESTED).order_by("created_at", "pk")


class Subscription(models.Model):
    """A unit uses a service: who ordered it, under which agreement."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"
        REFUSED = "refused", "Refused"

    CURRENT_STATUSES = (Status.REQUESTED, Status.ACTIVE)

    unit = models.ForeignKey(BusinessUnit, on_delete=models.PROTECT, related_name="subscriptions")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="subscriptions")
    agreement = models.ForeignKey(
        Agreement, null=True, blank=True, on_delete=models.SET_NULL, related_name="subscriptions"
    )
    ordered_by = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    quantity = models.PositiveIntegerField(default=1, help_text="Users, seats or instances.")
    notes = models.TextField(blank=True)
    # The decision on the order: which IT staff member fulfilled or refused it, when, why.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SubscriptionQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["unit__name", "service__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "service"],
                condition=Q(status__in=["requested", "active"]),
                name="subscription_one_current_per_unit_service",
                violation_error_message="This unit already uses or has ordered this service.",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(ended_on__gte=F("started_on")),
                name="subscription_dates_in_order",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""),
                name="subscription_refusal_has_reason",
                violation_error_message="A refused order says why.",
            ),
        ]
        indexes = [
            models.Index(fields=["service", "status"]),
            models.Index(fields=["unit", "status"]),
            # The orders queue: the few waiting among every subscription of the organisation.
            models.Index(
                fields=["created_at"], condition=Q(status="requested"), name="subscription_waiting_idx"
            ),
        ]

    def __str__(self):
        return f"{self.unit} uses {self.service}"


class MeasurementQuerySet(models.QuerySet):
    def visible_to(self, user, *, units=None):
        """Staff: every measurement; a business contact those of their units' subscriptions."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self
        return self.filter(subscription__unit__in=_units_seen_by(user, units))


class Measurement(models.Model):
    """The level a subscription actually got for one target in one period (a month)."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="measurements")
    target = models.ForeignKey(ServiceLevelTarget, on_delete=models.CASCADE, related_name="measurements")
    period_start = models.DateField(help_text="First day of the measured month.")
    value = models.DecimalField(max_digits=12, decimal_places=3)
    # Judged against the target in force when it was recorded, so a later change of the
    # target does not rewrite history; and it makes attainment a plain aggregate.
    target_value = models.DecimalField(max_digits=12, decimal_places=3)
    is_met = models.BooleanField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = MeasurementQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "target", "period_start"],
                name="measurement_one_per_period",
                violation_error_message="This target already has a measurement for that month.",
            ),
        ]
        # PostgreSQL also has measurement_attainment_idx (migration 0002), covering is_met.
        indexes = [models.Index(fields=["subscription", "period_start"])]

    def __str__(self):
        return f"{self.target.name} {self.period_start:%Y-%m}: {plain_number(self.value)}"
