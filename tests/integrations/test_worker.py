"""Through a real Celery worker on Redis: an escalation raised in a request's transaction
is delivered after commit; a 500 is retried by the worker after its backoff, with the
same event id, and both attempts carry a valid signature.

The worker is a subprocess (`celery -A brm worker`) on the pytest database and the test
broker (CELERY_BROKER_URL if it is Redis); the receiver runs in this process on 127.0.0.1.
"""

import datetime
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from brm.celery import app as celery_app
from integrations.models import WebhookDelivery
from integrations.tasks import webhook_deliver_task
from relationships import services
from tests.jobs.test_worker import _database_url, _hostname, _reset_producer_pools

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker_url():
    import redis

    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis://"):
        url = "redis://127.0.0.1:6379/15"
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {url}: {exc}")
        pytest.skip(f"Redis is not reachable at {url}")
    client.flushdb()
    yield url
    client.flushdb()


@pytest.fixture
def worker(transactional_db, broker_url, tmp_path):
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.broker_url, conf.broker_transport_options)
    conf.task_always_eager = False
    conf.broker_url = broker_url
    conf.broker_transport_options = {}
    _reset_producer_pools()
    name = f"hooks-test-{uuid.uuid4().hex[:8]}@%h"
    log_path = tmp_path / "worker.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed at teardown
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "brm", "worker", "-P", "solo", "-n", name]
        + ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning"],
        cwd=Path(settings.BASE_DIR),
        env={
            **os.environ,
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "BRM_WEBHOOK_RETRY_BASE_SECONDS": "1",
            "LOG_LEVEL": "WARNING",
        },
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not celery_app.control.ping(destination=[name.replace("%h", _hostname())], timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the worker did not start: {log_path.read_text()}")
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()
        conf.task_always_eager, conf.broker_url, conf.broker_transport_options = saved
        _reset_producer_pools()


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
