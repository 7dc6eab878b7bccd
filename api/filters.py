"""Filters that refuse what they cannot read: `?unit=0.5` or `?is_active=maybe` is a 400
with the parameter named, not a silently ignored filter that returns everything."""

import django_filters
from django import forms
from django.db import models
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import BooleanFilter, FilterSet

from api.fields import DATE_RANGE_MESSAGE, MAX_YEAR, MIN_YEAR, sane_moment


class IdFilter(django_filters.NumberFilter):
    """An object id: a whole number (django-filter's NumberFilter takes decimals)."""

    field_class = forms.IntegerField


class _SaneDateField(forms.DateField):
    def clean(self, value):
        result = super().clean(value)
        if result is not None and not MIN_YEAR <= result.year <= MAX_YEAR:
            raise forms.ValidationError(DATE_RANGE_MESSAGE)
        return result


class _SaneIsoDateTimeField(IsoDateTimeField):
    def clean(self, value):
        result = super().clean(value)
        return None if result is None else sane_moment(result)


class DateFilter(django_filters.DateFilter):
    field_class = _SaneDateField


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = _SaneIsoDateTimeField


class _StrictBooleanField(forms.NullBooleanField):
    widget = forms.TextInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise forms.ValidationError("Use true or false.", code="invalid")

    def validate(self, value):
        pass


class StrictBooleanFilter(BooleanFilter):
    field_class = _StrictBooleanField

    def __init__(self, *args, **kwargs):
        kwargs["widget"] = forms.TextInput
        super().__init__(*args, **kwargs)


class BRMFilterSet(FilterSet):
    FILTER_DEFAULTS = {
        **FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
        models.DateField: {"filter_class": DateFilter},
    }

    def is_valid(self):
        # `?status=` would otherwise mean "no filter": say so instead of returning everything.
        valid = super().is_valid()
        empty = [name for name in self.filters if name in self.data and self.data.get(name) == ""]
        for name in empty:
            self.form.add_error(name, "Give a value, or leave the parameter out.")
        return valid and not empty
