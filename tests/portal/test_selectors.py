from decimal import Decimal

import pytest

from portal import selectors
from tests.portal.conftest import subscribe
from tests.services.factories import ServiceLevelTargetFactory

pytestmark = pytest.mark.django_db


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
