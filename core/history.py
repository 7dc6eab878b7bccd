"""The audit history of a record (django-simple-history), as people read it: when, who, and
what changed, field by field, with human field names, choice labels and the names of
related records instead of their ids.

One helper for the staff pages, the portal and the API. Its cost does not grow with the
number of entries: one query for the history rows (their users joined in), and at most one
more per kind of related record whose value changed (every id of that kind in one query).
"""

from __future__ import annotations

import datetime
import decimal
import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format, number_format

# Changes nobody signed in made: scheduled jobs, management commands, public survey answers.
SYSTEM_ACTOR = "System"
# Never worth a line: they change with every save, or never.
ALWAYS_HIDDEN = {"created_at", "updated_at"}
# What IT keeps to itself: a business contact reading a history sees no change to these
# (the API and portal do not show them either).
STAFF_ONLY_FIELDS = {
    "customers.contact": {"user"},  # the login account; the business sees only "has a login"
    "relationships.requirement": {"created_by"},  # the staff member who typed it in
}
KIND_LABELS = {"+": "Created", "~": "Changed", "-": "Deleted"}
KIND_CODES = {"+": "created", "~": "changed", "-": "deleted"}
# The page sections show the latest changes; the API pages through all of them.
SECTION_LIMIT = 25


@dataclass
class FieldChange:
    field: str
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    id: int
    at: datetime.datetime
    kind: str
    kind_label: str
    user_id: int | None
    actor: str
    actor_is_staff: bool
    changes: list[FieldChange] = field(default_factory=list)


@dataclass
class HistorySection:
    entries: list[HistoryEntry]
    has_more: bool
    # What the history is of, for a heading that must name it ("History of Accounts
    # Payable" on an edit page, whose own title is "Edit …").
    subject: str = ""


def history_records(obj):
    """The history rows of `obj`, newest first, with the acting user joined in."""
    return obj.history.select_related("history_user").order_by("-history_date", "-history_id")


def record_before(record):
    """The history row just before `record` of the same object (one query), or None."""
    return (
        type(record)
        .objects.filter(id=record.id)
        .filter(
            Q(history_date__lt=record.history_date)
            | Q(history_date=record.history_date, history_id__lt=record.history_id)
        )
        .order_by("-history_date", "-history_id")
        .first()
    )


def history_section(obj, *, viewer, limit: int = SECTION_LIMIT) -> HistorySection:
    """The latest `limit` entries of `obj`'s history for a page. One query for the rows
    (one more than shown: the row before the oldest shown is what it is compared with),
    plus the names of changed related records."""
    records = list(history_records(obj)[: limit + 1])
    shown, older = records[:limit], (records[limit] if len(records) > limit else None)
    return HistorySection(
        entries=history_entries(shown, older=older, viewer=viewer),
        has_more=len(records) > limit,
        subject=str(obj),
    )


def history_entries(records: list, *, older=None, viewer=None) -> list[HistoryEntry]:
    """Entries for `records` (history rows of one object, newest first). `older` is the row
    just before the last one, if any: each row is compared with the one before it."""
    if not records:
        return []
    model = records[0].instance_type
    hidden = set(ALWAYS_HIDDEN)
    if viewer is None or not viewer.is_staff:
        hidden |= STAFF_ONLY_FIELDS.get(model._meta.label_lower, set())
    previous = [*records[1:], older]
    deltas = []
    for record, before in zip(records, previous, strict=True):
        if record.history_type == "~" and before is not None:
            deltas.append(record.diff_against(before, excluded_fields=hidden).changes)
        else:
            deltas.append([])
    names = _related_names(model, [change for changes in deltas for change in changes])
    entries = []
    for record, changes in zip(records, deltas, strict=True):
        user = record.history_user
        entries.append(
            HistoryEntry(
                id=record.history_id,
                at=record.history_date,
                kind=KIND_CODES[record.history_type],
                kind_label=KIND_LABELS[record.history_type],
                user_id=record.history_user_id,
                actor=user_name(user) if user is not None else SYSTEM_ACTOR,
                actor_is_staff=bool(user is not None and user.is_staff),
                changes=[_field_change(model, change, names) for change in changes],
            )
        )
    return entries


def user_name(user) -> str:
    return user.get_full_name() or user.get_username()


def _related_names(model, changes) -> dict:
    """{(related model, pk): name} for every related id in `changes`: one query per model."""
    wanted: dict[type[models.Model], set] = {}
    for change in changes:
        model_field = model._meta.get_field(change.field)
        if model_field.is_relation and model_field.many_to_one:
            ids = wanted.setdefault(model_field.related_model, set())
            ids.update(value for value in (change.old, change.new) if value is not None)
    names = {}
    for related, ids in wanted.items():
        for pk, obj in related._default_manager.in_bulk(ids).items():
            names[(related, pk)] = _name_of(obj)
    return names


def _name_of(obj) -> str:
    if isinstance(obj, get_user_model()):
        return user_name(obj)
    if obj._meta.label_lower == "relationships.surveyresponse":
        # Its own str() reads the invitation and the contact: one query each.
        return f"Survey answer of {date_format(timezone.localtime(obj.submitted_at))}"
    return str(obj)


def _field_change(model, change, names) -> FieldChange:
    model_field = model._meta.get_field(change.field)
    label = str(model_field.verbose_name)
    # Names derived from field names say "it" where people write "IT" (annual_it_budget).
    label = re.sub(r"\bit\b", "IT", label[:1].upper() + label[1:])
    return FieldChange(
        field=change.field,
        label=label,
        old=_display(model_field, change.old, names),
        new=_display(model_field, change.new, names),
    )


def _display(model_field, value, names) -> str:
    if value is None or value == "":
        return "—"
    if model_field.is_relation:
        return names.get((model_field.related_model, value), f"#{value} (deleted)")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return "Yes" if value else "No"
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value)
    if isinstance(value, decimal.Decimal):
        whole = value == value.to_integral_value()
        return number_format(value.quantize(decimal.Decimal(1)) if whole else value, force_grouping=True)
    return str(value)
