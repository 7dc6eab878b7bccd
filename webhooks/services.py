"""Every write of the webhooks, with its rules: who manages endpoints, what an event
records, how a delivery is claimed, signed, sent, retried and given up.

Reliability is an outbox: `event_record` writes the event and one delivery row per
subscribed endpoint in the transaction of the domain change, and publishes the deliveries
after commit. A broker that is down, or a worker killed halfway, leaves rows pending;
`deliveries_requeue_due` (a periodic job) publishes them again. Sending claims the row
with `select_for_update(skip_locked=True)` and only while it is pending and due, so a
delivery is never sent by two workers at once, and one delivered is never sent again.
"""

import datetime
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.domain import DomainError, DomainPermissionError
from notifications.mail import email_enqueue
from webhooks import failures
from webhooks.models import (
    SUBSCRIBABLE_EVENTS,
    EventType,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    iso_utc,
    new_webhook_secret,
)

log = logging.getLogger(__name__)

PERMISSION = "integrations.manage_webhooks"
# What the pages, the API and the services say to anyone else.
MAY_NOT_MANAGE = "Only administrators of the integrations may manage webhooks."
USER_AGENT = "BRM-Portal-Webhooks/1"
# A delivery published by a retry's countdown may arrive a moment before its due time.
CLAIM_TOLERANCE = datetime.timedelta(seconds=1)
# A due delivery nobody picked up within this long is published again by the periodic job.
REQUEUE_GRACE = datetime.timedelta(seconds=60)


def may_manage_webhooks(user) -> bool:
    """Superusers, and staff given `integrations.manage_webhooks` (IT management has it)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and (user.is_superuser or user.has_perm(PERMISSION))
    )


def _ensure_may_manage(user) -> None:
    if not may_manage_webhooks(user):
        raise DomainPermissionError(MAY_NOT_MANAGE)


# --- Signing ---------------------------------------------------------------------------------


def event_body(event: WebhookEvent) -> bytes:
    """The JSON body of every attempt of every delivery of `event`: the same bytes each time."""
    payload = {
        "id": str(event.id),
        "type": event.event_type,
        "occurred_at": iso_utc(event.occurred_at),
        "data": event.data,
    }
    return json.dumps(payload, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":")).encode()


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=` and the hex HMAC-SHA256, keyed by the endpoint's secret, of
    `<timestamp>.<body>`: the timestamp is signed too, so a receiver can refuse an old
    request replayed (README, "Webhooks")."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def request_headers(*, delivery: WebhookDelivery, body: bytes, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-BRM-Event": delivery.event.event_type,
        "X-BRM-Event-Id": str(delivery.event_id),
        "X-BRM-Delivery": str(delivery.pk),
        "X-BRM-Timestamp": str(timestamp),
        "X-BRM-Signature": signature(secret=delivery.endpoint.secret, timestamp=timestamp, body=body),
    }


# --- Recording events (the outbox) ---------------------------------------------------------


def subscribed_endpoints(event_type: str) -> list[WebhookEndpoint]:
    """The active endpoints that want `event_type`."""
    # Few endpoints, and JSON `contains` is not portable to SQLite: filter here.
    return [e for e in WebhookEndpoint.objects.active().only("pk", "events") if event_type in e.events]


def event_record(
    *, event_type: str, build_data: Callable[[], dict], endpoints: list[WebhookEndpoint] | None = None
) -> WebhookEvent | None:
    """Write the event and a delivery per active endpoint subscribed to `event_type` (or
    per endpoint given), in the caller's transaction; publish them after commit. Nothing
    is written when no endpoint wants it. `build_data` runs only then."""
    if endpoints is None:
        endpoints = subscribed_endpoints(event_type)
    if not endpoints:
        return None
    now = timezone.now()
    with transaction.atomic():
        event = WebhookEvent.objects.create(event_type=event_type, occurred_at=now, data=build_data())
        deliveries = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(event=event, endpoint=endpoint, next_attempt_at=now) for endpoint in endpoints
        )
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: publish_deliveries(ids))
    return event


def publish_deliveries(delivery_ids: list[int]) -> None:
    from webhooks.tasks import webhook_deliver_task

    for pk in delivery_ids:
        try:
            webhook_deliver_task.delay(pk)
        except Exception:  # noqa: BLE001 - broker down: the periodic job publishes it later
            log.warning("Broker unavailable; webhook delivery %s waits for the next requeue.", pk)


# --- Delivering ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """What one call of `delivery_attempt` did: the status it left, and when to retry."""

    status: str
    response_code: int | None
    error: str
    retry_in: int | None = None


def retry_delay(attempts: int) -> int:
    """Seconds before the next try after `attempts` failed ones: doubling, capped. The cap
    stays below the Redis broker's visibility timeout (1 h), past which a countdown is
    delivered twice (harmless here, but wasted)."""
    return min(
        settings.BRM_WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempts - 1), settings.BRM_WEBHOOK_RETRY_MAX_SECONDS
    )


def _post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """POST the event; returns (response code or None, error or ""). The error is written
    for people (webhooks/failures.py); the exception itself goes to the server log."""
    body = event_body(delivery.event)
    headers = request_headers(delivery=delivery, body=body, timestamp=int(time.time()))
    timeout = settings.BRM_WEBHOOK_TIMEOUT_SECONDS
    try:
        # No redirects: a signed body goes only where the administrator said.
        with requests.post(
            delivery.endpoint.url,
            data=body,
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
            stream=True,
        ) as response:
            if 200 <= response.status_code < 300:
                return response.status_code, ""
            body = next(response.iter_content(300, decode_unicode=False), b"").decode(errors="replace")
            return response.status_code, failures.http_failure(
                status=response.status_code,
                reason=response.reason or "",
                body=body,
                location=response.headers.get("Location", ""),
            )
    except requests.RequestException as exc:
        log.info(
            "Webhook delivery %s to %s failed: %s",
            delivery.pk,
            delivery.endpoint.url,
            failures.log_detail(exc),
        )
        return None, failures.request_failure(exc, url=delivery.endpoint.url, timeout=timeout)


def delivery_attempt(*, delivery_id: int) -> Attempt | None:
    """Try one delivery if it is pending, due and its endpoint active (a test event goes
    to a disabled endpoint too). None if there was nothing to do: delivered already, being
    sent by another worker, not due yet, or its endpoint disabled.

    The row stays locked while the receiver answers (bounded by the timeout): a parallel
    worker skips it, and a worker killed before the commit leaves it pending, to be sent
    again with the same event id, which the receiver uses to drop the copy.
    """
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event", "endpoint")
            .filter(
                pk=delivery_id,
                status=WebhookDelivery.Status.PENDING,
                next_attempt_at__lte=now + CLAIM_TOLERANCE,
            )
            .first()
        )
        if delivery is None:
            return None
        is_test = delivery.event.event_type == EventType.TEST
        if not delivery.endpoint.is_active and not is_test:
            return None
        code, error = _post(delivery)
        attempts = delivery.attempts + 1
        fields = {"attempts": attempts, "last_attempt_at": now, "response_code": code, "last_error": error}
        if not error:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                status=WebhookDelivery.Status.DELIVERED,
                delivered_at=timezone.now(),
                next_attempt_at=None,
                **fields,
            )
            if not is_test:
                WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(consecutive_failures=0)
            return Attempt(WebhookDelivery.Status.DELIVERED, code, "")
        # A test is a single try: the person who pressed the button waits for its answer.
        if is_test or attempts >= settings.BRM_WEBHOOK_MAX_ATTEMPTS:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                status=WebhookDelivery.Status.FAILED, next_attempt_at=None, **fields
            )
            if not is_test:
                _endpoint_count_failure(delivery.endpoint, now=now, error=error)
            log.warning("Webhook delivery %s given up after %s attempts: %s", delivery.pk, attempts, error)
            return Attempt(WebhookDelivery.Status.FAILED, code, error)
        delay = retry_delay(attempts)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            next_attempt_at=now + datetime.timedelta(seconds=delay), **fields
        )
        return Attempt(WebhookDelivery.Status.PENDING, code, error, retry_in=delay)


def _endpoint_count_failure(endpoint: WebhookEndpoint, *, now: datetime.datetime, error: str) -> None:
    """One more delivery given up; at BRM_WEBHOOK_DISABLE_AFTER_FAILURES in a row the
    endpoint is disabled and its owner e-mailed. Conditional UPDATEs: two workers failing
    at once disable it (and e-mail) once."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    limit = settings.BRM_WEBHOOK_DISABLE_AFTER_FAILURES
    reason = f"{limit} deliveries in a row failed; the last: {error}"
    disabled = WebhookEndpoint.objects.filter(
        pk=endpoint.pk, is_active=True, consecutive_failures__gte=limit
    ).update(is_active=False, disabled_at=now, disabled_reason=reason[:300], updated_at=now)
    if not disabled:
        return
    endpoint.refresh_from_db()
    owner = endpoint.owner
    if owner is not None:
        email_enqueue(
            key=f"webhook-disabled:{endpoint.pk}:{now.isoformat()}",
            to=[owner.email],
            subject=f"Webhook disabled: {endpoint.name}",
            template="webhook_disabled",
            context={"endpoint": endpoint, "owner": owner, "limit": limit, "last_error": error},
        )
    log.warning("Webhook endpoint %s disabled after %s failed deliveries.", endpoint.pk, limit)


def deliveries_requeue_due(*, now: datetime.datetime | None = None, limit: int = 1000) -> int:
    """Periodic job: publish again the pending deliveries that are due and that nobody
    took within REQUEUE_GRACE (broker down at commit, a lost retry, a killed worker).
    Publishing one twice is harmless: only one claim succeeds. Returns how many."""
    now = now or timezone.now()
    ids = list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING,
            next_attempt_at__lte=now - REQUEUE_GRACE,
        )
        .filter(endpoint__is_active=True)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    publish_deliveries(ids)
    return len(ids)


# --- Managing endpoints ------------------------------------------------------------------


_url_validator = URLValidator(schemes=["http", "https"])


def endpoint_fields_checked(*, name: str, url: str, events: list[str]) -> tuple[str, str, list[str]]:
    """An endpoint's name, address and events as stored, or a DomainError naming the field:
    http(s) addresses only, known events only, at least one."""
    name, url = name.strip(), url.strip()
    if not name:
        raise DomainError("Give the endpoint a name.", field="name")
    try:
        _url_validator(url)
    except ValidationError:
        raise DomainError("Enter a full http:// or https:// address.", field="url") from None
    known = {value for value, _label in SUBSCRIBABLE_EVENTS}
    unknown = [event for event in events if event not in known]
    if unknown:
        raise DomainError(f"Unknown event type: {', '.join(unknown)}.", field="events")
    if not events:
        raise DomainError("Choose at least one event.", field="events")
    # Stored in the order of the list of event types, once each.
    return name, url, [value for value, _label in SUBSCRIBABLE_EVENTS if value in events]


@transaction.atomic
def endpoint_create(*, by, name: str, url: str, events: list[str]) -> WebhookEndpoint:
    """Only those who manage webhooks register one; it starts active, with a new secret,
    and its creator is the owner told about failures."""
    _ensure_may_manage(by)
    name, url, events = endpoint_fields_checked(name=name, url=url, events=events)
    return WebhookEndpoint.objects.create(name=name, url=url, events=events, owner=by)


@transaction.atomic
def endpoint_update(
    *, endpoint: WebhookEndpoint, by, name: str, url: str, events: list[str], owner=None
) -> WebhookEndpoint:
    """Change what an endpoint receives and where; `owner` (who is told about failures)
    stays as it is unless given."""
    _ensure_may_manage(by)
    endpoint.name, endpoint.url, endpoint.events = endpoint_fields_checked(name=name, url=url, events=events)
    if owner is not None:
        endpoint.owner = owner
    endpoint.save(update_fields=["name", "url", "events", "owner", "updated_at"])
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: WebhookEndpoint, by) -> WebhookEndpoint:
    """A new secret at once; every later attempt (retries of older events too) is signed with it."""
    _ensure_may_manage(by)
    endpoint.secret = new_webhook_secret()
    endpoint.secret_rotated_at = timezone.now()
    endpoint.save(update_fields=["secret", "secret_rotated_at", "updated_at"])
    return endpoint


@transaction.atomic
def endpoint_enable(*, endpoint: WebhookEndpoint, by) -> WebhookEndpoint:
    """Re-enable a disabled endpoint: its failure count starts again, and the deliveries
    left pending while it was off are sent now."""
    _ensure_may_manage(by)
    if endpoint.is_active:
        raise DomainError("This endpoint is active already.")
    endpoint.is_active = True
    endpoint.consecutive_failures = 0
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""
    endpoint.save(
        update_fields=["is_active", "consecutive_failures", "disabled_at", "disabled_reason", "updated_at"]
    )
    pending = WebhookDelivery.objects.filter(endpoint=endpoint, status=WebhookDelivery.Status.PENDING)
    pending.update(next_attempt_at=timezone.now())
    ids = list(pending.values_list("pk", flat=True))
    transaction.on_commit(lambda: publish_deliveries(ids))
    return endpoint


@transaction.atomic
def endpoint_disable(*, endpoint: WebhookEndpoint, by) -> WebhookEndpoint:
    """Stop sending by hand: new events are not recorded for it, pending ones wait."""
    _ensure_may_manage(by)
    if not endpoint.is_active:
        raise DomainError("This endpoint is disabled already.")
    now = timezone.now()
    endpoint.is_active = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = f"Disabled by {by.get_full_name() or by.get_username()}."
    endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason", "updated_at"])
    return endpoint


@transaction.atomic
def endpoint_send_test(*, endpoint: WebhookEndpoint, by) -> WebhookEvent:
    """A test event to this endpoint only (disabled or not), tried once."""
    _ensure_may_manage(by)
    return event_record(
        event_type=EventType.TEST,
        build_data=lambda: {
            "endpoint": {"id": endpoint.pk, "name": endpoint.name},
            "message": "A test event from BRM Portal: if its signature checks out, your endpoint is ready.",
        },
        endpoints=[endpoint],
    )
