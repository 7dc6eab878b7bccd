import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from customers import roles
from portal.selectors import attainment_months
from services.models import Subscription
from tests.relationships.factories import (
    EscalationFactory,
    InteractionFactory,
    RequirementFactory,
    SurveyInvitationFactory,
)
from tests.services.factories import (
    AgreementFactory,
    MeasurementFactory,
    ServiceFactory,
    ServiceLevelTargetFactory,
    SubscriptionFactory,
)


@pytest.fixture(autouse=True)
def _staff_groups(db):
    # A transactional test (the browser tests) flushes the groups the data migration made;
    # with --reuse-db the next run would miss them.
    for name in (roles.RELATIONSHIP_MANAGERS, roles.IT_MANAGEMENT, roles.STEERING_GROUP):
        Group.objects.get_or_create(name=name)


def subscribe(unit, *, name=None, months=3, agreement=None, status=Subscription.Status.ACTIVE):
    """A unit using a service with one availability target, measured for `months` months."""
    service = ServiceFactory(**({"name": name} if name else {}))
    target = ServiceLevelTargetFactory(service=service, name="Availability")
    sub = SubscriptionFactory(unit=unit, service=service, agreement=agreement, status=status)
    for index, month in enumerate(attainment_months()[-months:] if months else []):
        value = Decimal("99.9") if index % 3 else Decimal("98.0")
        MeasurementFactory(subscription=sub, target=target, period_start=month, value=value)
    return sub


@pytest.fixture
def world_a(unit_a, customer_a, purchaser_a):
    """Unit A with services, an agreement, a request, an escalation and two interactions."""
    agreement = AgreementFactory(unit=unit_a, title="Finance SLA", reference="sla-fin-ap")
    subs = [subscribe(unit_a, name=f"A service {n}", agreement=agreement) for n in range(3)]
    return {
        "agreement": agreement,
        "subscriptions": subs,
        "requirement": RequirementFactory(unit=unit_a, title="A-secret request", prepared_by=purchaser_a),
        "escalation": EscalationFactory(unit=unit_a, subject="A-secret escalation"),
        "shared": InteractionFactory(
            unit=unit_a, subject="A shared review", notes="Shared A notes", is_shared_with_business=True
        ),
        "internal": InteractionFactory(
            unit=unit_a,
            subject="A internal talk",
            notes="INTERNAL-ONLY budget gossip",
            is_shared_with_business=False,
        ),
        "invitation": SurveyInvitationFactory(contact=purchaser_a),
    }


@pytest.fixture
def world_b(unit_b, contact_b):
    return {
        "subscription": subscribe(unit_b, name="B service"),
        "requirement": RequirementFactory(unit=unit_b, title="B request", prepared_by=contact_b),
        "escalation": EscalationFactory(unit=unit_b, subject="B escalation"),
        "invitation": SurveyInvitationFactory(contact=contact_b),
    }


def in_days(days):
    return timezone.localdate() + datetime.timedelta(days=days)
