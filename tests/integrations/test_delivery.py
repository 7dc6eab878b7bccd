"""Deliveries to a real HTTP receiver: signed, retried with backoff, never sent twice,
given up after the last try, and an endpoint that keeps failing disabled."""

import datetime
import threading

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from webhooks import services
from webhooks.models import EventType, WebhookDelivery, WebhookEvent, iso_utc
from webhooks.tasks import webhook_deliver_task, webhook_requeue_due_task

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
SECOND = datetime.timedelta(seconds=1)


def record(endpoint):
    """An escalation.raised event for `endpoint` (what `emit` writes), in the caller's transaction."""
    return services.event_record(
        event_type=EventType.ESCALATION_RAISED,
        build_data=lambda: {"escalation": {"id": 7, "subject": "VPN down"}},
        endpoints=[endpoint],
    )


def only_delivery() -> WebhookDelivery:
    [delivery] = WebhookDelivery.objects.select_related("event")
    return delivery


def test_a_delivery_is_signed_and_the_receiver_accepts_it(run, endpoint, receiver):
    event = run(record, endpoint=endpoint)

    [request] = receiver.received
    assert request.signature_ok
    assert request.path == "/hooks/brm"
    assert request.headers["X-BRM-Event"] == "escalation.raised"
    assert request.headers["X-BRM-Event-Id"] == str(event.id)
    assert request.headers["Content-Type"] == "application/json"
    assert request.json == {
        "id": str(event.id),
        "type": "escalation.raised",
        "occurred_at": iso_utc(event.occurred_at),
        "data": {"escalation": {"id": 7, "subject": "VPN down"}},
    }
    delivery = only_delivery()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert (delivery.attempts, delivery.response_code, delivery.last_error) == (1, 200, "")
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None


def test_the_signature_covers_timestamp_and_body(endpoint):
    body = b'{"id":"x"}'
    signed = services.signature(secret=endpoint.secret, timestamp=1700000000, body=body)
    assert signed.startswith("sha256=") and len(signed) == 7 + 64
    assert services.signature(secret=endpoint.secret, timestamp=1700000001, body=body) != signed
    assert services.signature(secret=endpoint.secret, timestamp=1700000000, body=b'{"id":"y"}') != signed
    assert services.signature(secret="whsec_other", timestamp=1700000000, body=body) != signed


def test_a_failing_answer_is_retried_later_with_the_same_event_id(run, endpoint, receiver, time_machine):
    time_machine.move_to(START, tick=True)
    receiver.answers = [500]
    event = run(record, endpoint=endpoint)

    # The eager retry ran at once and found the delivery not due: one request so far.
    assert len(receiver.received) == 1
    delivery = only_delivery()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert (delivery.attempts, delivery.response_code) == (1, 500)
    assert delivery.last_error.startswith(
        "HTTP 500 Internal Server Error: the receiver had an error of its own"
    )
    assert START + 29 * SECOND < delivery.next_attempt_at <= START + 31 * SECOND

    webhook_deliver_task.delay(delivery.pk)  # too early: nothing sent
    assert len(receiver.received) == 1

    time_machine.move_to(START + 31 * SECOND, tick=True)
    webhook_deliver_task.delay(delivery.pk)
    assert len(receiver.received) == 2
    first, second = receiver.received
    assert first.headers["X-BRM-Event-Id"] == second.headers["X-BRM-Event-Id"] == str(event.id)
    assert first.body == second.body
    assert first.signature_ok and second.signature_ok
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert (delivery.attempts, delivery.response_code, delivery.last_error) == (2, 200, "")

    # Delivered once: running the task again, or the requeue job, sends nothing.
    webhook_deliver_task.delay(delivery.pk)
    time_machine.move_to(START + 10 * datetime.timedelta(minutes=1), tick=True)
    assert webhook_requeue_due_task.delay().get() == 0
    assert len(receiver.received) == 2


def test_retries_wait_twice_as_long_each_time_up_to_the_cap(settings):
    settings.BRM_WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.BRM_WEBHOOK_RETRY_MAX_SECONDS = 200
    assert [services.retry_delay(n) for n in range(1, 6)] == [30, 60, 120, 200, 200]


def test_a_delivery_is_given_up_after_the_last_attempt(run, endpoint, receiver, time_machine, settings):
    settings.BRM_WEBHOOK_MAX_ATTEMPTS = 3
    time_machine.move_to(START, tick=True)
    receiver.answers = [503, 500, 502]
    run(record, endpoint=endpoint)
    delivery = only_delivery()
    for _ in range(2):
        time_machine.move_to(delivery.next_attempt_at + SECOND, tick=True)
        webhook_deliver_task.delay(delivery.pk)
        delivery.refresh_from_db()

    assert len(receiver.received) == 3
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert (delivery.attempts, delivery.response_code, delivery.next_attempt_at) == (3, 502, None)
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 1
    assert endpoint.is_active  # one delivery given up is not yet a pattern

    time_machine.move_to(START + datetime.timedelta(hours=2), tick=True)
    webhook_deliver_task.delay(delivery.pk)
    assert webhook_requeue_due_task.delay().get() == 0
    assert len(receiver.received) == 3


def test_a_slow_receiver_times_out_and_is_retried(run, endpoint, receiver, settings):
    settings.BRM_WEBHOOK_TIMEOUT_SECONDS = 0.3
    receiver.delay = 1.5
    run(record, endpoint=endpoint)
    delivery = only_delivery()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.response_code is None
    assert delivery.last_error == "127.0.0.1 took the request but gave no answer within 0.3 s."


def test_a_redirect_is_not_followed(run, endpoint, receiver):
    receiver.redirect_to = "http://127.0.0.1:9/elsewhere"
    run(record, endpoint=endpoint)
    delivery = only_delivery()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.response_code == 307
    assert len(receiver.received) == 1


def test_a_receiver_that_is_not_there_is_an_error_recorded(run, endpoint):
    endpoint.url = "http://127.0.0.1:9/nobody-listens"
    endpoint.save()
    run(record, endpoint=endpoint)
    delivery = only_delivery()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.response_code is None
    assert (
        delivery.last_error == "127.0.0.1 refused the connection: nothing listens at that address and port."
    )


def test_an_endpoint_failing_again_and_again_is_disabled_and_its_owner_told(
    run, endpoint, receiver, settings, it_manager
):
    settings.BRM_WEBHOOK_MAX_ATTEMPTS = 1
    settings.BRM_WEBHOOK_DISABLE_AFTER_FAILURES = 3
    receiver.answers = [500, 500, 200, 500, 500, 500]

    for _ in range(5):  # fail, fail, succeed (the count starts again), fail, fail
        run(record, endpoint=endpoint)
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 2
    assert mail.outbox == []

    run(record, endpoint=endpoint)
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert endpoint.disabled_at is not None
    assert "3 deliveries in a row failed" in endpoint.disabled_reason
    [message] = mail.outbox
    assert message.to == [it_manager.email]
    assert message.subject == "Webhook disabled: Service desk"
    assert f"/integrations/webhooks/{endpoint.pk}/" in message.body
    assert "HTTP 500" in message.body

    # Disabled: new events are not recorded for it.
    assert run(record, endpoint=endpoint) is not None  # an explicit list still records
    assert services.event_record(event_type=EventType.ESCALATION_RAISED, build_data=dict) is None


def test_deliveries_that_waited_are_sent_when_the_endpoint_is_enabled_again(
    endpoint, receiver, it_manager, run, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # recorded, not yet published
        record(endpoint)
    services.endpoint_disable(endpoint=endpoint, by=it_manager)
    delivery = only_delivery()
    webhook_deliver_task.delay(delivery.pk)
    assert receiver.received == []

    run(services.endpoint_enable, endpoint=endpoint, by=it_manager)
    assert len(receiver.signed()) == 1
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED


def test_a_test_event_is_tried_once_and_does_not_count_towards_disabling(run, endpoint, receiver, it_manager):
    receiver.answers = [500]
    event = run(services.endpoint_send_test, endpoint=endpoint, by=it_manager)
    assert event.event_type == EventType.TEST
    [request] = receiver.received
    assert request.headers["X-BRM-Event"] == "webhook.test"
    assert request.json["data"]["endpoint"] == {"id": endpoint.pk, "name": "Service desk"}
    delivery = only_delivery()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("failed", 1, 500)
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


def test_a_test_event_reaches_a_disabled_endpoint(run, endpoint, receiver, it_manager):
    services.endpoint_disable(endpoint=endpoint, by=it_manager)
    run(services.endpoint_send_test, endpoint=endpoint, by=it_manager)
    assert len(receiver.signed()) == 1
    assert only_delivery().status == WebhookDelivery.Status.DELIVERED


def test_a_rotated_secret_signs_the_next_attempt(run, endpoint, receiver, it_manager, time_machine):
    time_machine.move_to(START, tick=True)
    old_secret = endpoint.secret
    services.endpoint_rotate_secret(endpoint=endpoint, by=it_manager)
    assert endpoint.secret != old_secret and endpoint.secret.startswith("whsec_")

    run(record, endpoint=endpoint)  # the receiver still knows the old secret: 401
    delivery = only_delivery()
    assert (delivery.status, delivery.response_code) == ("pending", 401)

    receiver.secret = endpoint.secret
    time_machine.move_to(delivery.next_attempt_at + SECOND, tick=True)
    webhook_deliver_task.delay(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED


def test_with_the_broker_down_nothing_is_lost(run, endpoint, receiver, monkeypatch, time_machine):
    time_machine.move_to(START, tick=True)

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(webhook_deliver_task, "delay", broker_down)
    event = run(record, endpoint=endpoint)  # the domain change commits all the same
    assert WebhookEvent.objects.filter(pk=event.pk).exists()
    assert only_delivery().status == WebhookDelivery.Status.PENDING
    monkeypatch.undo()

    # Not yet past the grace period: a task may still be on its way.
    assert services.deliveries_requeue_due() == 0
    time_machine.move_to(START + 2 * datetime.timedelta(minutes=1), tick=True)
    assert services.deliveries_requeue_due() == 1
    assert len(receiver.signed()) == 1
    assert only_delivery().status == WebhookDelivery.Status.DELIVERED


@pytest.mark.django_db(transaction=True)
def test_a_delivery_being_sent_by_another_worker_is_skipped(endpoint, receiver):
    with transaction.atomic():
        record(endpoint)  # committed; the publish after commit runs eagerly and delivers
    delivery = only_delivery()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.PENDING, next_attempt_at=timezone.now()
    )
    receiver.received.clear()
    result = {}

    def other_worker():
        try:
            result["attempt"] = services.delivery_attempt(delivery_id=delivery.pk)
        finally:
            connection.close()

    with transaction.atomic():
        # This "worker" holds the row; the other must skip it, not wait for it.
        WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        thread = threading.Thread(target=other_worker)
        thread.start()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert result == {"attempt": None}
    assert receiver.received == []


def test_the_requeue_job_leaves_a_disabled_endpoints_deliveries_waiting(
    endpoint, receiver, it_manager, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(START, tick=True)
    with django_capture_on_commit_callbacks(execute=False):
        record(endpoint)
    services.endpoint_disable(endpoint=endpoint, by=it_manager)
    time_machine.move_to(START + datetime.timedelta(minutes=5), tick=True)
    assert services.deliveries_requeue_due() == 0
    assert receiver.received == []
    assert only_delivery().status == WebhookDelivery.Status.PENDING


def test_the_data_migration_schedules_the_requeue_and_gives_it_management_the_permission():
    # Run the migration's function itself: a transactional test before may have flushed its rows.
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group
    from django_celery_beat.models import PeriodicTask

    migration = importlib.import_module("webhooks.migrations.0002_permission_and_schedule")
    PeriodicTask.objects.filter(name=migration.SCHEDULE_NAME).delete()
    migration.create(apps, None)
    migration.create(apps, None)  # created once by name

    [task] = PeriodicTask.objects.filter(task="integrations.tasks.webhook_requeue_due_task")
    assert task.enabled and task.interval.every == 1 and task.interval.period == "minutes"
    codenames = Group.objects.get(name="IT management").permissions.values_list("codename", flat=True)
    assert "manage_webhooks" in codenames
