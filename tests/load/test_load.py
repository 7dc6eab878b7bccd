"""Relationship managers, business contacts and API tools at once, reading and writing,
against gunicorn with production settings on PostgreSQL, Redis and a Celery worker:
no server error, no failed write, every write in the database once, every e-mail sent once.
"""

import time
import uuid

import pytest

from . import checks
from .traffic import Load, describe

pytestmark = [pytest.mark.load, pytest.mark.django_db(transaction=True)]

LOAD_SECONDS = 30
WALL_LIMIT_SECONDS = 120


def test_a_mix_of_users_reading_and_writing_at_once_sees_no_error_and_loses_no_write(stack, actors):
    began = time.monotonic()
    run_id = uuid.uuid4().hex[:8]
    with Load(actors(run_id, probe=True)) as load:
        time.sleep(LOAD_SECONDS)
    print(f"\nload: {load.summary()}")

    broken = [o for o in load.outcomes if o.status is None or o.status >= 500]
    assert not broken, f"{len(broken)} requests failed:\n{describe(broken)}\n{stack.log_tails()}"
    unexpected = [o for o in load.outcomes if not o.ok]
    assert not unexpected, f"{len(unexpected)} unexpected answers:\n{describe(unexpected)}"
    for kind in checks.WRITTEN:
        assert any(o.write == kind for o in load.writes()), f"no {kind} written: the run did too little"
    checks.assert_writes_stored(load, run_id)

    checks.assert_notified(load)
    pending = checks.wait_until_sent(seconds=30)
    assert pending == 0, f"{pending} e-mails still waiting\n{stack.log_tails()}"
    sent = checks.assert_each_mail_sent_once(stack.mail_dir)
    print(f"load: {len(load.writes())} writes stored once each, {sent} e-mails sent once each")
    assert time.monotonic() - began < WALL_LIMIT_SECONDS
