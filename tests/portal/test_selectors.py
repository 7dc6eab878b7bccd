from decimal import Decimal

import pytest

from portal import selectors
from tests.customers.factories import BusinessUnitFactory, ContactFactory
from tests.portal.conftest import subscribe
from tests.services.factories import ServiceLevelTargetFactory

pytestmark = pytest.mark.django_db


def test_deciding_customers_for_many_units_in_one_query(
    django_assert_num_queries, division, unit_a, unit_b, customer_a, contact_b
):
    deeper = BusinessUnitFactory(parent=unit_a)
    with django_assert_num_queries(1):
        result = selectors.deciding_customers_for_units(units=[division, unit_a, deeper, unit_b])
    assert result == {
        division.pk: customer_a,
        unit_a.pk: customer_a,
        deeper.pk: customer_a,
        unit_b.pk: contact_b,
    }


def test_the_nearest_customer_decides(unit_a, customer_a):
    own = ContactFactory(unit=unit_a, role="customer")
    assert selectors.deciding_customers_for_units(units=[unit_a])[unit_a.pk] == own


def test_units_decided_by(customer_a, purchaser_a, division, unit_a, unit_b):
    assert selectors.units_decided_by(user=customer_a.user, units=[division, unit_a, unit_b]) == {
        division.pk,
        unit_a.pk,
    }
    assert selectors.units_decided_by(user=purchaser_a.user, units=[unit_a]) == set()


def test_attainment_per_target_and_month(unit_a):
    sub = subscribe(unit_a, months=3)  # the oldest of three is missed, then met twice
    ServiceLevelTargetFactory(
        service=sub.service, name="Response", target_value=Decimal("4"), direction="lower"
    )
    [levels] = selectors.subscription_levels(subscriptions=[sub])
    availability, response = sorted(levels.targets, key=lambda t: t.target.name)
    assert [c["state"] for c in availability.cells] == ["none", "none", "none", "missed", "met", "met"]
    assert (availability.met, availability.measured, availability.percent) == (2, 3, 67)
    assert response.percent is None and response.label == "Response ≤ 4 %"
    assert levels.percent == 67


def test_numbers_read_as_people_write_them():
    assert selectors.number(Decimal("99.500")) == "99.5"
    assert selectors.number(Decimal("100.000")) == "100"
    assert selectors.number(Decimal("0.250")) == "0.25"
