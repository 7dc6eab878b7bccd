"""The daily digest: one e-mail per person with everything held for them, sent once a day,
nothing lost when it crashes halfway."""

import datetime
import importlib
from unittest import mock

import pytest
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db.models import QuerySet
from django_celery_beat.models import PeriodicTask

from brm.celery import app
from notifications.mail import email_flush_pending
from notifications.models import DigestItem, DigestItemQuerySet, NotificationKind, OutgoingEmail
from relationships import jobs, services
from services.models import Agreement
from tests.jobs.conftest import START, sent_to
from tests.relationships.factories import FollowUpActionFactory
from tests.services.factories import AgreementFactory, SubscriptionFactory

from .conftest import DIGEST

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
NEXT_MORNING = START.replace(hour=6) + DAY  # 07:00 in Amsterdam


@pytest.fixture
def rita_holds_three(time_machine, run, prefer, unit_a, customer_a, purchaser_a, rm):
    """Rita chose the digest for her staff kinds; a day of work holds three e-mails for her."""
    for kind in (
        NotificationKind.ACTIONS_OVERDUE,
        NotificationKind.SERVICE_REVIEWS,
        NotificationKind.REQUIREMENT_DECISIONS,
    ):
        prefer(rm, kind, DIGEST)
    time_machine.move_to(START, tick=False)
    action = FollowUpActionFactory(unit=unit_a, due_on=START.date() - 2 * DAY, title="Call Piet back")
    agreement = AgreementFactory(
        unit=unit_a,
        title="Finance applications",
        status=Agreement.Status.ACTIVE,
        signed_by=customer_a,
        next_review_on=START.date() + 9 * DAY,
    )
    SubscriptionFactory(unit=unit_a, agreement=agreement)
    requirement = run(
        services.requirement_prepare,
        unit=unit_a,
        by=purchaser_a.user,
        title="Scan incoming invoices",
        description="OCR for paper invoices.",
    )
    run(services.requirement_submit, requirement=requirement, by=purchaser_a.user)
    run(
        services.requirement_decide,
        requirement=requirement,
        by=customer_a.user,
        decision="approve",
        reason="Worth it",
    )
    run(jobs.actions_overdue_remind)
    run(jobs.agreement_reviews_due)
    mail.outbox.clear()  # Carla's "decision asked" went out at once
    assert DigestItem.objects.waiting().filter(user=rm).count() == 3
    return {"action": action, "agreement": agreement, "requirement": requirement}


def test_one_digest_lists_every_held_message_with_its_link(time_machine, run, rita_holds_three, rm):
    time_machine.move_to(NEXT_MORNING, tick=False)
    assert run(jobs.notification_digest) == 1

    [digest] = mail.outbox
    assert digest.to == [rm.email]
    assert digest.subject == "Your daily digest: 3 notifications from BRM Portal"
    base = settings.BRM_BASE_URL
    action, agreement, requirement = rita_holds_three.values()
    for text in (
        "Overdue follow-up actions",
        "Overdue since 28 Feb 2026: Call Piet back (Accounts Payable)",
        f"{base}/actions/{action.pk}/",
        "Service reviews due",
        f"Agreement review due 11 Mar 2026: {agreement.title}",
        f"{base}/reviews/{agreement.pk}/",
        "Decisions on requirements",
        "Approved by Carla Cfo: Worth it",
        f"{base}/requirements/{requirement.pk}/",
        f"{base}/settings/notifications/",
    ):
        assert text in digest.body
    [(html, mimetype)] = digest.alternatives
    assert mimetype == "text/html"
    assert f'href="{base}/reviews/{agreement.pk}/"' in html
    assert "Call Piet back" in html
    assert f'href="{base}/settings/notifications/"' in html

    row = OutgoingEmail.objects.get(key__startswith="digest:")
    assert set(DigestItem.objects.values_list("digest", flat=True)) == {row.pk}


def test_running_twice_sends_one_digest_and_later_mail_waits_for_tomorrow(
    time_machine, run, rita_holds_three, prefer, unit_a, rm
):
    time_machine.move_to(NEXT_MORNING, tick=False)
    assert run(jobs.notification_digest) == 1
    assert run(jobs.notification_digest) == 0
    assert len(sent_to(rm.email)) == 1

    # Held after today's digest: a second run today sends nothing, tomorrow's carries it.
    FollowUpActionFactory(unit=unit_a, due_on=NEXT_MORNING.date() - DAY, title="Send the minutes")
    time_machine.move_to(NEXT_MORNING + 2 * HOUR, tick=False)
    run(jobs.actions_overdue_remind)
    assert run(jobs.notification_digest) == 0
    assert len(sent_to(rm.email)) == 1
    assert DigestItem.objects.waiting().count() == 2  # both overdue actions, reminded again today

    time_machine.move_to(NEXT_MORNING + DAY, tick=False)
    assert run(jobs.notification_digest) == 1
    [_, second] = sent_to(rm.email)
    assert "Send the minutes" in second.body
    assert not DigestItem.objects.waiting().exists()


def test_each_person_gets_their_own_digest_at_the_address_the_mail_was_for(
    time_machine, run, rita_holds_three, prefer, purchaser_a, customer_a, unit_a, rm
):
    prefer(customer_a.user, NotificationKind.DECISIONS_ASKED, DIGEST)
    time_machine.move_to(START + HOUR, tick=False)
    requirement = run(
        services.requirement_prepare, unit=unit_a, by=purchaser_a.user, title="Second screen", description="."
    )
    run(services.requirement_submit, requirement=requirement, by=purchaser_a.user)
    assert mail.outbox == []

    time_machine.move_to(NEXT_MORNING, tick=False)
    assert run(jobs.notification_digest) == 2
    [carla] = sent_to(customer_a.email)  # her contact address, not her login's
    assert carla.subject == "Your daily digest: 1 notification from BRM Portal"
    assert f"{settings.BRM_BASE_URL}/portal/requests/{requirement.pk}/" in carla.body
    assert f"{settings.BRM_BASE_URL}/portal/notifications/" in carla.body
    assert len(sent_to(rm.email)) == 1


def test_a_crash_halfway_loses_nothing_and_doubles_nothing(
    time_machine, run, rita_holds_three, prefer, purchaser_a, customer_a, unit_a, rm
):
    prefer(customer_a.user, NotificationKind.DECISIONS_ASKED, DIGEST)
    requirement = run(
        services.requirement_prepare, unit=unit_a, by=purchaser_a.user, title="Second screen", description="."
    )
    run(services.requirement_submit, requirement=requirement, by=purchaser_a.user)
    first, second = sorted([rm.pk, customer_a.user.pk])

    def dies_on_the_second_person(queryset, **kwargs):
        # Killed after the second person's digest is written to the outbox, before their
        # items are marked: the whole of that person's transaction must roll back.
        if queryset.filter(user_id=second).exists():
            raise RuntimeError("worker killed")
        return QuerySet.update(queryset, **kwargs)

    time_machine.move_to(NEXT_MORNING, tick=False)
    with (
        mock.patch.object(DigestItemQuerySet, "update", dies_on_the_second_person),
        pytest.raises(RuntimeError),
    ):
        jobs.notification_digest()
    # The first person's digest is committed (waiting in the outbox); the second's rolled back.
    assert DigestItem.objects.waiting().filter(user_id=first).count() == 0
    assert DigestItem.objects.waiting().filter(user_id=second).exists()
    assert OutgoingEmail.objects.filter(key__startswith="digest:").count() == 1

    assert run(jobs.notification_digest) == 1
    assert run(email_flush_pending) == 1  # the first digest, left pending by the crash
    assert run(jobs.notification_digest) == 0
    assert len(sent_to(rm.email)) == 1
    assert len(sent_to(customer_a.email)) == 1
    assert not DigestItem.objects.waiting().exists()


def test_the_digest_runs_from_beat_and_from_the_command(
    time_machine, rita_holds_three, rm, django_capture_on_commit_callbacks
):
    # The data migrations made it; a transactional test before may have emptied the table,
    # so make it again the migrations' way (twice: it is created once by name).
    for _ in range(2):
        importlib.import_module("relationships.migrations.0004_digest_schedule").create_schedule(apps, None)
        importlib.import_module(
            "relationships.migrations.0008_daily_jobs_every_hour"
        ).daily_jobs_on_intervals(apps, None)
    app.loader.import_default_modules()
    task = PeriodicTask.objects.get(task="relationships.tasks.notification_digest_task")
    assert task.task in app.tasks
    assert task.enabled
    # Every few minutes, whatever the hour: the job itself knows when the day's digest is due.
    assert task.crontab is None
    assert task.interval.every * {"minutes": 1, "hours": 60}[task.interval.period] <= 15

    time_machine.move_to(NEXT_MORNING, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_job", "notification_digest", "--inline")
    assert len(sent_to(rm.email)) == 1


@pytest.mark.parametrize("digest_hour", [7, 18])
def test_the_days_digest_goes_at_the_first_run_from_the_digest_hour(
    time_machine, run, rita_holds_three, rm, settings, digest_hour
):
    settings.BRM_DIGEST_HOUR = digest_hour  # read when the job runs, not when it was scheduled
    hour = NEXT_MORNING.replace(hour=0) + datetime.timedelta(hours=digest_hour - 1)  # Amsterdam: UTC+1
    time_machine.move_to(hour - 5 * datetime.timedelta(minutes=1), tick=False)
    assert run(jobs.notification_digest) == 0  # 5 minutes early
    time_machine.move_to(hour + 2 * HOUR, tick=False)  # beat was down at the hour itself
    assert run(jobs.notification_digest) == 1
    assert len(sent_to(rm.email)) == 1
