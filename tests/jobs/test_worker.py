"""A survey dispatch of 2,000 invitations through real Celery workers on Redis: every
e-mail sent once; and with the worker SIGKILLed halfway, none lost.

The workers are subprocesses (`celery -A brm worker`) pointed at the pytest database, the
test broker (CELERY_BROKER_URL if it is Redis, else Redis database 15) and a folder of
message files (Django's file-based e-mail backend). Under CI=true a missing Redis fails.
"""

import collections
import os
import re
import signal
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from customers import roles
from customers.models import BusinessUnit, Contact
from notifications.mail import email_message_id
from notifications.models import OutgoingEmail
from relationships import jobs
from relationships.models import SurveyInvitation
from relationships.selectors_survey import campaign_progress, invitation_email_key
from tests.services.factories import SubscriptionFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

INVITATIONS = 2000
UNITS = 40
BASE_DIR = Path(settings.BASE_DIR)


@pytest.fixture
def mail_dir(tmp_path):
    path = tmp_path / "mail"
    path.mkdir()
    return path


@pytest.fixture
def workers(worker_processes, mail_dir):
    """workers(concurrency) starts a prefork worker writing its e-mails to `mail_dir`."""
    env = {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "BRM_SURVEY_DISPATCH_CHUNK": "25",
    }

    def start(concurrency: int = 2):
        return worker_processes.start(pool="prefork", concurrency=concurrency, env=env)

    return start


@pytest.fixture
def big_campaign_units(rm, live_service):
    """40 units using a live service, 50 purchasers each: 2,000 invitations."""
    for name in (roles.RELATIONSHIP_MANAGERS, roles.IT_MANAGEMENT, roles.STEERING_GROUP):
        Group.objects.get_or_create(name=name)
    units = [
        BusinessUnit.objects.create(name=f"Dept {i:02}", code=f"dept-{i:02}", relationship_manager=rm)
        for i in range(UNITS)
    ]
    for unit in units:
        SubscriptionFactory(unit=unit, service=live_service)
    Contact.objects.bulk_create(
        Contact(
            unit=unit,
            first_name=f"P{j}",
            last_name=unit.code,
            email=f"p{j}@{unit.code}.example",
            role=Contact.Role.PURCHASER,
        )
        for unit in units
        for j in range(INVITATIONS // UNITS)
    )
    return units


def _message_ids(mail_dir: Path) -> collections.Counter:
    """Message-IDs of the messages in the backend's files (a file may hold several)."""
    found = collections.Counter()
    for path in mail_dir.iterdir():
        found.update(re.findall(r"^Message-ID: (\S+)$", path.read_text(), flags=re.MULTILINE))
    return found


def _wait_until_sent(campaign, total, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        progress = campaign_progress(campaign)
        if progress.sent >= total:
            return progress
        time.sleep(0.5)
    return campaign_progress(campaign)


def _expected_ids(campaign) -> set[str]:
    return {
        email_message_id(invitation_email_key(campaign_id=campaign.pk, invitation_id=pk))
        for pk in campaign.invitations.values_list("pk", flat=True)
    }


def test_a_dispatch_of_2000_invitations_through_a_worker_sends_each_once(
    workers, big_campaign_units, mail_dir
):
    workers(concurrency=2)
    started = time.monotonic()
    campaign = jobs.survey_schedule()  # commits, then publishes the dispatch to Redis
    assert campaign.invitations.count() == INVITATIONS

    progress = _wait_until_sent(campaign, INVITATIONS, seconds=150)  # ~15 s on an idle machine
    elapsed = time.monotonic() - started
    assert progress.sent == INVITATIONS, f"only {progress.sent} of {INVITATIONS} sent in {elapsed:.0f} s"
    assert not SurveyInvitation.objects.filter(campaign=campaign).exclude(status="sent").exists()
    assert OutgoingEmail.objects.filter(status=OutgoingEmail.Status.SENT).count() == INVITATIONS
    sent = _message_ids(mail_dir)
    assert set(sent) == _expected_ids(campaign)
    assert max(sent.values()) == 1, [mid for mid, n in sent.items() if n > 1]
    print(f"2,000 invitations e-mailed in {elapsed:.1f} s")


def test_a_worker_killed_halfway_loses_nothing_and_doubles_nothing(workers, big_campaign_units, mail_dir):
    first = workers(concurrency=2)
    campaign = jobs.survey_schedule()

    # Kill the whole worker (main process and pool) once about a quarter has gone out.
    deadline = time.monotonic() + 60
    while campaign_progress(campaign).sent < INVITATIONS // 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    at_kill = campaign_progress(campaign)
    assert 0 < at_kill.sent < INVITATIONS, "the kill did not land in the middle of the dispatch"

    # A new worker. The killed worker's unacknowledged tasks return to the queue only after
    # Redis's visibility timeout; meanwhile beat's periodic runs pick up the rest: the
    # scheduling job re-dispatches invitations not yet e-mailed, the flush sends outbox rows
    # left pending. Both are claimed row by row, so overlapping work sends nothing twice.
    workers(concurrency=2)
    from notifications.tasks import email_flush_pending_task
    from relationships.tasks import survey_schedule_task

    survey_schedule_task.delay()
    progress = at_kill
    deadline = time.monotonic() + 150  # generous for a loaded machine; ~15 s when idle
    while progress.sent < INVITATIONS and time.monotonic() < deadline:
        email_flush_pending_task.delay()
        progress = _wait_until_sent(campaign, INVITATIONS, seconds=3)
    assert progress.sent == INVITATIONS, f"{INVITATIONS - progress.sent} invitations lost"

    assert not SurveyInvitation.objects.filter(campaign=campaign).exclude(status="sent").exists()
    assert OutgoingEmail.objects.filter(key__startswith="survey-invitation:").count() == INVITATIONS
    assert OutgoingEmail.objects.exclude(status=OutgoingEmail.Status.SENT).count() == 0
    sent = _message_ids(mail_dir)
    assert set(sent) == _expected_ids(campaign)  # none lost
    doubled = [mid for mid, n in sent.items() if n > 1]
    assert doubled == [], f"sent twice: {doubled}"
    print(f"killed at {at_kill.sent} sent; all {INVITATIONS} sent once after restart")
