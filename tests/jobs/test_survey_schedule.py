"""Job 1: who is surveyed, when, and that the invitations go out once."""

import datetime

import pytest
from django.core import mail

from customers.models import Contact
from notifications.models import OutgoingEmail
from relationships import jobs
from relationships.models import SurveyCampaign, SurveyInvitation
from relationships.selectors_survey import campaign_progress
from services.models import Service, Subscription
from tests.customers.factories import BusinessUnitFactory, ContactFactory
from tests.services.factories import ServiceFactory

from .conftest import START, sent_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def surveyed(unit_a, unit_b, customer_a, purchaser_a, contact_b, subscribe):
    """Accounts Payable and Sales Operations use a live service; Finance (Carla's unit)
    uses nothing itself."""
    subscribe(unit_a)
    subscribe(unit_b)


def test_invites_active_customers_and_purchasers_of_units_with_live_subscriptions(
    time_machine, run, surveyed, unit_a, unit_b, division
):
    time_machine.move_to(START, tick=False)
    ContactFactory(unit=unit_a, email="stake@acme.example", role=Contact.Role.STAKEHOLDER)
    ContactFactory(unit=unit_a, email="gone@acme.example", role=Contact.Role.PURCHASER, is_active=False)

    campaign = run(jobs.survey_schedule)

    invited = set(campaign.invitations.values_list("contact__email", flat=True))
    # Carla's own unit (Finance) has no subscription of its own: she is not asked here.
    assert invited == {"piet@acme.example", "bea@acme.example"}
    assert campaign.status == SurveyCampaign.Status.SENDING  # as created ...
    campaign.refresh_from_db()
    assert campaign.status == SurveyCampaign.Status.OPEN  # ... and once every invitation went out
    assert campaign.closes_at == START + datetime.timedelta(days=21)
    assert not campaign.invitations.exclude(status=SurveyInvitation.Status.SENT).exists()
    assert len(mail.outbox) == 2
    piet = campaign.invitations.get(contact__email="piet@acme.example")
    [message] = sent_to("piet@acme.example")
    assert piet.link in message.body
    assert piet.link in message.alternatives[0][0]
    assert "Accounts Payable" in message.subject
    progress = campaign_progress(campaign)
    assert (progress.total, progress.queued, progress.sent, progress.is_done) == (2, 2, 2, True)


def test_units_without_a_live_subscription_are_not_surveyed(time_machine, run, rm):
    time_machine.move_to(START, tick=False)
    pipeline = ServiceFactory(lifecycle=Service.Lifecycle.PIPELINE)
    live = ServiceFactory()
    cases = {
        "pipeline": dict(service=pipeline, status=Subscription.Status.ACTIVE),
        "requested": dict(service=live, status=Subscription.Status.REQUESTED),
        "inactive-unit": dict(service=live, status=Subscription.Status.ACTIVE),
        "none": None,
    }
    for name, subscription in cases.items():
        unit = BusinessUnitFactory(code=name, relationship_manager=rm, is_active=name != "inactive-unit")
        ContactFactory(unit=unit, email=f"{name}@acme.example", role=Contact.Role.CUSTOMER)
        if subscription:
            from tests.services.factories import SubscriptionFactory

            SubscriptionFactory(unit=unit, **subscription)

    assert run(jobs.survey_schedule) is None
    assert not SurveyCampaign.objects.exists()
    assert mail.outbox == []


def test_a_unit_is_due_again_after_its_frequency_and_not_before(time_machine, run, surveyed, unit_b):
    unit_b.survey_frequency_months = 6
    unit_b.save()
    time_machine.move_to(START, tick=False)
    first = run(jobs.survey_schedule)
    assert first.invitations.count() == 2

    time_machine.move_to(START + datetime.timedelta(days=60), tick=False)
    assert run(jobs.survey_schedule) is None

    # Quarterly for Accounts Payable: due again three months after the last campaign opened.
    time_machine.move_to(datetime.datetime(2026, 6, 2, 9, 0, tzinfo=datetime.UTC), tick=False)
    second = run(jobs.survey_schedule)
    assert set(second.invitations.values_list("contact__email", flat=True)) == {"piet@acme.example"}

    # Six-monthly for Sales Operations.
    time_machine.move_to(datetime.datetime(2026, 9, 2, 9, 0, tzinfo=datetime.UTC), tick=False)
    third = run(jobs.survey_schedule)
    assert set(third.invitations.values_list("contact__email", flat=True)) == {
        "piet@acme.example",
        "bea@acme.example",
    }
    assert len(sent_to("piet@acme.example")) == 3
    assert len(sent_to("bea@acme.example")) == 2


def test_a_contact_of_several_units_is_asked_once_and_not_within_the_fatigue_cap(
    time_machine, run, settings, surveyed, unit_a, unit_b, rm
):
    settings.BRM_SURVEY_FATIGUE_DAYS = 60
    time_machine.move_to(START, tick=False)
    # Piet is also a purchaser of Sales Operations, under the same address (other case).
    ContactFactory(unit=unit_b, email="PIET@acme.example", role=Contact.Role.PURCHASER)
    campaign = run(jobs.survey_schedule)
    assert campaign.invitations.filter(contact__email__iexact="piet@acme.example").count() == 1
    assert len(sent_to("piet@acme.example")) + len(sent_to("PIET@acme.example")) == 1

    # A third unit, surveyed monthly, becomes due 31 days later: Piet belongs to it too, but
    # was asked 31 days ago, within the 60-day cap; its other contact is asked.
    monthly = BusinessUnitFactory(code="monthly", relationship_manager=rm, survey_frequency_months=1)
    ContactFactory(unit=monthly, email="piet@acme.example", role=Contact.Role.CUSTOMER)
    ContactFactory(unit=monthly, email="mo@acme.example", role=Contact.Role.PURCHASER)
    from tests.services.factories import SubscriptionFactory

    SubscriptionFactory(unit=monthly, service=ServiceFactory())
    time_machine.move_to(START + datetime.timedelta(days=31), tick=False)
    second = run(jobs.survey_schedule)
    assert set(second.invitations.values_list("contact__email", flat=True)) == {"mo@acme.example"}

    # After the cap Piet is asked again for the monthly unit.
    time_machine.move_to(START + datetime.timedelta(days=62), tick=False)
    third = run(jobs.survey_schedule)
    assert "piet@acme.example" in set(third.invitations.values_list("contact__email", flat=True))


def test_running_twice_opens_one_campaign_and_sends_each_invitation_once(time_machine, run, surveyed):
    time_machine.move_to(START, tick=False)
    assert run(jobs.survey_schedule) is not None
    assert run(jobs.survey_schedule) is None
    assert SurveyCampaign.objects.count() == 1
    assert len(mail.outbox) == 2
    assert OutgoingEmail.objects.filter(status=OutgoingEmail.Status.SENT).count() == 2


def test_a_dispatch_cut_short_is_resumed_by_the_next_run(time_machine, surveyed, run):
    """The broker was down when the campaign opened: nothing was sent. The next run finds
    the campaign still sending and dispatches what waits, once."""
    time_machine.move_to(START, tick=False)
    campaign = jobs.survey_schedule()  # after-commit work never ran
    assert campaign.invitations.filter(status=SurveyInvitation.Status.PENDING).count() == 2
    assert mail.outbox == []

    time_machine.move_to(START + datetime.timedelta(minutes=15), tick=False)
    assert run(jobs.survey_schedule) is None
    assert len(mail.outbox) == 2
    campaign.refresh_from_db()
    assert campaign.status == SurveyCampaign.Status.OPEN
    run(jobs.survey_schedule)
    assert len(mail.outbox) == 2


def test_send_chunk_twice_sends_nothing_twice(time_machine, surveyed):
    time_machine.move_to(START, tick=False)
    campaign = jobs.survey_schedule()
    ids = list(campaign.invitations.values_list("pk", flat=True))
    assert jobs.survey_send_chunk(campaign_id=campaign.pk, invitation_ids=ids) == 2
    assert jobs.survey_send_chunk(campaign_id=campaign.pk, invitation_ids=ids) == 0
    assert len(mail.outbox) == 2
