"""Input fields that take what the schema says and nothing looser.

DRF is lenient by default: `"note": 0` becomes "0", `"is_active": "no"` becomes False,
`"unit": "5"` or `true` finds unit 5 or 1. A client that sends the wrong type has a bug;
a 400 naming the field tells them at once. Dates are kept to years a relationship can
span, so date arithmetic in the services (a review one interval later) cannot overflow and
every stored moment renders as a valid RFC 3339 date-time.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

MIN_YEAR, MAX_YEAR = 1900, 2200
MAX_OFFSET = datetime.timedelta(hours=14)
DATE_RANGE_MESSAGE = f"Give a date between the years {MIN_YEAR} and {MAX_YEAR}."


class _TextOnly:
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        # The schema's maxLength counts what is sent; DRF would count after trimming.
        if getattr(self, "max_length", None) is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class StrictCharField(_TextOnly, serializers.CharField):
    pass


class StrictSlugField(_TextOnly, serializers.SlugField):
    pass


class StrictEmailField(_TextOnly, serializers.EmailField):
    pass


@extend_schema_field(
    {
        "oneOf": [{"type": "string", "format": "decimal"}, {"type": "number"}],
        "description": 'A decimal number: a string ("99.5", as the API answers) or a JSON number.',
    },
    component_name=None,
)
class StrictDecimalField(serializers.DecimalField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int | float):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictSlugRelatedField(serializers.SlugRelatedField):
    """A name of an existing object; an empty string is not one (DRF would read it as null)."""

    def run_validation(self, data=serializers.empty):
        if data == "" or (data is not None and data is not serializers.empty and not isinstance(data, str)):
            raise serializers.ValidationError("Give the name of an existing one, or null.")
        return super().run_validation(data)


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class SaneDateField(serializers.DateField):
    def to_internal_value(self, value):
        result = super().to_internal_value(value)
        if not MIN_YEAR <= result.year <= MAX_YEAR:
            raise serializers.ValidationError(DATE_RANGE_MESSAGE)
        return result


def sane_moment(value: datetime.datetime) -> datetime.datetime:
    """The moment in UTC, refused outside the years we keep or with an offset no time zone
    has (PostgreSQL rejects those beyond ±15:59)."""
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_OFFSET:
        raise ValidationError("A time zone offset lies between -14:00 and +14:00.")
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationError(DATE_RANGE_MESSAGE)
    return value.astimezone(datetime.UTC) if offset is not None else value


class SaneDateTimeField(serializers.DateTimeField):
    def to_internal_value(self, value):
        try:
            return sane_moment(super().to_internal_value(value))
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id is a whole number; any other value is 'incorrect type', as DRF words it."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class ModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.SlugField: StrictSlugField,
        models.EmailField: StrictEmailField,
        models.BooleanField: StrictBooleanField,
        models.IntegerField: StrictIntegerField,
        models.PositiveIntegerField: StrictIntegerField,
        models.PositiveSmallIntegerField: StrictIntegerField,
        models.DateField: SaneDateField,
        models.DateTimeField: SaneDateTimeField,
    }
    serializer_related_field = StrictPrimaryKeyRelatedField
