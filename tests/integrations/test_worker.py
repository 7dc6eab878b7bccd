"""Through a real Celery worker on Redis: an escalation raised in a request's transaction
is delivered after commit; a 500 is retried by the worker after its backoff, with the
same event id, and both attempts carry a valid signature.

The worker is a subprocess (`celery -A brm worker`) on the pytest database and the test
broker (CELERY_BROKER_URL if it is Redis); the receiver runs in this process on 127.0.0.1.
"""

import datetime
import time

import pytest

from relationships import services
from webhooks.models import WebhookDelivery
from webhooks.tasks import webhook_deliver_task

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(worker_processes):
    return worker_processes.start(
        env={
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "BRM_WEBHOOK_RETRY_BASE_SECONDS": "1",
        }
    )


def test_a_worker_delivers_and_retries_after_a_failing_answer(worker, endpoint, receiver, unit_a, rm):
    receiver.answers = [500]
    escalation = services.escalation_raise(
        unit=unit_a, by=rm, subject="Payroll run failed", description="", severity="critical"
    )  # commits (no surrounding transaction), then publishes to Redis

    delivery = WebhookDelivery.objects.get()
    deadline = time.monotonic() + 60
    while delivery.status == WebhookDelivery.Status.PENDING and time.monotonic() < deadline:
        time.sleep(0.2)
        delivery.refresh_from_db()

    assert delivery.status == WebhookDelivery.Status.DELIVERED, delivery.last_error
    assert (delivery.attempts, delivery.response_code) == (2, 200)
    first, second = receiver.received
    assert first.signature_ok and second.signature_ok
    assert first.headers["X-BRM-Event-Id"] == second.headers["X-BRM-Event-Id"] == str(delivery.event_id)
    assert first.json["data"]["escalation"]["id"] == escalation.pk
    assert first.json["type"] == "escalation.raised"

    # The retry came after its backoff (1 s here), not at once.
    assert delivery.delivered_at - delivery.created_at >= datetime.timedelta(seconds=1)
    webhook_deliver_task.delay(delivery.pk)  # published again: the worker finds it delivered
    time.sleep(1.5)
    assert len(receiver.received) == 2
