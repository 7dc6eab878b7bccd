"""The digest job run twice at once, in two threads with their own PostgreSQL
connections, sends each person exactly one digest (transactional: the job commits)."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection

from customers import roles
from notifications.models import DigestItem, NotificationKind, NotificationPreference, OutgoingEmail
from relationships import jobs
from tests.jobs.conftest import START, sent_to
from tests.jobs.test_concurrency import twice_at_once
from tests.relationships.factories import FollowUpActionFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _groups():
    # A transactional test empties every table afterwards, the migrations' groups too.
    for name in (roles.RELATIONSHIP_MANAGERS, roles.IT_MANAGEMENT, roles.STEERING_GROUP):
        Group.objects.get_or_create(name=name)


def test_the_digest_twice_at_once_sends_each_person_one(time_machine, unit_a, unit_b, rm, other_rm):
    time_machine.move_to(START, tick=False)
    for manager in (rm, other_rm):
        NotificationPreference.objects.create(
            user=manager,
            kind=NotificationKind.ACTIONS_OVERDUE,
            delivery=NotificationPreference.Delivery.DIGEST,
        )
    for unit in (unit_a, unit_a, unit_b):
        FollowUpActionFactory(unit=unit, due_on=START.date() - DAY)
    assert jobs.actions_overdue_remind() == 3
    assert mail.outbox == []
    assert DigestItem.objects.waiting().count() == 3

    time_machine.move_to(START + DAY, tick=False)
    results = twice_at_once(jobs.notification_digest)
    assert sum(results) == 2
    assert len(sent_to(rm.email)) == 1
    assert len(sent_to(other_rm.email)) == 1
    assert "2 notifications" in sent_to(rm.email)[0].subject
    assert not DigestItem.objects.waiting().exists()
    assert (
        OutgoingEmail.objects.filter(key__startswith="digest:", status=OutgoingEmail.Status.SENT).count() == 2
    )
