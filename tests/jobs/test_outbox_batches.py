"""The outbox's batch sender: one refused message does not hold back the rest of its batch,
a crash mid-batch repeats at most that batch, and a survey dispatch chunk costs the same
number of queries however many invitations it carries."""

import email
import re
from unittest import mock

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from customers.models import Contact
from notifications.mail import SEND_BATCH, _message, email_enqueue_many, email_render, email_send_many
from notifications.models import OutgoingEmail
from relationships import jobs
from relationships.models import SurveyInvitation
from relationships.selectors_survey import invitation_email_key
from tests.customers.factories import ContactFactory

from .conftest import START

pytestmark = pytest.mark.django_db


def _queue(count: int, start: int = 0) -> list[str]:
    messages = [
        {
            "key": f"batch:{i}",
            "to": [f"p{i}@acme.example"],
            "subject": f"Message {i}",
            "template": "portal_access",
            "context": {"user": None, "contact": None, "link": f"https://x.example/{i}"},
        }
        for i in range(start, start + count)
    ]
    email_enqueue_many(messages=messages)
    return [message["key"] for message in messages]


def test_a_refused_message_stays_pending_and_the_rest_of_its_batch_goes_out():
    keys = _queue(5)
    original = EmailMultiAlternatives.send

    def refuse_the_third(self, *args, **kwargs):
        if "p2@acme.example" in self.to:
            raise OSError("mailbox unavailable")
        return original(self, *args, **kwargs)

    with mock.patch("django.core.mail.EmailMultiAlternatives.send", refuse_the_third):
        assert email_send_many(keys=keys) == 4
    refused = OutgoingEmail.objects.get(key="batch:2")
    assert (refused.status, refused.attempts, refused.last_error) == ("pending", 1, "mailbox unavailable")
    assert OutgoingEmail.objects.filter(status="sent").count() == 4
    assert email_send_many(keys=keys) == 1  # the retry sends the one left
    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"p{i}@acme.example" for i in range(5))


def test_sending_many_rows_costs_a_query_per_batch_not_per_message(django_assert_num_queries):
    keys = _queue(SEND_BATCH * 2 + 1)
    # The content in one query; then per batch of SEND_BATCH its transaction (a savepoint
    # pair inside the test's transaction) around one claim, the UPDATE.
    with django_assert_num_queries(1 + 3 * 3):
        assert email_send_many(keys=keys) == SEND_BATCH * 2 + 1
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == SEND_BATCH * 2 + 1


@pytest.fixture
def campaign_of(time_machine, unit_a, subscribe):
    subscribe(unit_a)

    def make(count: int):
        Contact.objects.filter(unit=unit_a).delete()
        for i in range(count):
            ContactFactory(unit=unit_a, email=f"c{i}@acme.example", role=Contact.Role.PURCHASER)
        campaign = jobs.survey_schedule()  # after-commit dispatch not run: all pending
        return campaign, list(campaign.invitations.order_by("pk").values_list("pk", flat=True))

    time_machine.move_to(START, tick=False)
    return make


@pytest.mark.parametrize("count", [3, 17])
def test_a_dispatch_chunk_costs_the_same_queries_however_many_invitations(
    campaign_of, count, django_assert_num_queries
):
    campaign, ids = campaign_of(count)
    assert len(ids) == count < SEND_BATCH
    # Claim the invitations (each with its unit's count of services to rate); existing keys;
    # the logins owning the addresses; the choices of those logins and of the addresses; the
    # INSERT; the count of new rows; mark the invitations; then read the outbox rows, claim
    # them; mark the campaign open. Two transactions add their savepoint pairs.
    with django_assert_num_queries(14):
        assert jobs.survey_send_chunk(campaign_id=campaign.pk, invitation_ids=ids) == count
    assert not SurveyInvitation.objects.filter(campaign=campaign, status="pending").exists()
    assert len(mail.outbox) == count


def _rendered_in_full(invitation) -> tuple[str, str]:
    return email_render(template="survey_invitation", context=jobs._survey_invitation_context(invitation))


@pytest.mark.parametrize("slots_work", [True, False])
def test_invitations_rendered_once_per_chunk_read_as_if_each_were_rendered_in_full(
    time_machine, unit_a, subscribe, slots_work, caplog
):
    """Also when the stand-ins fall short (here: a pattern that finds none of them), then
    each invitation is rendered in full."""
    time_machine.move_to(START, tick=False)
    subscribe(unit_a)
    unit_a.name = 'R&D <"Labs">'
    unit_a.save()
    Contact.objects.filter(unit=unit_a).delete()
    ContactFactory(unit=unit_a, first_name="Zoë", email="z@acme.example", role=Contact.Role.PURCHASER)
    ContactFactory(
        unit=unit_a, first_name="", last_name="O'Brien", email="o@acme.example", role=Contact.Role.PURCHASER
    )
    campaign = jobs.survey_schedule()
    ids = list(campaign.invitations.order_by("pk").values_list("pk", flat=True))
    pattern = jobs._SLOT_PATTERN if slots_work else re.compile("a pattern found nowhere")
    with mock.patch.object(jobs, "_SLOT_PATTERN", pattern):
        assert jobs.survey_send_chunk(campaign_id=campaign.pk, invitation_ids=ids) == 2
    assert ("rendered in full" in caplog.text) is not slots_work
    invitations = SurveyInvitation.objects.filter(pk__in=ids).select_related("contact", "unit", "campaign")
    for invitation in invitations:
        key = invitation_email_key(campaign_id=campaign.pk, invitation_id=invitation.pk)
        email = OutgoingEmail.objects.get(key=key)
        assert (email.body_text, email.body_html) == _rendered_in_full(invitation)
        assert invitation.link in email.body_text
    html = " ".join(OutgoingEmail.objects.values_list("body_html", flat=True))
    assert "R&amp;D &lt;&quot;Labs&quot;&gt;" in html
    assert "Dear O&#x27;Brien," in html
    assert "Dear Zoë," in html


class WorkerKilled(BaseException):
    """Stands in for a SIGKILL: nothing in the sender catches it."""


def test_a_crash_mid_batch_loses_nothing_and_repeats_at_most_that_batch():
    total = SEND_BATCH * 2 + 5
    keys = _queue(total)
    original = EmailMultiAlternatives.send
    handed_over = []

    def die_in_the_second_batch(self, *args, **kwargs):
        if len(handed_over) == SEND_BATCH + 4:  # four of the second batch went out
            raise WorkerKilled
        handed_over.append(self.extra_headers["Message-ID"])
        return original(self, *args, **kwargs)

    with mock.patch("django.core.mail.EmailMultiAlternatives.send", die_in_the_second_batch):
        with pytest.raises(WorkerKilled):
            email_send_many(keys=keys)
    # The first batch committed; the second rolled back, so its rows wait again.
    assert OutgoingEmail.objects.filter(status="sent").count() == SEND_BATCH
    assert email_send_many(keys=keys) == total - SEND_BATCH
    ids = [message.extra_headers["Message-ID"] for message in mail.outbox]
    assert len(set(ids)) == total  # none lost
    assert len(ids) - total == 4  # sent twice: only what the crashed batch had handed over


@pytest.mark.parametrize(
    ("backend", "linesep"),
    [
        ("django.core.mail.backends.filebased.EmailBackend", b"\n"),
        ("django.core.mail.backends.smtp.EmailBackend", b"\r\n"),
    ],
)
def test_a_message_is_generated_before_its_hand_over_as_the_backend_writes_it(
    settings, tmp_path, backend, linesep
):
    """Generated once before the claim (so a kill during the claim rarely repeats a message),
    the bytes are those the plain message would give, with the backend's line ends."""
    settings.EMAIL_FILE_PATH = str(tmp_path)
    (key,) = _queue(1)
    row = OutgoingEmail.objects.get(key=key)
    connection = mail.get_connection(backend)
    generated = _message(row, connection).message().as_bytes(linesep=linesep.decode())
    assert b"\r\n" not in generated if linesep == b"\n" else generated.count(b"\r\n") > 5
    parsed = email.message_from_bytes(generated)
    assert parsed["Subject"] == row.subject and parsed["To"] == row.to[0]
    assert parsed["Message-ID"].endswith("@brm-outbox>")
    text, html = (part.get_payload(decode=True).decode() for part in parsed.get_payload())
    assert text.strip() == row.body_text.strip().replace("\n", linesep.decode()).strip()
    assert html.strip() == row.body_html.strip().replace("\n", linesep.decode()).strip()
    assert mail.outbox == []  # generating sends nothing
