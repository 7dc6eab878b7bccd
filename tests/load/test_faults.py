"""Redis and PostgreSQL going away under load, and coming back.

Redis (the broker): killed and started again, empty, while the users work. The portal
does not need Redis to answer, so every request succeeds; the e-mails whose send task
could not be published wait in the outbox, and the flush job (beat runs it every five
minutes; the test publishes it) sends each exactly once.

PostgreSQL: the relay in front of it cuts every connection and refuses new ones for a few
seconds. Requests meanwhile get a 503 (a page, or JSON from the API) with Retry-After,
never a 500; a write answered so left nothing behind. Once the database is back, every
request succeeds at once (persistent connections are health-checked before reuse), and
every e-mail is sent exactly once.

/readyz says 503 within its short timeout during either outage, 200 after.
"""

import json
import time
import uuid

import pytest
from django.utils import timezone

from brm.views import READINESS_TIMEOUT_SECONDS
from notifications.models import OutgoingEmail

from . import checks
from .traffic import Load, Outcome, describe

pytestmark = [pytest.mark.load, pytest.mark.django_db(transaction=True)]

STEADY_SECONDS = 4  # working normally before the outage
OUTAGE_SECONDS = 6
AFTER_SECONDS = 5  # working again after it
FLUSH_TASK = "relationships.tasks.email_flush_pending_task"
# readyz answers within its timeout (plus the time a loaded machine takes to schedule it).
READYZ_LIMIT_SECONDS = READINESS_TIMEOUT_SECONDS + 1


def _users(load: Load, **window) -> list[Outcome]:
    return load.of(kinds={"staff", "portal", "api"}, **window)


def _assert_answered_cleanly(load: Load, stack) -> None:
    """Every request got an answer: what it expected, or a 503 a person can act on."""
    unanswered = [o for o in load.outcomes if o.status is None]
    assert not unanswered, f"{len(unanswered)} requests got no answer:\n{describe(unanswered)}"
    unclean = [o for o in _users(load) if not o.ok and not o.friendly_503]
    assert not unclean, f"{len(unclean)} requests failed badly:\n{describe(unclean)}\n{stack.log_tails()}"


def _readyz(load: Load, **window) -> list[Outcome]:
    return load.of(kinds={"probe"}, **window)


def _readyz_within(load: Load, start: float, end: float) -> list[Outcome]:
    """Readiness checks that began and ended inside [start, end]."""
    return [o for o in _readyz(load, since=start) if o.started + o.seconds <= end]


def _assert_readyz_unavailable(outcomes: list[Outcome], part: str) -> None:
    assert outcomes, "no readiness check ran during the outage"
    for o in outcomes:
        assert o.status == 503, describe([o])
        assert json.loads(o.body)[part] == "unavailable", o.body
        assert o.seconds < READYZ_LIMIT_SECONDS, f"/readyz took {o.seconds:.1f} s"


def _flush(stack):
    return lambda: stack.send_task(FLUSH_TASK)


def test_redis_restarting_under_load_fails_no_request_and_sends_each_email_once(stack, actors):
    run_id = uuid.uuid4().hex[:8]
    with Load(actors(run_id, probe=True)) as load:
        time.sleep(STEADY_SECONDS)
        stack.redis.kill()
        down, down_at = time.monotonic(), timezone.now()
        time.sleep(OUTAGE_SECONDS)
        up, up_at = time.monotonic(), timezone.now()
        stack.redis.start()
        stack.wait_for_worker(seconds=30)  # it reconnects by itself
        worker_back = time.monotonic()
        time.sleep(AFTER_SECONDS)
    print(f"\nredis restart: {load.summary()}; worker back {worker_back - up:.1f} s after Redis")
    print(
        "readyz: "
        + ", ".join(f"{o.started - down:+.1f}s {o.status} in {o.seconds:.2f}s" for o in _readyz(load))
    )

    _assert_answered_cleanly(load, stack)
    failed = [o for o in _users(load) if not o.ok]
    assert not failed, f"the portal needs no broker to answer, yet:\n{describe(failed)}"
    assert [o for o in _users(load, since=down, until=up) if o.write], "nothing was written during the outage"
    checks.assert_writes_stored(load, run_id)
    checks.assert_notified(load)

    triggered = OutgoingEmail.objects.filter(created_at__gte=down_at, created_at__lt=up_at).count()
    assert triggered > 0, "no e-mail was triggered while Redis was down"
    waiting = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.PENDING).count()
    assert waiting > 0, "the outage left no e-mail waiting: the test did not test the outbox"
    pending = checks.wait_until_sent(seconds=45, nudge=_flush(stack))
    assert pending == 0, f"{pending} e-mails still waiting\n{stack.log_tails()}"
    sent = checks.assert_each_mail_sent_once(stack.mail_dir)
    print(
        f"redis restart: {triggered} e-mails triggered during the outage, {waiting} waited for the flush, {sent} sent once each"
    )

    _assert_readyz_unavailable(_readyz_within(load, down + 0.2, up), "broker")
    after = _readyz(load, since=worker_back + 1)
    assert after and all(o.status == 200 for o in after), describe([o for o in after if o.status != 200])


def test_postgresql_refusing_connections_under_load_answers_503_and_recovers(stack, actors):
    run_id = uuid.uuid4().hex[:8]
    with Load(actors(run_id, probe=True)) as load:
        time.sleep(STEADY_SECONDS)
        stack.proxy.refuse()
        down = time.monotonic()
        time.sleep(OUTAGE_SECONDS)
        stack.proxy.accept()
        up = time.monotonic()
        time.sleep(AFTER_SECONDS)
    print(f"\npostgresql outage: {load.summary()}")

    _assert_answered_cleanly(load, stack)
    during = _users(load, since=down, until=up)
    for api in (False, True):
        refused = [o for o in during if o.is_api == api and o.status == 503]
        assert refused, f"no {'API' if api else 'page'} request met the outage"
    slow = [o for o in during if o.status == 503 and o.seconds > 5]
    assert not slow, f"503s should be quick:\n{describe(slow)}"
    after = _users(load, since=up)
    assert after and all(o.ok for o in after), "not back at once:\n" + describe(
        [o for o in after if not o.ok]
    )

    # A blip while nobody asks: each web worker's persistent connection dies unnoticed, and
    # is replaced before its next request uses it (CONN_HEALTH_CHECKS), not failing that request.
    stack.proxy.refuse()
    stack.proxy.accept()
    blip = time.monotonic()
    staff, api = load.actors[0], next(actor for actor in load.actors if actor.kind == "api")
    for _ in range(4):
        staff.call("GET", "/dashboard/", expect=200)
        api.call("GET", "/api/v1/units/", expect=200)
    after_blip = load.of(since=blip)
    assert all(o.ok for o in after_blip), "stale connections reused:\n" + describe(
        [o for o in after_blip if not o.ok]
    )

    checks.assert_writes_stored(load, run_id)
    checks.assert_notified(load)
    pending = checks.wait_until_sent(seconds=45, nudge=_flush(stack))
    assert pending == 0, f"{pending} e-mails still waiting\n{stack.log_tails()}"
    sent = checks.assert_each_mail_sent_once(stack.mail_dir)
    failed_writes = len(load.writes(ok=False))
    print(
        f"postgresql outage: {failed_writes} writes answered 503 (none saved), {sent} e-mails sent once each"
    )

    _assert_readyz_unavailable(_readyz_within(load, down + 0.2, up), "database")
    assert all(o.status == 200 for o in _readyz(load, since=up + 0.5))
