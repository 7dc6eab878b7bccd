"""Helpers of the security tests: every URL pattern of the project, and free text put into
every text field of the rows."""

from django.apps import apps
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver

PROJECT_APPS = ("customers", "services", "relationships")


def url_patterns():
    """(route, name, parameter names) of every URL pattern, admin's included."""

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = namespace
                if pattern.namespace:
                    ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
                yield prefix + str(pattern.pattern), name, tuple(pattern.pattern.regex.groupindex)

    return list(walk(get_resolver().url_patterns, "", None))


def free_text_fields(model):
    """The text a person types: char and text fields without choices, not unique (codes,
    keys), editable (no hashes or paths), not e-mail addresses."""
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and not isinstance(field, models.EmailField)
        and not field.choices
        and not field.unique
        and field.editable
        and field.name != "password"  # a hash, not text: changing it signs the user out
    ]


def project_models():
    return [m for app in PROJECT_APPS for m in apps.get_app_config(app).get_models()]


def fill_free_text(obj, text: str) -> list[str]:
    """Puts `text` (cut to each field's length) into every free-text field of `obj`;
    returns the fields filled."""
    values = {}
    for field in free_text_fields(type(obj)):
        if field.max_length and field.max_length < len(text):
            continue
        values[field.name] = text
    if values:
        type(obj).objects.filter(pk=obj.pk).update(**values)
    return sorted(values)
