import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from services.models import (
    Agreement,
    Measurement,
    Service,
    ServiceCategory,
    ServiceLevelTarget,
    Subscription,
)
from tests.customers.factories import BusinessUnitFactory, StaffFactory


class ServiceCategoryFactory(DjangoModelFactory):
    class Meta:
        model = ServiceCategory
        django_get_or_create = ("name",)

    name = "Workplace"


class ServiceFactory(DjangoModelFactory):
    class Meta:
        model = Service

    name = factory.Sequence(lambda n: f"Service {n}")
    code = factory.Sequence(lambda n: f"svc-{n}")
    category = factory.SubFactory(ServiceCategoryFactory)
    owner = factory.SubFactory(StaffFactory)
    lifecycle = Service.Lifecycle.LIVE


class ServiceLevelTargetFactory(DjangoModelFactory):
    class Meta:
        model = ServiceLevelTarget

    service = factory.SubFactory(ServiceFactory)
    name = factory.Sequence(lambda n: f"Availability {n}")
    metric = ServiceLevelTarget.Metric.AVAILABILITY
    unit_of_measure = "%"
    target_value = Decimal("99.5")
    direction = ServiceLevelTarget.Direction.HIGHER_IS_BETTER


class AgreementFactory(DjangoModelFactory):
    class Meta:
        model = Agreement

    reference = factory.Sequence(lambda n: f"sla-{n}")
    title = factory.Sequence(lambda n: f"Agreement {n}")
    unit = factory.SubFactory(BusinessUnitFactory)
    valid_from = datetime.date(2026, 1, 1)
    review_interval_months = 12


class SubscriptionFactory(DjangoModelFactory):
    class Meta:
        model = Subscription

    unit = factory.SubFactory(BusinessUnitFactory)
    service = factory.SubFactory(ServiceFactory)
    status = Subscription.Status.ACTIVE
    started_on = datetime.date(2026, 1, 1)


class MeasurementFactory(DjangoModelFactory):
    class Meta:
        model = Measurement

    subscription = factory.SubFactory(SubscriptionFactory)
    target = factory.SubFactory(
        ServiceLevelTargetFactory, service=factory.SelfAttribute("..subscription.service")
    )
    period_start = datetime.date(2026, 1, 1)
    value = Decimal("99.9")
    target_value = factory.LazyAttribute(lambda m: m.target.target_value)
    is_met = factory.LazyAttribute(lambda m: m.target.is_met_by(m.value))
