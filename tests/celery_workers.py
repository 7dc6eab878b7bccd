"""Real Celery workers for the tests: the test broker on Redis, tasks published for real,
and worker subprocesses (`celery -A brm worker`) on the pytest database.

Loaded by tests/conftest.py as a plugin, so its fixtures serve every test folder. Under
CI=true a missing Redis fails the test instead of skipping it.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

from brm.celery import app as celery_app

BASE_DIR = Path(settings.BASE_DIR)


def test_broker_url() -> str:
    configured = os.environ.get("CELERY_BROKER_URL", "")
    return configured if configured.startswith("redis://") else "redis://127.0.0.1:6379/15"


test_broker_url.__test__ = False  # a helper, not a test


@pytest.fixture
def broker_url():
    """The tests' own Redis database, emptied before and after."""
    import redis

    url = test_broker_url()
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {url}: {exc}")
        pytest.skip(f"Redis is not reachable at {url}")
    client.flushdb()  # the tests' own database number: leftovers of an earlier run go
    yield url
    client.flushdb()


@pytest.fixture
def publish_for_real(broker_url):
    """This test's tasks go to the broker, not run in the test's process. The app publishes
    to the broker of the settings: the tests' Redis (`make test` sets CELERY_BROKER_URL)."""
    conf = celery_app.conf
    if conf.broker_url != broker_url:
        message = f"Tasks for real need CELERY_BROKER_URL={broker_url} (as `make test` sets it), not {conf.broker_url}."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    saved = conf.task_always_eager
    conf.task_always_eager = False
    yield
    conf.task_always_eager = saved


def database_url() -> str:
    """The pytest database as a URL, for a worker in another process."""
    db = settings.DATABASES["default"]
    assert db["ENGINE"].endswith("postgresql"), "the worker tests need PostgreSQL"
    credentials = quote(db["USER"] or "postgres")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class WorkerProcesses:
    """Starts workers on the test broker and database; `stop_all` ends every one still running."""

    def __init__(self, broker_url: str, log_dir: Path):
        self.broker_url = broker_url
        self.log_dir = log_dir
        self.started: list[tuple[subprocess.Popen, object, Path]] = []

    def start(self, *, pool: str = "solo", concurrency: int = 1, env: dict | None = None) -> subprocess.Popen:
        log_path = self.log_dir / f"worker-{len(self.started)}.log"
        log = open(log_path, "wb")  # noqa: SIM115 - closed in stop_all
        name = f"test-{uuid.uuid4().hex[:8]}@%h"
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "brm", "worker", "-P", pool, "-c", str(concurrency)]
            + ["-n", name, "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning"],
            cwd=BASE_DIR,
            env={
                **os.environ,
                "DATABASE_URL": database_url(),
                "CELERY_BROKER_URL": self.broker_url,
                "CELERY_TASK_ALWAYS_EAGER": "false",
                "LOG_LEVEL": "WARNING",
                **(env or {}),
            },
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a kill takes the pool children too
        )
        self.started.append((process, log, log_path))
        destination = [name.replace("%h", socket.gethostname())]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"the worker exited: {log_path.read_text()}")
            if celery_app.control.ping(destination=destination, timeout=0.5):
                return process
        pytest.fail(f"the worker did not answer a ping within 30 s: {log_path.read_text()}")

    def stop_all(self) -> None:
        for process, log, _ in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            log.close()


@pytest.fixture
def worker_processes(transactional_db, publish_for_real, broker_url, tmp_path):
    """Start workers on demand; every one still running is stopped at the end, before the
    test database is emptied."""
    processes = WorkerProcesses(broker_url, tmp_path)
    yield processes
    processes.stop_all()
