import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError

from core.domain import DomainError, DomainPermissionError
from services.models import Agreement, ServiceLevelTarget, Subscription
from services.services import agreement_sign, measurement_record, subscription_end, subscription_order
from tests.services.factories import (
    AgreementFactory,
    ServiceFactory,
    ServiceLevelTargetFactory,
    SubscriptionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("direction", "target", "value", "met"),
    [
        ("higher", "99.5", "99.5", True),
        ("higher", "99.5", "99.49", False),
        ("higher", "99.5", "100", True),
        ("lower", "4", "4", True),
        ("lower", "4", "3.5", True),
        ("lower", "4", "4.01", False),
    ],
)
def test_attainment_follows_the_direction(direction, target, value, met):
    slt = ServiceLevelTarget(target_value=Decimal(target), direction=direction)
    assert slt.is_met_by(Decimal(value)) is met


def test_recording_a_measurement_judges_and_corrects(unit_a, rm):
    subscription = SubscriptionFactory(unit=unit_a)
    target = ServiceLevelTargetFactory(service=subscription.service, target_value=Decimal("99.5"))

    first = measurement_record(
        subscription=subscription,
        target=target,
        period_start=datetime.date(2026, 3, 1),
        value=Decimal("99.1"),
        by=rm,
    )
    again = measurement_record(
        subscription=subscription,
        target=target,
        period_start=datetime.date(2026, 3, 1),
        value=Decimal("99.7"),
        by=rm,
    )

    assert first.pk == again.pk
    assert again.is_met is True
    assert again.target_value == Decimal("99.5")
    assert subscription.measurements.count() == 1


def test_a_measurement_is_for_a_target_of_the_subscribed_service(unit_a, rm):
    subscription = SubscriptionFactory(unit=unit_a)
    foreign = ServiceLevelTargetFactory()
    with pytest.raises(DomainError, match="belongs to another service"):
        measurement_record(
            subscription=subscription, target=foreign, period_start=datetime.date(2026, 3, 1), value=1, by=rm
        )


def test_a_measurement_period_is_a_month(unit_a, rm):
    subscription = SubscriptionFactory(unit=unit_a)
    target = ServiceLevelTargetFactory(service=subscription.service)
    with pytest.raises(DomainError, match="first day of a month"):
        measurement_record(
            subscription=subscription, target=target, period_start=datetime.date(2026, 3, 5), value=1, by=rm
        )


def test_only_the_deciding_customer_signs(unit_a, customer_a, purchaser_a, rm):
    agreement = AgreementFactory(unit=unit_a)

    with pytest.raises(
        DomainPermissionError, match=r"Only the deciding customer of Accounts Payable \(Carla Cfo\)"
    ):
        agreement_sign(agreement=agreement, by=purchaser_a.user)
    with pytest.raises(DomainPermissionError):
        agreement_sign(agreement=agreement, by=rm)
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.DRAFT

    agreement_sign(agreement=agreement, by=customer_a.user)

    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ACTIVE
    assert agreement.signed_by == customer_a
    assert agreement.next_review_on == datetime.date(2027, 1, 1)


def test_no_customer_no_signature(unit_b, other_rm):
    agreement = AgreementFactory(unit=unit_b)
    with pytest.raises(DomainError, match="has no deciding customer yet"):
        agreement_sign(agreement=agreement, by=other_rm)


def test_agreement_dates_must_be_in_order(unit_a):
    with pytest.raises(IntegrityError):
        AgreementFactory(
            unit=unit_a, valid_from=datetime.date(2026, 5, 1), valid_until=datetime.date(2026, 1, 1)
        )


def test_a_purchaser_orders_a_live_service_once(unit_a, purchaser_a):
    service = ServiceFactory()

    subscription = subscription_order(unit=unit_a, service=service, by=purchaser_a.user)

    assert subscription.status == Subscription.Status.REQUESTED
    assert subscription.ordered_by == purchaser_a
    with pytest.raises(DomainError, match="already uses or has ordered"):
        subscription_order(unit=unit_a, service=service, by=purchaser_a.user)


def test_nobody_orders_a_pipeline_service_or_for_another_unit(unit_a, unit_b, purchaser_a):
    with pytest.raises(DomainError, match="not a live service"):
        subscription_order(unit=unit_a, service=ServiceFactory(lifecycle="pipeline"), by=purchaser_a.user)
    with pytest.raises(DomainPermissionError, match="not a contact of Sales Operations"):
        subscription_order(unit=unit_b, service=ServiceFactory(), by=purchaser_a.user)


@pytest.mark.parametrize(
    ("value", "shown"), [("90.000", "90"), ("99.950", "99.95"), ("4", "4"), ("100", "100")]
)
def test_targets_read_as_people_write_them(value, shown):
    target = ServiceLevelTarget(target_value=Decimal(value), direction="higher", unit_of_measure="%")
    assert target.value_display == shown
    assert target.summary == f"≥ {shown} %"


def test_only_staff_who_may_edit_the_unit_record_a_measurement_or_end_a_subscription(unit_a, rm, other_rm):
    subscription = SubscriptionFactory(unit=unit_a)
    target = ServiceLevelTargetFactory(service=subscription.service)
    with pytest.raises(DomainPermissionError, match="not in your portfolio"):
        measurement_record(
            subscription=subscription,
            target=target,
            period_start=datetime.date(2026, 3, 1),
            value=1,
            by=other_rm,
        )
    with pytest.raises(DomainPermissionError, match="not in your portfolio"):
        subscription_end(subscription=subscription, on=datetime.date(2026, 6, 1), by=other_rm)
    assert not subscription.measurements.exists()
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE

    assert subscription_end(subscription=subscription, on=datetime.date(2026, 6, 1), by=rm).ended_on == (
        datetime.date(2026, 6, 1)
    )
