from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Lower, Substr
from simple_history.models import HistoricalRecords


class _PathLookup(models.Lookup):
    """A lookup written as SQL with `{lhs}` and `{rhs}`: `sql` for every database,
    `postgresql` where PostgreSQL can use an index that the portable form cannot."""

    sql = postgresql = ""

    def _compile(self, template, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        params = (
            lhs_params + rhs_params
            if template.index("{lhs}") < template.index("{rhs}")
            else rhs_params + lhs_params
        )
        return template.format(lhs=lhs, rhs=rhs), params

    def as_sql(self, compiler, connection):
        return self._compile(self.sql, compiler, connection)

    def as_postgresql(self, compiler, connection):
        return self._compile(self.postgresql, compiler, connection)


class PathWithin(_PathLookup):
    """`path__within=OuterRef("path")`: the row's unit lies at or below the other unit.

    Django's `startswith` against another column compiles to `LIKE other || '%'`, which no
    index can serve; PostgreSQL's `^@` (starts with) is answered by the SP-GiST index on
    the path (migration customers 0003) even when the prefix comes from an outer query."""

    lookup_name = "within"
    sql = "{lhs} LIKE {rhs} || '%%'"
    postgresql = "{lhs} ^@ {rhs}"


class OnPath(_PathLookup):
    """`unit__on_path=OuterRef("path")`: the row's unit is the other unit or one above it.

    A path is the ids from the root down ("/1/1102/1129/"), so the unit is on it when its id
    is one of them. Comparing the path with every unit's path as a prefix reads them all;
    PostgreSQL takes the ids out of the path and looks each one up in the index."""

    lookup_name = "on_path"
    sql = "{rhs} LIKE '%%/' || CAST({lhs} AS text) || '/%%'"
    postgresql = "{lhs} = ANY(string_to_array(btrim({rhs}, '/'), '/')::bigint[])"


class BusinessUnitQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def managed_by(self, user):
        return self.filter(relationship_manager=user)

    def subtree_of(self, unit):
        """The unit and every unit below it: one query, thanks to the materialized path."""
        return self.filter(path__startswith=unit.path)

    def visible_to(self, user):
        """Units a person may see: staff all of them; a business contact the units of their
        contacts, and a customer the whole subtree below their unit."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self
        contacts = Contact.objects.filter(user=user, is_active=True).select_related("unit")
        condition = Q(pk__in=[])
        for contact in contacts:
            if contact.role == Contact.Role.CUSTOMER:
                condition |= Q(path__startswith=contact.unit.path)
            else:
                condition |= Q(pk=contact.unit_id)
        return self.filter(condition)

    def editable_by(self, user):
        """Units a staff member may change: their portfolio, or all for who manages every
        unit (customers.roles.manages_every_unit)."""
        from .roles import manages_every_unit  # roles reads the user model: not at import time

        if not user.is_authenticated or not user.is_staff:
            return self.none()
        if manages_every_unit(user):
            return self
        return self.filter(relationship_manager=user)

    def holding_budget_without_customer(self):
        """Units that hold a budget but where nobody at or above them can decide."""
        # Correlated, so only the units of the queryset are checked, not the whole tree.
        return self.filter(has_budget=True).exclude(models.Exists(_customers_at_or_above()))

    def decided_by(self, contacts):
        """Units whose deciding customer (customers.selectors.deciding_customers_for, here
        in SQL) is one of `contacts`: at or below a customer contact's unit, with no other
        active customer nearer to the unit. No query of its own."""
        condition = Q(pk__in=[])
        for contact in contacts:
            if contact.role != Contact.Role.CUSTOMER or not contact.is_active:
                continue
            nearer = _customers_at_or_above().filter(unit__depth__gt=contact.unit.depth)
            condition |= Q(path__startswith=contact.unit.path) & ~models.Exists(nearer)
        return self.filter(condition)


def _customers_at_or_above():
    """The active customer contacts of the outer query's unit or of a unit above it (their
    unit's path is a prefix of its own): the nearest of them is its deciding customer."""
    return Contact.objects.filter(
        role=Contact.Role.CUSTOMER, is_active=True, unit__on_path=models.OuterRef("path")
    )


class BusinessUnit(models.Model):
    """A unit of the business IT serves: company, division or department, in one tree."""

    class Kind(models.TextChoices):
        COMPANY = "company", "Company"
        DIVISION = "division", "Division"
        DEPARTMENT = "department", "Department"

    name = models.CharField(max_length=200)
    code = models.SlugField(max_length=50, unique=True, help_text="Short unique code, e.g. FIN-AP.")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # "/1/4/17/": the ids from the root down to this unit. Kept by save(); lets a subtree
    # or the ancestors be read in one query instead of one per level.
    path = models.CharField(max_length=500, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    relationship_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_units",
        limit_choices_to={"is_staff": True},
    )
    description = models.TextField(blank=True)
    has_budget = models.BooleanField(default=False, help_text="Holds its own IT budget (follow the money).")
    annual_it_budget = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    survey_frequency_months = models.PositiveSmallIntegerField(
        default=3, help_text="How often its contacts are asked about their satisfaction."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BusinessUnitQuerySet.as_manager()
    # Who changed what and when. The materialized path and depth follow from `parent` (which
    # is kept) and are rewritten with UPDATEs that history cannot see: left out.
    history = HistoricalRecords(excluded_fields=["path", "depth", "updated_at"])

    class Meta:
        ordering = ["path"]
        permissions = [("manage_all_units", "Can edit every business unit, not only a portfolio")]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="unit_not_own_parent"),
            models.CheckConstraint(
                condition=Q(annual_it_budget__isnull=True) | Q(annual_it_budget__gte=0),
                name="unit_budget_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(survey_frequency_months__gte=1, survey_frequency_months__lte=24),
                name="unit_survey_frequency_range",
            ),
        ]
        indexes = [
            models.Index(fields=["relationship_manager", "is_active"]),
            # Lists ordered by unit name (subscriptions, units) walk this, not a sort of all.
            models.Index(fields=["name"], name="unit_name_idx"),
        ]

    def __str__(self):
        return self.name

    @transaction.atomic
    def save(self, *args, **kwargs):
        self.clean()
        parent_path = self.parent.path if self.parent_id else "/"
        if self.pk is None:
            super().save(*args, **kwargs)
            self.path = f"{parent_path}{self.pk}/"
            self.depth = self.path.count("/") - 2
            # UPDATEs of path and depth bypass the history, which leaves both out (see `history`).
            BusinessUnit.objects.filter(pk=self.pk).update(path=self.path, depth=self.depth)
            return
        old_path = BusinessUnit.objects.filter(pk=self.pk).values_list("path", flat=True).first()
        self.path = f"{parent_path}{self.pk}/"
        self.depth = self.path.count("/") - 2
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "path", "depth"}
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            # Moved: rewrite the paths of the whole subtree in one UPDATE.
            BusinessUnit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                path=Concat(Value(self.path), Substr("path", len(old_path) + 1)),
                depth=F("depth") + (self.depth - (old_path.count("/") - 2)),
            )

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to the parent, read from the path (no query)."""
        return [int(part) for part in self.path.strip("/").split("/")[:-1] if part]

    def ancestors(self):
        return BusinessUnit.objects.filter(pk__in=self.ancestor_ids).order_by("depth")

    def clean(self):
        super().clean()
        if self.parent_id and self.pk:
            if self.parent_id == self.pk:
                raise ValidationError({"parent": "A unit cannot be its own parent."})
            if self.parent and f"/{self.pk}/" in self.parent.path:
                raise ValidationError({"parent": "A unit cannot be placed under one of its own sub-units."})


# Paths hold digits and slashes only, so `LIKE prefix || '%'` needs no escaping.
BusinessUnit._meta.get_field("path").register_lookup(PathWithin)


class ContactQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def visible_to(self, user):
        """Contacts of the units the person may see (BusinessUnit.objects.visible_to): for
        staff every contact, with no subquery."""
        if user.is_authenticated and user.is_staff:
            return self
        return self.filter(unit__in=BusinessUnit.objects.visible_to(user))


class Contact(models.Model):
    """A person of the business, in one unit, with a role in the relationship."""

    class Role(models.TextChoices):
        CUSTOMER = "customer", "Customer (decides and finances)"
        PURCHASER = "purchaser", "Purchaser (orders, prepares)"
        STAKEHOLDER = "stakeholder", "Stakeholder"

    unit = models.ForeignKey(BusinessUnit, on_delete=models.CASCADE, related_name="contacts")
    # One person may be a contact of several units; one login serves them all.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
        help_text="Login for the self-service portal, if the contact has one.",
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField()
    phone = models.CharField(max_length=50, blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.STAKEHOLDER)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContactQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            # Addresses are matched case-blind (logins, mail), so the case does not make two.
            models.UniqueConstraint(
                Lower("email"),
                "unit",
                name="contact_unique_email_per_unit",
                violation_error_message="This address is already a contact of this unit.",
            ),
            # The deciding customer must be unambiguous: one active customer per unit.
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(role="customer", is_active=True),
                name="one_active_customer_per_unit",
                violation_error_message="This unit already has an active customer contact.",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "role"]),
            models.Index(fields=["email"]),
            # Whose preferences apply to an address: the outbox matches addresses case-blind.
            models.Index(Lower("email"), name="contact_email_lower_idx"),
            models.Index(fields=["user"]),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class BusinessObjectiveQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Objectives of the units the person may see: for staff every one, no subquery."""
        if user.is_authenticated and user.is_staff:
            return self
        return self.filter(unit__in=BusinessUnit.objects.visible_to(user))


class BusinessObjective(models.Model):
    """A result the business wants to achieve; IT delivery is judged against these."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACHIEVED = "achieved", "Achieved"
        DROPPED = "dropped", "Dropped"

    unit = models.ForeignKey(BusinessUnit, on_delete=models.CASCADE, related_name="objectives")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    target_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BusinessObjectiveQuerySet.as_manager()

    class Meta:
        ordering = ["target_date", "title"]
        indexes = [models.Index(fields=["unit", "status"])]

    def __str__(self):
        return self.title


Contact._meta.get_field("unit").register_lookup(OnPath)
