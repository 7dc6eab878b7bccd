import datetime

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError
from django.utils import timezone

from core.domain import DomainError, DomainPermissionError
from notifications.mail import email_enqueue, email_flush_pending
from notifications.models import OutgoingEmail
from relationships import rules
from relationships.models import (
    Escalation,
    EscalationEvent,
    FollowUpAction,
    Requirement,
    SurveyInvitation,
    SurveyResponse,
    hash_survey_token,
)
from relationships.services import (
    escalation_acknowledge,
    escalation_close,
    escalation_escalate,
    escalation_raise,
    escalation_resolve,
    requirement_decide,
    requirement_deliver,
    requirement_prepare,
    requirement_start_delivery,
    requirement_submit,
    survey_invitation_create,
    survey_response_submit,
)
from tests.relationships.factories import EscalationFactory, SurveyCampaignFactory, SurveyInvitationFactory
from tests.services.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db


# --- requirements -----------------------------------------------------------------------


@pytest.fixture
def submitted(unit_a, purchaser_a, customer_a):
    requirement = requirement_prepare(
        unit=unit_a, by=purchaser_a.user, title="E-invoicing", description="Please."
    )
    return requirement_submit(requirement=requirement, by=purchaser_a.user)


def test_a_purchaser_prepares_and_submits(submitted, purchaser_a):
    assert submitted.status == Requirement.Status.SUBMITTED
    assert submitted.prepared_by == purchaser_a
    assert submitted.submitted_at is not None


def test_submitting_asks_the_deciding_customer_by_email(
    unit_a, purchaser_a, customer_a, django_capture_on_commit_callbacks
):
    requirement = requirement_prepare(
        unit=unit_a, by=purchaser_a.user, title="Scanning", description="Please."
    )
    with django_capture_on_commit_callbacks(execute=True):
        requirement_submit(requirement=requirement, by=purchaser_a.user)
    assert [m.to for m in mail.outbox] == [[customer_a.email]]
    assert f"/portal/requests/{requirement.pk}/" in mail.outbox[0].body


def test_a_purchaser_never_decides(submitted, purchaser_a):
    with pytest.raises(DomainPermissionError, match="Only the deciding customer of Accounts Payable"):
        requirement_decide(requirement=submitted, by=purchaser_a.user, decision="approve")
    submitted.refresh_from_db()
    assert submitted.status == Requirement.Status.SUBMITTED
    assert submitted.decided_by is None


def test_staff_never_decide_for_the_business(submitted, rm, it_manager):
    for user in (rm, it_manager):
        with pytest.raises(DomainPermissionError, match="Only the deciding customer"):
            requirement_decide(requirement=submitted, by=user, decision="approve")


def test_the_deciding_customer_approves_and_the_manager_and_the_requester_hear(
    submitted, customer_a, purchaser_a, rm, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        requirement_decide(
            requirement=submitted, by=customer_a.user, decision="approve", reason="Budget is there."
        )

    submitted.refresh_from_db()
    assert submitted.status == Requirement.Status.APPROVED
    assert submitted.decided_by == customer_a
    assert submitted.decision_reason == "Budget is there."
    assert sorted(m.to for m in mail.outbox) == sorted([[rm.email], [purchaser_a.email]])
    [to_manager] = [m for m in mail.outbox if m.to == [rm.email]]
    assert "Carla Cfo approved" in to_manager.subject
    [to_requester] = [m for m in mail.outbox if m.to == [purchaser_a.email]]
    assert "Budget is there." in to_requester.body


def test_a_customer_deciding_their_own_request_is_not_mailed_about_it(
    unit_a, customer_a, rm, django_capture_on_commit_callbacks
):
    own = requirement_submit(
        requirement=requirement_prepare(unit=unit_a, by=customer_a.user, title="BI", description="."),
        by=customer_a.user,
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        requirement_decide(requirement=own, by=customer_a.user, decision="approve")
    assert [m.to for m in mail.outbox] == [[rm.email]]


def test_a_rejection_needs_a_reason(submitted, customer_a):
    with pytest.raises(DomainError, match="Say why") as error:
        requirement_decide(requirement=submitted, by=customer_a.user, decision="reject", reason="  ")
    assert error.value.field == "reason"
    requirement_decide(
        requirement=submitted, by=customer_a.user, decision="reject", reason="No budget this year."
    )
    submitted.refresh_from_db()
    assert submitted.status == Requirement.Status.REJECTED


def test_the_whole_life_of_a_requirement(submitted, customer_a, rm):
    requirement_decide(requirement=submitted, by=customer_a.user, decision="approve")
    requirement_start_delivery(requirement=submitted, by=rm)
    requirement_deliver(requirement=submitted, by=rm)
    assert submitted.status == Requirement.Status.DELIVERED


def test_steps_out_of_order_are_refused(submitted, customer_a, rm):
    with pytest.raises(DomainError, match="awaiting decision; it cannot be taken into delivery"):
        requirement_start_delivery(requirement=submitted, by=rm)
    requirement_decide(requirement=submitted, by=customer_a.user, decision="approve")
    with pytest.raises(DomainError, match="cannot be approved now"):
        requirement_decide(requirement=submitted, by=customer_a.user, decision="approve")


def test_a_contact_of_another_unit_cannot_prepare(unit_a, contact_b):
    with pytest.raises(DomainPermissionError, match="not a contact of Accounts Payable"):
        requirement_prepare(unit=unit_a, by=contact_b.user, title="x", description="y")


# --- escalations ----------------------------------------------------------------------


@pytest.mark.parametrize(("severity", "hours"), [("critical", 4), ("high", 8), ("medium", 24), ("low", 72)])
def test_deadline_by_severity(severity, hours):
    start = datetime.datetime(2026, 11, 23, 9, tzinfo=datetime.UTC)
    assert rules.respond_by(severity=severity, from_time=start) == start + datetime.timedelta(hours=hours)


def test_next_level_stops_at_the_steering_group():
    assert [rules.next_level(level) for level in (1, 2, 3)] == [2, 3, None]


def test_the_route_of_an_escalation(unit_a, purchaser_a, rm, it_manager, steering_member, other_rm):
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, tzinfo=datetime.UTC), tick=False):
        escalation = escalation_raise(
            unit=unit_a,
            by=purchaser_a.user,
            subject="ERP down",
            description="Since 8:00",
            severity="critical",
        )
    assert escalation.level == 1
    assert escalation.respond_by == datetime.datetime(2026, 11, 23, 13, tzinfo=datetime.UTC)
    assert escalation.raised_by_contact == purchaser_a

    with pytest.raises(DomainPermissionError, match="only that level"):
        escalation_acknowledge(escalation=escalation, by=other_rm)

    escalation_escalate(escalation=escalation, by=rm, note="Needs budget")
    assert escalation.level == 2
    with pytest.raises(DomainPermissionError):
        escalation_acknowledge(escalation=escalation, by=rm)  # level 1 cannot answer at level 2
    escalation_acknowledge(escalation=escalation, by=it_manager)
    escalation_escalate(escalation=escalation, automatic=True)
    assert escalation.level == 3
    assert escalation.status == Escalation.Status.OPEN
    with pytest.raises(DomainError, match="already with the IT steering group"):
        escalation_escalate(escalation=escalation, by=steering_member)

    escalation_resolve(escalation=escalation, by=steering_member, resolution="Extra capacity.")
    escalation_close(escalation=escalation, by=purchaser_a.user)

    kinds = list(escalation.events.values_list("kind", flat=True))
    assert kinds == [
        EscalationEvent.Kind.RAISED,
        EscalationEvent.Kind.ESCALATED,
        EscalationEvent.Kind.ACKNOWLEDGED,
        EscalationEvent.Kind.AUTO_ESCALATED,
        EscalationEvent.Kind.RESOLVED,
        EscalationEvent.Kind.CLOSED,
    ]


def test_a_resolution_must_say_something(unit_a, purchaser_a, rm):
    escalation = escalation_raise(
        unit=unit_a, by=purchaser_a.user, subject="s", description="d", severity="low"
    )
    with pytest.raises(DomainError, match="Describe the resolution"):
        escalation_resolve(escalation=escalation, by=rm, resolution="")


def test_raising_notifies_the_first_level(unit_a, purchaser_a, rm, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        escalation_raise(unit=unit_a, by=purchaser_a.user, subject="Slow", description="d", severity="medium")
    assert [m.to for m in mail.outbox] == [[rm.email]]
    assert mail.outbox[0].subject.startswith("[Escalation L1] Slow")


def test_an_unknown_severity_is_refused(unit_a, purchaser_a):
    with pytest.raises(DomainError, match="Unknown severity"):
        escalation_raise(unit=unit_a, by=purchaser_a.user, subject="s", description="d", severity="urgent")
    assert not Escalation.objects.exists()


# --- surveys --------------------------------------------------------------------------


def test_one_invitation_per_contact_per_campaign(purchaser_a):
    campaign = SurveyCampaignFactory()
    survey_invitation_create(campaign=campaign, contact=purchaser_a)
    with pytest.raises(DomainError, match="already invited"):
        survey_invitation_create(campaign=campaign, contact=purchaser_a)
    with pytest.raises(IntegrityError):
        SurveyInvitation.objects.create(campaign=campaign, contact=purchaser_a, unit=purchaser_a.unit)


def test_the_link_is_stored_only_as_a_hash(purchaser_a):
    invitation = SurveyInvitationFactory(contact=purchaser_a)
    assert len(invitation.token) >= 43  # 256 bits, URL-safe base64
    assert invitation.token not in invitation.token_hash
    assert SurveyInvitation.objects.get(token_hash=hash_survey_token(invitation.token)) == invitation
    assert invitation.link.endswith(f"/s/{invitation.token}/")


@pytest.mark.parametrize(
    ("overall", "recommend", "message"),
    [
        (0, 5, "Overall satisfaction must be between 1 and 5"),
        (6, 5, "Overall satisfaction must be between 1 and 5"),
        (3, -1, "Likelihood to recommend must be between 0 and 10"),
        (3, 11, "Likelihood to recommend must be between 0 and 10"),
    ],
)
def test_scores_out_of_range_are_refused(purchaser_a, overall, recommend, message):
    invitation = SurveyInvitationFactory(contact=purchaser_a)
    with pytest.raises(DomainError, match=message):
        survey_response_submit(invitation=invitation, overall_satisfaction=overall, recommend_score=recommend)
    assert not SurveyResponse.objects.exists()


def test_a_rating_out_of_range_saves_nothing(purchaser_a):
    subscription = SubscriptionFactory(unit=purchaser_a.unit)
    invitation = SurveyInvitationFactory(contact=purchaser_a)
    with pytest.raises(DomainError, match="must be between 1 and 5"):
        survey_response_submit(
            invitation=invitation, overall_satisfaction=4, recommend_score=9, ratings={subscription.pk: 9}
        )
    assert not SurveyResponse.objects.exists()


def test_a_link_answers_once(purchaser_a):
    subscription = SubscriptionFactory(unit=purchaser_a.unit)
    invitation = SurveyInvitationFactory(contact=purchaser_a)

    response = survey_response_submit(
        invitation=invitation, overall_satisfaction=4, recommend_score=9, ratings={subscription.pk: 5}
    )

    assert response.ratings.get().rating == 5
    with pytest.raises(DomainError, match="already been answered"):
        survey_response_submit(invitation=invitation, overall_satisfaction=1, recommend_score=0)
    assert SurveyResponse.objects.count() == 1


def test_an_expired_campaign_takes_no_answers(purchaser_a):
    campaign = SurveyCampaignFactory(
        opens_at=timezone.now() - datetime.timedelta(days=30),
        closes_at=timezone.now() - datetime.timedelta(days=1),
    )
    invitation = SurveyInvitationFactory(contact=purchaser_a, campaign=campaign)
    with pytest.raises(DomainError, match="no longer open"):
        survey_response_submit(invitation=invitation, overall_satisfaction=4, recommend_score=9)


def test_a_poor_answer_opens_a_follow_up_for_the_manager(purchaser_a, rm):
    invitation = SurveyInvitationFactory(contact=purchaser_a)
    response = survey_response_submit(
        invitation=invitation, overall_satisfaction=2, recommend_score=3, comment="Slow"
    )
    action = FollowUpAction.objects.get(survey_response=response)
    assert action.owner == rm
    assert "Slow" in action.description


def test_a_good_answer_opens_nothing(purchaser_a):
    invitation = SurveyInvitationFactory(contact=purchaser_a)
    survey_response_submit(invitation=invitation, overall_satisfaction=5, recommend_score=9)
    assert not FollowUpAction.objects.exists()


# --- the e-mail outbox --------------------------------------------------------------


def test_an_email_key_is_sent_once(rm, django_capture_on_commit_callbacks):
    escalation_context = {"requirement": None, "decider": None, "manager": rm}
    with django_capture_on_commit_callbacks(execute=True):
        first = email_enqueue(
            key="k1", to=[rm.email], subject="Hi", template="requirement_decided", context=escalation_context
        )
        second = email_enqueue(
            key="k1", to=[rm.email], subject="Hi", template="requirement_decided", context=escalation_context
        )
    assert first is not None and second is None
    assert len(mail.outbox) == 1
    assert email_flush_pending() == 0
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.SENT


# --- edits of what was logged or prepared ---------------------------------------------


def test_a_draft_requirement_is_changed_under_the_rules_of_preparing(
    unit_a, purchaser_a, contact_b, customer_a
):
    from relationships.services import requirement_update

    requirement = requirement_prepare(unit=unit_a, by=purchaser_a.user, title="Draft", description="x")
    requirement_update(requirement=requirement, by=purchaser_a.user, title="Better title", description="y")
    requirement.refresh_from_db()
    assert requirement.title == "Better title"
    with pytest.raises(DomainError, match="must name the service"):
        requirement_update(
            requirement=requirement, by=purchaser_a.user, title="t", description="d", kind="change"
        )
    with pytest.raises(DomainPermissionError, match="not a contact of Accounts Payable"):
        requirement_update(requirement=requirement, by=contact_b.user, title="t", description="d")
    requirement_submit(requirement=requirement, by=purchaser_a.user)
    with pytest.raises(DomainError, match="cannot be changed now"):
        requirement_update(requirement=requirement, by=purchaser_a.user, title="t", description="d")


def test_an_interaction_is_corrected_only_in_the_portfolio(unit_a, rm, other_rm, contact_b):
    from relationships.services import interaction_log, interaction_update

    interaction = interaction_log(
        unit=unit_a,
        by=rm,
        kind="call",
        subject="Call",
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
    )
    interaction_update(
        interaction=interaction, by=rm, kind="meeting", subject="Meeting", occurred_at=interaction.occurred_at
    )
    assert interaction.kind == "meeting"
    with pytest.raises(DomainPermissionError, match="not in your portfolio"):
        interaction_update(
            interaction=interaction, by=other_rm, kind="call", subject="x", occurred_at=timezone.now()
        )
    with pytest.raises(DomainError, match="Every contact present must belong to this unit"):
        interaction_update(
            interaction=interaction,
            by=rm,
            kind="call",
            subject="x",
            occurred_at=timezone.now(),
            contacts=[contact_b],
        )


def test_an_action_is_changed_by_its_owner_or_the_manager_and_stays_with_staff(
    unit_a, rm, other_rm, purchaser_a
):
    from relationships.services import action_create, action_update

    action = action_create(unit=unit_a, by=rm, title="Call back", owner=rm, due_on=timezone.localdate())
    action_update(action=action, by=rm, title="Call back twice", owner=rm, due_on=timezone.localdate())
    assert action.title == "Call back twice"
    with pytest.raises(DomainPermissionError, match="Only the owner"):
        action_update(action=action, by=other_rm, title="x", owner=other_rm, due_on=timezone.localdate())
    with pytest.raises(DomainError, match="owned by a member of IT staff"):
        action_update(action=action, by=rm, title="x", owner=purchaser_a.user, due_on=timezone.localdate())


def test_opportunities_stay_in_the_portfolio(unit_a, unit_b, rm):
    from relationships.models import Opportunity
    from relationships.services import opportunity_save

    opportunity = opportunity_save(
        opportunity=Opportunity(unit=unit_a, title="Robots", kind="efficiency"), by=rm
    )
    opportunity.unit = unit_b
    with pytest.raises(DomainPermissionError, match="Sales Operations is not in your portfolio"):
        opportunity_save(opportunity=opportunity, by=rm)
    assert Opportunity.objects.get().unit == unit_a


def test_escalating_by_hand_needs_a_reason_through_every_door(client, rm, unit_a, customer_a):
    """The staff page, the portal and the API all refuse a hand escalation without a reason,
    with the message at the note; the ladder's automatic climb needs none."""
    from rest_framework.test import APIClient

    escalation = EscalationFactory(unit=unit_a)
    with pytest.raises(DomainError) as refused:
        escalation_escalate(escalation=escalation, by=rm, note="  ")
    assert refused.value.field == "note"

    client.force_login(rm)
    page = client.post(f"/escalations/{escalation.pk}/", {"step": "escalate", "note": ""})
    assert "Say why it goes up a level" in page.content.decode()

    api = APIClient()
    api.force_authenticate(rm)
    response = api.post(f"/api/v1/escalations/{escalation.pk}/escalate/", {"note": ""}, format="json")
    assert response.status_code == 400 and "note" in response.json()

    client.force_login(customer_a.user)
    client.post(f"/portal/escalations/{escalation.pk}/escalate/", {"escalate-note": ""})
    escalation.refresh_from_db()
    assert escalation.level == 1

    escalation_escalate(escalation=escalation, automatic=True)
    escalation.refresh_from_db()
    assert escalation.level == 2
