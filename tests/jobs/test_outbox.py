"""The outbox the jobs send through: keys make a second enqueue a no-op, a failed hand-over
is recorded and retried, and every attempt carries the same Message-ID."""

from unittest import mock

import pytest
from django.core import mail

from notifications.mail import (
    MAX_ATTEMPTS,
    email_enqueue,
    email_enqueue_many,
    email_flush_pending,
    email_message_id,
    email_send,
)
from notifications.models import OutgoingEmail
from tests.relationships.factories import FollowUpActionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def action(unit_a):
    return FollowUpActionFactory(unit=unit_a, title="Call back")


def _context():
    from relationships.models import FollowUpAction

    return {"action": FollowUpAction.objects.get(), "days_overdue": 2}


def _queue(key="k:1", send=False):
    return email_enqueue(
        key=key,
        to=["a@example.org", "", "a@example.org"],
        subject="Hello",
        template="action_overdue",
        context=_context(),
        send=send,
    )


def test_a_key_is_queued_once_and_sent_once_with_a_stable_message_id():
    email = _queue()
    assert email.to == ["a@example.org"]
    assert _queue() is None
    assert email_send(email_id=email.pk) is True
    assert email_send(email_id=email.pk) is False
    [message] = mail.outbox
    assert message.extra_headers["Message-ID"] == email_message_id("k:1")
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.SENT, 1)
    assert email.sent_at is not None


def test_a_failed_hand_over_stays_pending_and_fails_after_the_last_attempt():
    email = _queue()
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("refused")):
        for attempt in range(1, MAX_ATTEMPTS + 1):
            assert email_send(email_id=email.pk) is False
            email.refresh_from_db()
            assert email.attempts == attempt
            assert email.last_error == "refused"
            assert email.sent_at is None
            expected = (
                OutgoingEmail.Status.FAILED if attempt == MAX_ATTEMPTS else OutgoingEmail.Status.PENDING
            )
            assert email.status == expected
    assert email_flush_pending() == 0  # given up: the flush leaves it alone
    assert mail.outbox == []


def test_flush_sends_what_is_pending_once():
    for i in range(3):
        _queue(key=f"k:{i}")
    assert email_flush_pending() == 3
    assert email_flush_pending() == 0
    assert len(mail.outbox) == 3


def test_enqueue_many_skips_keys_already_queued():
    _queue(key="survey-x:1")
    messages = [
        {
            "key": f"survey-x:{i}",
            "to": ["b@example.org"],
            "subject": "S",
            "template": "action_overdue",
            "context": _context(),
        }
        for i in range(1, 4)
    ]
    assert email_enqueue_many(messages=messages) == 2
    assert email_enqueue_many(messages=messages) == 0
    assert OutgoingEmail.objects.filter(key__startswith="survey-x:").count() == 3
