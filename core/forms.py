"""What every form of the staff workspace, the portal and the integrations pages shares,
so that a form opened on an existing row and saved unchanged changes nothing.

- Dates and times travel in ISO 8601. A browser reads `<input type="date">` only as
  YYYY-MM-DD (and datetime-local as YYYY-MM-DDTHH:MM) and shows its picker in the
  person's own locale; the en-gb format Django would write ("28/11/2026") is dropped by
  the browser, so the field showed empty and the date was lost or refused on save.
- A form for an existing row shows the row. `initial` holds defaults for a new row (the
  unit of the page it was opened from, "me" as owner); applied to an existing row it
  showed another unit, or none, and changed the row on save.
- A time is shown to the minute; saved unchanged it keeps the seconds it was stored with.
- Line breaks are stored as "\\n": browsers send every line break of a textarea as CRLF.
- A choice the row already has stays a choice (`keeping`): a colleague who left or a unit
  that closed would otherwise show as no choice at all, and be cleared or refused on save.
"""

import datetime

from django import forms
from django.forms.models import model_to_dict
from django.utils import timezone

from core.domain import DomainError

ISO_DATE = "%Y-%m-%d"
ISO_LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs, format=format or ISO_DATE)


class DateTimeInput(forms.DateTimeInput):
    """To the minute, in the portal's time zone (as the form field reads it back)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs, format=format or ISO_LOCAL_MINUTE)


class Textarea(forms.Textarea):
    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def keeping(queryset, *current):
    """The choices offered, plus the objects the row already has (ids; None for none)."""
    ids = [pk for pk in current if pk is not None]
    return queryset | queryset.model._default_manager.filter(pk__in=ids) if ids else queryset


def _browser_widget(widget: forms.Widget) -> forms.Widget:
    """Django's own date, time and textarea widgets swapped for ours, attributes kept."""
    for django_class, ours in (
        (forms.DateTimeInput, DateTimeInput),
        (forms.DateInput, DateInput),
        (forms.Textarea, Textarea),
    ):
        if type(widget) is django_class:
            replacement = ours(attrs=widget.attrs)
            replacement.is_required = widget.is_required
            return replacement
    return widget


class BrowserFormMixin:
    """Put first in the bases of every form (`class XForm(BrowserFormMixin, forms.Form)`).
    Forms that define clean() call super().clean()."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if instance is not None and instance.pk is not None:
            # Editing: the row's own values win over defaults meant for a new row.
            stored = model_to_dict(instance, self._meta.fields, self._meta.exclude)
            self.initial = {**self.initial, **stored}
        for field in self.fields.values():
            field.widget = _browser_widget(field.widget)

    def clean(self):
        data = super().clean()
        for name, field in self.fields.items():
            if isinstance(field, forms.DateTimeField) and data.get(name) is not None:
                # Not get_initial_for_field(): it drops the microseconds we keep.
                stored = self.initial.get(name, field.initial)
                if isinstance(stored, datetime.datetime) and _same_minute(stored, data[name]):
                    data[name] = stored
        return data


def _same_minute(stored: datetime.datetime, given: datetime.datetime) -> bool:
    if timezone.is_aware(stored) != timezone.is_aware(given):
        return False
    return stored.replace(second=0, microsecond=0) == given


def form_error_from(form, error: DomainError) -> None:
    """Show a domain rule's message next to the field it names, else above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)
