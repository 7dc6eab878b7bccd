"""Every kind of e-mail honours its recipients' choice (immediately, daily digest, off)
through the real jobs and services: the outbox applies it, the jobs do not know."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import IntegrityError, transaction

from core.domain import DomainError
from customers.services import contact_grant_portal_access
from notifications.models import DigestItem, NotificationKind, NotificationPreference, OutgoingEmail
from relationships import jobs, notifications, services
from relationships.models import Escalation, FollowUpAction, Requirement
from services.models import Agreement
from services.services import subscription_order, subscription_refuse
from tests.customers.factories import ContactFactory
from tests.jobs.conftest import START, sent_to
from tests.relationships.factories import FollowUpActionFactory
from tests.services.factories import AgreementFactory, SubscriptionFactory

from .conftest import DIGEST, IMMEDIATE, OFF

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
ALL = [IMMEDIATE, DIGEST, OFF]
NEVER_OFF = [IMMEDIATE, DIGEST]


def assert_honoured(*, address: str, user, kind: str, delivery: str, count: int = 1) -> None:
    """`count` e-mails of `kind` meant for `address` went out, were held for `user`'s
    digest, or were left out, as `delivery` says; the outbox records why."""
    rows = [
        row for row in OutgoingEmail.objects.filter(kind=kind) if address in row.to or address in row.withheld
    ]
    assert len(rows) == count
    held = DigestItem.objects.filter(user=user, kind=kind, address=address)
    if delivery == IMMEDIATE:
        assert len(sent_to(address)) == count
        assert all(address in row.to and address not in row.withheld for row in rows)
        assert not held.exists()
    else:
        assert sent_to(address) == []
        assert all(row.withheld[address] == delivery and address not in row.to for row in rows)
        assert held.count() == (count if delivery == DIGEST else 0)


# --- Staff kinds ----------------------------------------------------------------------------


@pytest.mark.parametrize("delivery", ALL)
def test_overdue_actions(time_machine, run, prefer, unit_a, rm, delivery):
    time_machine.move_to(START, tick=False)
    prefer(rm, NotificationKind.ACTIONS_OVERDUE, delivery)
    FollowUpActionFactory(unit=unit_a, due_on=START.date() - 2 * DAY, title="Call Piet back")

    assert run(jobs.actions_overdue_remind) == 1
    assert run(jobs.actions_overdue_remind) == 0  # still once a day, whatever the choice
    assert_honoured(address=rm.email, user=rm, kind="actions_overdue", delivery=delivery)


@pytest.mark.parametrize("delivery", ALL)
def test_service_reviews(time_machine, run, prefer, unit_a, customer_a, rm, delivery):
    time_machine.move_to(START, tick=False)
    prefer(rm, NotificationKind.SERVICE_REVIEWS, delivery)
    agreement = AgreementFactory(
        unit=unit_a,
        status=Agreement.Status.ACTIVE,
        signed_by=customer_a,
        next_review_on=START.date() + 9 * DAY,
    )
    SubscriptionFactory(unit=unit_a, agreement=agreement)

    assert run(jobs.agreement_reviews_due) == 1
    assert_honoured(address=rm.email, user=rm, kind="service_reviews", delivery=delivery)
    # The review action is the record and opens whatever the e-mail preference.
    assert FollowUpAction.objects.filter(agreement=agreement, owner=rm).count() == 1


@pytest.fixture
def escalation(time_machine, run, unit_a, purchaser_a, rm, it_manager, steering_member):
    """Raised by Piet at START; medium severity: 24 hours per level."""
    time_machine.move_to(START, tick=False)
    return run(
        services.escalation_raise,
        unit=unit_a,
        by=purchaser_a.user,
        subject="Invoices stuck",
        description="Nothing since Monday.",
        severity=Escalation.Severity.MEDIUM,
    )


@pytest.mark.parametrize("delivery", NEVER_OFF)
def test_escalations_at_your_level(time_machine, run, prefer, unit_a, purchaser_a, rm, delivery):
    prefer(rm, NotificationKind.ESCALATIONS, delivery)
    time_machine.move_to(START, tick=False)
    run(
        services.escalation_raise,
        unit=unit_a,
        by=purchaser_a.user,
        subject="Invoices stuck",
        description="Nothing since Monday.",
        severity=Escalation.Severity.MEDIUM,
    )
    time_machine.move_to(START + 22 * HOUR, tick=False)  # two hours before the deadline
    assert run(jobs.escalation_ladder)["reminded"] == 1
    assert run(jobs.escalation_ladder)["reminded"] == 0
    # Raised, then reminded: two e-mails, both to rm or both held for rm's digest.
    assert_honoured(address=rm.email, user=rm, kind="escalations", delivery=delivery, count=2)


def test_one_level_member_in_the_digest_does_not_hold_the_mail_of_the_others(
    time_machine, run, prefer, escalation, it_manager, rm
):
    from tests.customers.factories import StaffFactory

    colleague = StaffFactory(username="ida", groups=["IT management"])
    prefer(it_manager, NotificationKind.ESCALATIONS, DIGEST)
    mail.outbox.clear()

    time_machine.move_to(START + 24 * HOUR, tick=False)
    assert run(jobs.escalation_ladder)["escalated"] == 1

    [row] = OutgoingEmail.objects.filter(key__contains=":level-2", kind="escalations")
    assert row.to == [colleague.email]
    assert row.withheld == {it_manager.email: "digest"}
    assert len(sent_to(colleague.email)) == 1
    assert sent_to(it_manager.email) == []
    [item] = DigestItem.objects.filter(user=it_manager)
    assert item.link == f"{settings.BRM_BASE_URL}/escalations/{escalation.pk}/"
    assert "Reached your level" in item.summary


def test_escalations_and_decisions_asked_cannot_be_switched_off(rm, customer_a):
    with pytest.raises(DomainError):
        notifications.notification_preferences_save(user=rm, choices={"escalations": OFF})
    with pytest.raises(DomainError):
        notifications.notification_preferences_save(user=customer_a.user, choices={"decisions_asked": OFF})
    # Nor by going around the form: the database refuses it.
    with pytest.raises(IntegrityError), transaction.atomic():
        NotificationPreference.objects.create(user=rm, kind=NotificationKind.ESCALATIONS, delivery=OFF)
    assert not NotificationPreference.objects.exists()


@pytest.fixture
def submitted(run, unit_a, purchaser_a, customer_a):
    requirement = run(
        services.requirement_prepare,
        unit=unit_a,
        by=purchaser_a.user,
        title="Scan incoming invoices",
        description="OCR for paper invoices.",
    )
    return requirement


@pytest.mark.parametrize("delivery", ALL)
def test_requirement_decisions(run, prefer, submitted, customer_a, purchaser_a, rm, delivery):
    prefer(rm, NotificationKind.REQUIREMENT_DECISIONS, delivery)
    run(services.requirement_submit, requirement=submitted, by=purchaser_a.user)
    run(
        services.requirement_decide,
        requirement=submitted,
        by=customer_a.user,
        decision="reject",
        reason="No budget this year",
    )

    assert_honoured(address=rm.email, user=rm, kind="requirement_decisions", delivery=delivery)
    submitted.refresh_from_db()
    assert submitted.status == Requirement.Status.REJECTED


@pytest.mark.parametrize("delivery", NEVER_OFF)
def test_orders_waiting_for_you(run, prefer, unit_a, purchaser_a, rm, live_service, delivery):
    prefer(rm, NotificationKind.ORDERS_WAITING, delivery)
    order = run(subscription_order, unit=unit_a, service=live_service, by=purchaser_a.user)

    assert_honoured(address=rm.email, user=rm, kind="orders_waiting", delivery=delivery)
    if delivery == DIGEST:
        item = DigestItem.objects.get()
        assert item.link == f"{settings.BRM_BASE_URL}/catalogue/subscriptions/{order.pk}/"
        assert item.summary == "Accounts Payable · ERP · ordered by Piet Purchaser"


def test_orders_waiting_cannot_be_switched_off(rm):
    with pytest.raises(DomainError):
        notifications.notification_preferences_save(user=rm, choices={"orders_waiting": OFF})
    with pytest.raises(IntegrityError), transaction.atomic():
        NotificationPreference.objects.create(user=rm, kind=NotificationKind.ORDERS_WAITING, delivery=OFF)


# --- Business kinds: portal logins, matched through their contact's address -----------------


@pytest.mark.parametrize("delivery", ALL)
def test_outcome_of_your_order(run, prefer, unit_a, purchaser_a, rm, live_service, delivery):
    order = run(subscription_order, unit=unit_a, service=live_service, by=purchaser_a.user)
    prefer(purchaser_a.user, NotificationKind.REQUEST_OUTCOMES, delivery)
    run(subscription_refuse, subscription=order, by=rm, reason="Use the shared ERP seat.")

    assert_honoured(
        address=purchaser_a.email, user=purchaser_a.user, kind="request_outcomes", delivery=delivery
    )
    if delivery == DIGEST:
        item = DigestItem.objects.get()
        assert item.link == f"{settings.BRM_BASE_URL}/portal/#orders"
        assert item.summary == "ERP for Accounts Payable · Refused: Use the shared ERP seat."


@pytest.mark.parametrize("delivery", ALL)
def test_outcome_of_your_request(run, prefer, submitted, customer_a, purchaser_a, delivery):
    prefer(purchaser_a.user, NotificationKind.REQUEST_OUTCOMES, delivery)
    run(services.requirement_submit, requirement=submitted, by=purchaser_a.user)
    run(
        services.requirement_decide,
        requirement=submitted,
        by=customer_a.user,
        decision="approve",
        reason="Go ahead",
    )

    assert_honoured(
        address=purchaser_a.email, user=purchaser_a.user, kind="request_outcomes", delivery=delivery
    )
    if delivery == DIGEST:
        item = DigestItem.objects.get(kind="request_outcomes")
        assert item.link == f"{settings.BRM_BASE_URL}/portal/requests/{submitted.pk}/"
        assert item.summary == "Scan incoming invoices · Approved by Carla Cfo: Go ahead"


@pytest.mark.parametrize("delivery", NEVER_OFF)
def test_requests_awaiting_your_decision(run, prefer, submitted, customer_a, purchaser_a, delivery):
    # Carla's login has another address than her contact record: the contact's counts.
    assert customer_a.user.email != customer_a.email
    prefer(customer_a.user, NotificationKind.DECISIONS_ASKED, delivery)
    run(services.requirement_submit, requirement=submitted, by=purchaser_a.user)

    assert_honoured(address=customer_a.email, user=customer_a.user, kind="decisions_asked", delivery=delivery)
    if delivery == DIGEST:
        item = DigestItem.objects.get()
        assert item.link == f"{settings.BRM_BASE_URL}/portal/requests/{submitted.pk}/"


@pytest.mark.parametrize("delivery", ALL)
def test_progress_of_your_escalations(time_machine, run, prefer, escalation, purchaser_a, delivery):
    prefer(purchaser_a.user, NotificationKind.ESCALATION_PROGRESS, delivery)
    time_machine.move_to(START + 24 * HOUR, tick=False)
    assert run(jobs.escalation_ladder)["escalated"] == 1
    assert run(jobs.escalation_ladder)["escalated"] == 0

    assert_honoured(
        address=purchaser_a.email, user=purchaser_a.user, kind="escalation_progress", delivery=delivery
    )
    escalation.refresh_from_db()
    assert escalation.level == 2  # the ladder climbs whatever anyone chose


@pytest.mark.parametrize("delivery", ALL)
def test_survey_invitations_and_reminders(
    time_machine, run, prefer, subscribe, unit_a, unit_b, purchaser_a, contact_b, delivery
):
    subscribe(unit_a)
    subscribe(unit_b)
    prefer(purchaser_a.user, NotificationKind.SURVEYS, delivery)
    time_machine.move_to(START, tick=False)
    campaign = run(jobs.survey_schedule)
    assert campaign.invitations.count() == 2
    assert len(sent_to(contact_b.email)) == 1  # Bea chose nothing: immediately

    time_machine.move_to(START + 7 * DAY, tick=False)
    assert run(jobs.survey_remind_and_close)["reminded"] == 2
    assert len(sent_to(contact_b.email)) == 2
    assert_honoured(
        address=purchaser_a.email, user=purchaser_a.user, kind="surveys", delivery=delivery, count=2
    )
    if delivery == DIGEST:
        invitation = campaign.invitations.get(contact=purchaser_a)
        assert {item.link for item in DigestItem.objects.all()} == {invitation.link}


def test_a_contact_without_a_login_gets_everything_immediately(time_machine, run, subscribe, unit_a):
    subscribe(unit_a)
    anna = ContactFactory(unit=unit_a, email="anna@acme.example", role="customer", first_name="Anna")
    time_machine.move_to(START, tick=False)
    run(jobs.survey_schedule)
    assert len(sent_to(anna.email)) == 1
    assert OutgoingEmail.objects.get().withheld == {}


# --- Mail nobody can switch off -----------------------------------------------------------


def test_the_set_password_link_is_sent_at_once_whatever_was_chosen(run, prefer, unit_a, rm, purchaser_a):
    for kind in NotificationKind:
        prefer(purchaser_a.user, kind, DIGEST)
    # Piet also becomes a contact of Finance, under his address in another case.
    newcomer = ContactFactory(
        unit=unit_a.parent, email=purchaser_a.email.upper(), first_name="Piet", last_name="Purchaser"
    )
    run(contact_grant_portal_access, contact=newcomer, by=rm)
    [message] = mail.outbox
    assert message.subject == "Your access to BRM Portal"
    assert OutgoingEmail.objects.get().kind == ""
    assert not DigestItem.objects.exists()


def test_every_email_template_has_a_kind_or_is_always_sent():
    """A new e-mail must be given a kind (or be declared always sent) before it can go out."""
    folder = Path(settings.BASE_DIR) / "templates" / "emails"
    templates = {path.stem for path in folder.glob("*.txt")}
    assert templates == set(notifications.TEMPLATES)
    for template in templates:
        notifications.kind_of_template(template)
    with pytest.raises(LookupError):
        notifications.kind_of_template("newsletter")
    # Every kind is offered on one of the two settings pages.
    offered = {spec.kind for spec in notifications.kinds_for("staff") + notifications.kinds_for("business")}
    assert offered == set(NotificationKind)
