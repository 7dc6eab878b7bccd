"""Helpers of the security tests: every URL pattern of the project, and free text put into
every text field of the rows."""

import itertools

from django.apps import apps
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

PROJECT_APPS = ("customers", "services", "relationships", "integrations")


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


class Words(tuple):
    """The values of a URL parameter that is a word, not a row's id (an import kind, a
    button's action): every one of them is walked."""

    def __new__(cls, *values):
        return super().__new__(cls, values)


def url_args(keys, rows) -> list[list] | None:
    """Every list of arguments for a URL whose parameters `keys` name rows (by key in
    `rows`: their ids) or Words (each value in turn); None when a row is not in `rows`."""
    keys = keys if isinstance(keys, tuple) and not isinstance(keys, Words) else (keys,)
    choices = []
    for key in keys:
        if isinstance(key, Words):
            choices.append(list(key))
        elif key in rows:
            choices.append([rows[key].pk])
        else:
            return None
    return [list(values) for values in itertools.product(*choices)]


def webhook_rows(*, owner) -> dict:
    """A disabled webhook endpoint with a failed delivery (its last error shown on the page)."""
    from tests.integrations.factories import WebhookEndpointFactory
    from webhooks.models import EventType, WebhookDelivery, WebhookEvent

    endpoint = WebhookEndpointFactory(owner=owner, is_active=False, disabled_reason="5 deliveries failed")
    event = WebhookEvent.objects.create(
        event_type=EventType.ESCALATION_RAISED, occurred_at=timezone.now(), data={"id": 1}
    )
    delivery = WebhookDelivery.objects.create(
        event=event,
        endpoint=endpoint,
        status=WebhookDelivery.Status.FAILED,
        attempts=6,
        response_code=500,
        last_error="HTTP 500 Internal Server Error: receiver says no",
    )
    return {"webhook_endpoint": endpoint, "webhook_delivery": delivery}
