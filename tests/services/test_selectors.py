"""Which agreement covers a subscription, and who may read it (services/selectors.py)."""

import datetime

import pytest

from services.models import Agreement, Subscription
from services.selectors import (
    agreement_list_for_unit,
    subscriptions_covered_by,
    with_covering_agreements,
)
from tests.customers.factories import BusinessUnitFactory, ContactFactory, UserFactory
from tests.services.factories import AgreementFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)


def active(unit, **kwargs):
    return AgreementFactory(unit=unit, status=Agreement.Status.ACTIVE, signed_by=_signer(unit), **kwargs)


def _signer(unit):
    return ContactFactory(unit=unit, role="stakeholder")


def covering(subscription):
    [row] = with_covering_agreements(Subscription.objects.filter(pk=subscription.pk), today=TODAY)
    return row.covering_agreement


def test_a_departments_service_is_covered_by_its_divisions_agreement(division, unit_a):
    sla = active(division)
    subscription = SubscriptionFactory(unit=unit_a)  # not linked to any agreement
    assert covering(subscription) == sla
    assert list(subscriptions_covered_by(agreement=sla, today=TODAY)) == [subscription]


def test_the_nearest_unit_with_an_agreement_in_force_wins(company, division, unit_a):
    active(company)
    division_sla = active(division)
    assert covering(SubscriptionFactory(unit=unit_a)) == division_sla


def test_the_subscriptions_own_agreement_wins_while_current(company, division, unit_a):
    active(division)
    own = AgreementFactory(unit=company)  # a draft: what the customer is about to sign
    subscription = SubscriptionFactory(unit=unit_a, agreement=own)
    assert covering(subscription) == own
    own.status = Agreement.Status.TERMINATED
    own.save()
    assert covering(subscription) == Agreement.objects.get(unit=division)


def test_agreements_not_in_force_cover_nothing(division, unit_a):
    active(division, valid_from=datetime.date(2026, 7, 1))  # not started yet
    active(division, valid_until=datetime.date(2026, 5, 31))  # ended
    AgreementFactory(unit=division)  # a draft nobody linked to
    ended_own = active(unit_a, valid_until=datetime.date(2026, 5, 1))
    assert covering(SubscriptionFactory(unit=unit_a)) is None
    assert covering(SubscriptionFactory(unit=unit_a, agreement=ended_own)) is None


def test_an_agreement_covers_no_unit_beside_or_above_its_own(company, division, unit_a, unit_b):
    sla = active(division)
    SubscriptionFactory(unit=unit_b)
    SubscriptionFactory(unit=company)
    SubscriptionFactory(unit=unit_a, status=Subscription.Status.ENDED)
    assert list(subscriptions_covered_by(agreement=sla, today=TODAY)) == []


def test_a_purchaser_reads_the_agreement_covering_their_units_services(
    division, unit_a, unit_b, purchaser_a, contact_b
):
    sla = active(division)
    other = active(unit_b)
    SubscriptionFactory(unit=unit_a)
    assert list(Agreement.objects.visible_to(purchaser_a.user, today=TODAY)) == [sla]
    assert list(Agreement.objects.visible_to(contact_b.user, today=TODAY)) == [other]


def test_an_agreement_covering_nothing_of_the_unit_stays_hidden(division, unit_a, purchaser_a):
    active(division)  # Accounts Payable uses no service under it
    assert list(Agreement.objects.visible_to(purchaser_a.user, today=TODAY)) == []


def test_staff_read_every_agreement_and_anonymous_none(rm, division):
    sla = active(division)
    from django.contrib.auth.models import AnonymousUser

    assert list(Agreement.objects.visible_to(rm, today=TODAY)) == [sla]
    assert list(Agreement.objects.visible_to(AnonymousUser(), today=TODAY)) == []


def test_a_units_agreements_include_the_one_above_covering_its_services(division, unit_a):
    sla = active(division)
    own_draft = AgreementFactory(unit=unit_a)
    SubscriptionFactory(unit=unit_a)
    rows = {a: a.is_inherited for a in agreement_list_for_unit(unit=unit_a, today=TODAY)}
    assert rows == {sla: True, own_draft: False}
    # A unit beside it, whose services it does not cover, lists none.
    sibling = BusinessUnitFactory(parent=division.parent)
    assert list(agreement_list_for_unit(unit=sibling, today=TODAY)) == []


def test_a_stakeholder_login_reads_it_too(division, unit_a):
    sla = active(division)
    SubscriptionFactory(unit=unit_a)
    stakeholder = ContactFactory(unit=unit_a, role="stakeholder", user=UserFactory())
    assert list(Agreement.objects.visible_to(stakeholder.user, today=TODAY)) == [sla]


def test_narrowing_to_the_units_at_hand_changes_no_answer(company, division, unit_a, unit_b, purchaser_a):
    """`within` only leaves out agreements in force that cannot matter: a nearer one still
    shadows a farther one, and the answer is the one of the whole organisation."""
    active(company)
    division_sla = active(division)
    b_sla = active(unit_b)
    subscriptions = [SubscriptionFactory(unit=unit_a), SubscriptionFactory(unit=unit_b)]
    everywhere = with_covering_agreements(Subscription.objects.order_by("pk"), today=TODAY)
    narrowed = with_covering_agreements(
        Subscription.objects.order_by("pk"), today=TODAY, within=[unit_a, unit_b]
    )
    assert [s.covering_agreement for s in everywhere] == [s.covering_agreement for s in narrowed]
    assert [s.covering_agreement for s in everywhere] == [division_sla, b_sla]
    assert subscriptions[0].pk == everywhere[0].pk
    units = [unit_a]
    assert list(Agreement.objects.visible_to(purchaser_a.user, units=units, today=TODAY)) == list(
        Agreement.objects.visible_to(purchaser_a.user, today=TODAY)
    )


def test_subscriptions_and_measurements_are_seen_by_staff_and_by_the_business_of_their_unit(
    unit_a, unit_b, rm, customer_a, purchaser_a, contact_b
):
    from django.contrib.auth.models import AnonymousUser

    from services.models import Measurement
    from tests.services.factories import MeasurementFactory

    own = MeasurementFactory(subscription=SubscriptionFactory(unit=unit_a))
    other = MeasurementFactory(subscription=SubscriptionFactory(unit=unit_b))
    for user, expected in [
        (rm, {own, other}),  # staff read every unit
        (customer_a.user, {own}),  # Finance's customer: Accounts Payable below it
        (purchaser_a.user, {own}),
        (contact_b.user, {other}),
        (AnonymousUser(), set()),
    ]:
        assert set(Measurement.objects.visible_to(user)) == expected
        assert set(Subscription.objects.visible_to(user)) == {m.subscription for m in expected}
