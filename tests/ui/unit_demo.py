"""Demo-like data for the staff pages of units: a unit with everything its 360° page
shows, built with the factories. Shared by the query-count, page and browser tests."""

import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from customers.models import Contact
from customers.selectors import deciding_customer_for
from relationships.models import EscalationEvent, Requirement
from services.models import Agreement
from tests.customers.factories import BusinessObjectiveFactory, ContactFactory
from tests.relationships.factories import (
    EscalationEventFactory,
    EscalationFactory,
    FollowUpActionFactory,
    InteractionFactory,
    OpportunityFactory,
    RequirementFactory,
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


class Catalogue:
    """One service with two targets and two survey campaigns, shared by many units."""

    def __init__(self):
        self.service = ServiceFactory(name="Workplace Service", code="workplace")
        self.availability = ServiceLevelTargetFactory(service=self.service, name="Availability")
        self.response = ServiceLevelTargetFactory(
            service=self.service,
            name="Incident response",
            metric="response_time",
            unit_of_measure="hours",
            target_value=Decimal("4"),
            direction="lower",
        )
        now = timezone.now()
        self.campaigns = [
            SurveyCampaignFactory(
                name="Spring survey", status="closed", opens_at=now - datetime.timedelta(days=200)
            ),
            SurveyCampaignFactory(
                name="Autumn survey", status="closed", opens_at=now - datetime.timedelta(days=30)
            ),
        ]


def month_starts(months: int) -> list[datetime.date]:
    first = timezone.localdate().replace(day=1)
    return [first - relativedelta(months=n) for n in range(months - 1, -1, -1)]


def populate_unit(unit, *, catalogue: Catalogue, months: int = 6, contact_names=None):
    """Give `unit` contacts, an objective, an agreement under review soon, a subscription
    with measurements, an interaction with an action, a requirement, an opportunity, an
    escalation with its history and survey answers."""
    owner = unit.relationship_manager
    first, last = contact_names or ("Sam", f"Stake{unit.pk}")
    contact = ContactFactory(unit=unit, first_name=first, last_name=last, role=Contact.Role.STAKEHOLDER)
    signer = deciding_customer_for(unit=unit) or contact
    BusinessObjectiveFactory(unit=unit, title=f"Cut invoice processing time at {unit.name}")
    agreement = AgreementFactory(
        unit=unit,
        title=f"{unit.name} workplace agreement",
        status=Agreement.Status.ACTIVE,
        signed_by=signer,
        signed_at=timezone.now(),
        next_review_on=timezone.localdate() + datetime.timedelta(days=20),
    )
    subscription = SubscriptionFactory(unit=unit, service=catalogue.service, agreement=agreement)
    for n, month in enumerate(month_starts(months)):
        MeasurementFactory(
            subscription=subscription,
            target=catalogue.availability,
            period_start=month,
            value=Decimal("99.9") if n % 3 else Decimal("98.1"),
        )
        MeasurementFactory(
            subscription=subscription, target=catalogue.response, period_start=month, value=Decimal("3")
        )
    interaction = InteractionFactory(unit=unit, subject=f"Quarterly check-in {unit.code}", created_by=owner)
    interaction.contacts.add(contact)
    FollowUpActionFactory(
        unit=unit,
        interaction=interaction,
        owner=owner,
        title="Send the roadmap",
        due_on=timezone.localdate() - datetime.timedelta(days=2),
    )
    RequirementFactory(
        unit=unit, title=f"Self-service reporting for {unit.name}", status=Requirement.Status.SUBMITTED
    )
    OpportunityFactory(unit=unit, title="Automate supplier onboarding")
    escalation = EscalationFactory(unit=unit, subject=f"Laptops arrive late at {unit.name}")
    EscalationEventFactory(escalation=escalation, kind=EscalationEvent.Kind.RAISED)
    for campaign, score in zip(catalogue.campaigns, (3, 4), strict=True):
        invitation = SurveyInvitationFactory(campaign=campaign, contact=contact, status="responded")
        SurveyResponseFactory(invitation=invitation, overall_satisfaction=score, recommend_score=score * 2)
    return contact
