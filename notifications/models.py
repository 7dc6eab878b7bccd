"""How mail leaves the portal: the outbox, each person's choice per kind of e-mail, and the
items held for their daily digest. The tables kept the names they had in the relationship
app (db_table), where these models began."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class OutgoingEmail(models.Model):
    """Every e-mail the portal sends is written here first, in the transaction that causes
    it, under a key naming its reason ("escalation-reminder:12:level-2"). The key makes a
    second run of any job a no-op, and a row still pending after a broker or worker
    outage is sent by the next flush."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Not sent: no recipient wants it now (digest or off)"

    key = models.CharField(max_length=200, unique=True)
    to = models.JSONField(help_text="List of recipient addresses.")
    # Which notification kind the mail is (blank: mail nobody can switch off, such as the
    # set-password link), and which addresses were left out by their owner's preference,
    # with why: {"ann@example.org": "digest", "bob@example.org": "off"}.
    kind = models.CharField(max_length=30, blank=True)
    withheld = models.JSONField(default=dict, blank=True)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    # Extra headers of the message, such as List-Unsubscribe ({"List-Unsubscribe": "<…>"}).
    headers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "relationships_outgoingemail"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.to)}"


class NotificationKind(models.TextChoices):
    """The kinds of e-mail a person may choose how to receive (relationships/notifications.py
    says which mail is which kind, who gets it and whether it may be switched off)."""

    ESCALATIONS = "escalations", "Escalations at your level"
    ACTIONS_OVERDUE = "actions_overdue", "Overdue follow-up actions"
    SERVICE_REVIEWS = "service_reviews", "Service reviews due"
    REQUIREMENT_DECISIONS = "requirement_decisions", "Decisions on requirements"
    DECISIONS_ASKED = "decisions_asked", "Requests awaiting your decision"
    ESCALATION_PROGRESS = "escalation_progress", "Progress of your escalations"
    SURVEYS = "surveys", "Satisfaction surveys"
    ORDERS_WAITING = "orders_waiting", "Orders waiting for you"
    REQUEST_OUTCOMES = "request_outcomes", "Outcome of your orders and requests"


# Kinds that are part of a formal duty (the escalation route, the deciding customer's
# decision, an order IT must fulfil or refuse): they may be batched in the digest, never
# switched off. Kept here, not only in relationships/notifications.py, so the database refuses an "off"
# for them too.
KINDS_NEVER_OFF = (
    NotificationKind.ESCALATIONS,
    NotificationKind.DECISIONS_ASKED,
    NotificationKind.ORDERS_WAITING,
)


class NotificationPreference(models.Model):
    """How one person wants one kind of e-mail. No row means immediately.

    A person is a login (`user`), or, for a business contact without one who stopped the
    surveys from the link in a survey e-mail, their lower-cased e-mail `address`."""

    class Delivery(models.TextChoices):
        IMMEDIATE = "immediate", "Immediately"
        DIGEST = "digest", "In a daily digest"
        OFF = "off", "Off"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    address = models.EmailField(blank=True, help_text="Lower-cased; only for a person without a login.")
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "relationships_notificationpreference"
        ordering = ["user", "address", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_one_per_kind"),
            models.UniqueConstraint(
                fields=["address", "kind"],
                condition=Q(user__isnull=True),
                name="notification_preference_one_per_address_kind",
            ),
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(address=""))
                | (Q(user__isnull=True) & ~Q(address="") & ~Q(delivery="digest")),
                name="notification_preference_of_a_login_or_an_address",
                violation_error_message="A preference belongs to a login, or to an address without one "
                "(which has no digest to hold mail for).",
            ),
            models.CheckConstraint(
                condition=~Q(delivery="off", kind__in=[kind.value for kind in KINDS_NEVER_OFF]),
                name="notification_preference_duty_never_off",
                violation_error_message="This kind of e-mail cannot be switched off.",
            ),
        ]

    def __str__(self):
        return f"{self.user or self.address}: {self.get_kind_display()} — {self.get_delivery_display()}"


class DigestItemQuerySet(models.QuerySet):
    def waiting(self):
        return self.filter(digest__isnull=True)


class DigestItem(models.Model):
    """An e-mail held for a person's daily digest instead of being sent on its own. The
    digest job gathers a person's waiting items into one e-mail and points `digest` at it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_items")
    email = models.ForeignKey(OutgoingEmail, on_delete=models.CASCADE, related_name="digest_items")
    # The address the e-mail was meant for: the digest goes there.
    address = models.EmailField()
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    summary = models.CharField(max_length=500)
    link = models.URLField(max_length=500)
    created_at = models.DateTimeField()
    digest = models.ForeignKey(
        OutgoingEmail, null=True, blank=True, on_delete=models.SET_NULL, related_name="digest_contents"
    )

    objects = DigestItemQuerySet.as_manager()

    class Meta:
        db_table = "relationships_digestitem"
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["email", "user"], name="digest_item_once_per_email_and_user")
        ]
        indexes = [
            models.Index(
                fields=["user", "created_at"], condition=Q(digest__isnull=True), name="digest_item_waiting"
            )
        ]

    def __str__(self):
        return f"{self.email.subject} → {self.user}"
