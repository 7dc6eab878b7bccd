import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from relationships.models import (
    Escalation,
    EscalationEvent,
    FollowUpAction,
    Interaction,
    Opportunity,
    Requirement,
    ServiceRating,
    SurveyCampaign,
    SurveyInvitation,
    SurveyResponse,
)
from tests.customers.factories import BusinessUnitFactory, ContactFactory, StaffFactory


class InteractionFactory(DjangoModelFactory):
    class Meta:
        model = Interaction

    unit = factory.SubFactory(BusinessUnitFactory)
    kind = Interaction.Kind.MEETING
    subject = factory.Sequence(lambda n: f"Meeting {n}")
    occurred_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=3))
    notes = "Discussed the roadmap."


class FollowUpActionFactory(DjangoModelFactory):
    class Meta:
        model = FollowUpAction

    unit = factory.SubFactory(BusinessUnitFactory)
    title = factory.Sequence(lambda n: f"Action {n}")
    owner = factory.LazyAttribute(lambda a: a.unit.relationship_manager)
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7))


class RequirementFactory(DjangoModelFactory):
    class Meta:
        model = Requirement

    unit = factory.SubFactory(BusinessUnitFactory)
    title = factory.Sequence(lambda n: f"Requirement {n}")
    description = "The business needs this."


class OpportunityFactory(DjangoModelFactory):
    class Meta:
        model = Opportunity

    unit = factory.SubFactory(BusinessUnitFactory)
    title = factory.Sequence(lambda n: f"Opportunity {n}")
    kind = Opportunity.Kind.EFFICIENCY


class SurveyCampaignFactory(DjangoModelFactory):
    class Meta:
        model = SurveyCampaign

    name = factory.Sequence(lambda n: f"Survey round {n}")
    status = SurveyCampaign.Status.OPEN
    opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=20))


class SurveyInvitationFactory(DjangoModelFactory):
    class Meta:
        model = SurveyInvitation

    campaign = factory.SubFactory(SurveyCampaignFactory)
    contact = factory.SubFactory(ContactFactory)
    unit = factory.SelfAttribute("contact.unit")
    status = SurveyInvitation.Status.SENT
    sent_at = factory.LazyFunction(timezone.now)


class SurveyResponseFactory(DjangoModelFactory):
    class Meta:
        model = SurveyResponse

    invitation = factory.SubFactory(SurveyInvitationFactory, status=SurveyInvitation.Status.RESPONDED)
    campaign = factory.SelfAttribute("invitation.campaign")
    unit = factory.SelfAttribute("invitation.unit")
    overall_satisfaction = 4
    recommend_score = 8


class ServiceRatingFactory(DjangoModelFactory):
    class Meta:
        model = ServiceRating

    response = factory.SubFactory(SurveyResponseFactory)
    subscription = factory.SubFactory("tests.services.factories.SubscriptionFactory")
    rating = 4


class EscalationFactory(DjangoModelFactory):
    class Meta:
        model = Escalation

    unit = factory.SubFactory(BusinessUnitFactory)
    subject = factory.Sequence(lambda n: f"Escalation {n}")
    description = "Nobody answers our tickets."
    severity = Escalation.Severity.HIGH
    raised_at = factory.LazyFunction(timezone.now)
    respond_by = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(hours=8))


class EscalationEventFactory(DjangoModelFactory):
    class Meta:
        model = EscalationEvent

    escalation = factory.SubFactory(EscalationFactory)
    kind = EscalationEvent.Kind.RAISED
    created_at = factory.LazyFunction(timezone.now)


__all__ = ["StaffFactory"]
