"""Rows of every table for the API tests, and clients signed in as each shared actor."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from relationships.models import EscalationEvent, Requirement, SurveyInvitation
from tests.customers.factories import BusinessObjectiveFactory, BusinessUnitFactory, ContactFactory
from tests.relationships.factories import (
    EscalationEventFactory,
    EscalationFactory,
    FollowUpActionFactory,
    InteractionFactory,
    OpportunityFactory,
    RequirementFactory,
    ServiceRatingFactory,
    SurveyCampaignFactory,
    SurveyInvitationFactory,
    SurveyResponseFactory,
)
from tests.services.factories import (
    AgreementFactory,
    MeasurementFactory,
    ServiceFactory,
    ServiceLevelTargetFactory,
    SubscriptionFactory,
)

ACTORS = ["rm", "other_rm", "it_manager", "customer_a", "purchaser_a", "contact_b", "anonymous"]


def make_rows(unit, *, contact, campaign, n: int = 1, contact_answers: bool = True) -> dict:
    """`n` rows of every unit-scoped table for `unit`; returns the first of each."""
    first = {}

    def keep(name, obj):
        first.setdefault(name, obj)
        return obj

    this_month = timezone.localdate().replace(day=1)
    for _ in range(n):
        keep("sub_unit", BusinessUnitFactory(parent=unit, relationship_manager=unit.relationship_manager))
        keep("objective", BusinessObjectiveFactory(unit=unit))
        keep("contact", ContactFactory(unit=unit))
        agreement = keep("agreement", AgreementFactory(unit=unit))
        service = keep("service", ServiceFactory(owner=unit.relationship_manager))
        target = keep("target", ServiceLevelTargetFactory(service=service))
        subscription = keep(
            "subscription", SubscriptionFactory(unit=unit, service=service, agreement=agreement)
        )
        keep(
            "measurement",
            MeasurementFactory(subscription=subscription, target=target, period_start=this_month),
        )
        MeasurementFactory(
            subscription=subscription,
            target=target,
            period_start=this_month - datetime.timedelta(days=40),
            value=Decimal("90"),
        )
        interaction = keep("interaction", InteractionFactory(unit=unit, is_shared_with_business=True))
        interaction.contacts.add(contact)
        interaction.staff.add(unit.relationship_manager)
        keep("internal_interaction", InteractionFactory(unit=unit, is_shared_with_business=False))
        keep("action", FollowUpActionFactory(unit=unit, interaction=interaction))
        keep(
            "requirement",
            RequirementFactory(
                unit=unit,
                status=Requirement.Status.SUBMITTED,
                prepared_by=contact,
                submitted_at=timezone.now(),
            ),
        )
        keep("opportunity", OpportunityFactory(unit=unit, owner=unit.relationship_manager))
        respondent = ContactFactory(unit=unit)
        response = SurveyResponseFactory(
            invitation__campaign=campaign,
            invitation__contact=respondent,
            invitation__status=SurveyInvitation.Status.RESPONDED,
            comment=f"Private answer of {respondent.email}",
        )
        keep("other_response", response)
        ServiceRatingFactory(response=response, subscription=subscription)
        keep("invitation", SurveyInvitationFactory(campaign=campaign, contact=ContactFactory(unit=unit)))
        escalation = keep(
            "escalation", EscalationFactory(unit=unit, service=service, raised_by_contact=contact)
        )
        EscalationEventFactory(escalation=escalation, kind=EscalationEvent.Kind.RAISED, actor_contact=contact)
        EscalationEventFactory(
            escalation=escalation, kind=EscalationEvent.Kind.COMMENTED, actor_user=unit.relationship_manager
        )
    if contact_answers:
        first["own_response"] = SurveyResponseFactory(
            invitation__campaign=campaign,
            invitation__contact=contact,
            invitation__status=SurveyInvitation.Status.RESPONDED,
        )
    first["campaign"] = campaign
    first["unit"] = unit
    return first


@pytest.fixture
def campaign(db):
    return SurveyCampaignFactory()


@pytest.fixture
def world(unit_a, unit_b, customer_a, purchaser_a, contact_b, rm, other_rm, it_manager, campaign):
    """One row of every table for unit A (Accounts Payable) and unit B (Sales Operations)."""
    return {
        "a": make_rows(unit_a, contact=purchaser_a, campaign=campaign),
        "b": make_rows(unit_b, contact=contact_b, campaign=campaign),
    }
